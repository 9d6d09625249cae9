"""Unread counts stop at UNREAD_CAP (so a reader far behind costs a bounded walk of the
channel's index, bench/README.md), and every count below the cap stays exact."""
from __future__ import annotations

from chat.core.actor import Actor
from chat.core.transactions import atomic
from chat.services import accounts, channels, messages, workspaces
from chat.services.channels.unread import UNREAD_CAP, unread_counts


def test_a_reader_far_behind_sees_the_cap_and_the_exact_count_below_it(app) -> None:
    alice = Actor.cli(accounts.sign_up("ua@example.test", "password123", "U Alice", "ualice"))
    bob_row = accounts.sign_up("ub@example.test", "password123", "U Bob", "ubob")
    bob = Actor.cli(bob_row)
    ws = workspaces.create_workspace(alice, "Unread")
    workspaces.add_member(ws.id, bob_row, workspaces.check_role("member"))
    general = channels.list_my_channels(alice, ws.id)[0]["id"]
    with atomic():  # the sends join this one transaction: quick to write this many
        sent = [messages.send_message(alice, general, f"news {i}")[0]["id"] for i in range(UNREAD_CAP + 5)]
    messages.send_message(bob, general, "my own is never unread")

    assert unread_counts(bob.id, [ws.id])[general] == (UNREAD_CAP, 0)
    assert unread_counts(alice.id, [ws.id])[general] == (1, 0)
    channels.mark_read(bob, general, sent[-UNREAD_CAP - 1])
    assert unread_counts(bob.id, [ws.id])[general] == (UNREAD_CAP, 0)  # still 1,000 after it
    channels.mark_read(bob, general, sent[-UNREAD_CAP])
    assert unread_counts(bob.id, [ws.id])[general] == (UNREAD_CAP - 1, 0)
    channels.mark_read(bob, general, sent[-3])
    assert unread_counts(bob.id, [ws.id])[general] == (2, 0)
