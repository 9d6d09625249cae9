"""Group commit seen from its callers: sends written together must behave as if alone."""
from __future__ import annotations

import threading
import time

from chat.core.actor import Actor
from chat.core.transactions import atomic
from chat.services import channels, messages, users, workspaces


def test_a_send_inside_another_transaction_joins_it_instead_of_waiting_for_a_batch(app) -> None:
    """A caller already writing holds the writer lock that a batch leader waits for; if it
    queued behind that leader, neither would ever finish. Its send joins its own transaction."""
    alice = Actor.cli(users.sign_up("ga@example.test", "password123", "G Alice", "galice"))
    bob_row = users.sign_up("gb@example.test", "password123", "G Bob", "gbob")
    bob = Actor.cli(bob_row)
    ws = workspaces.create_workspace(alice, "Batching")
    workspaces.add_member(ws.id, bob_row, workspaces.check_role("member"))
    general = channels.list_my_channels(alice, ws.id)[0]["id"]
    holding, results = threading.Event(), {}

    def writer() -> None:  # holds the writer lock, then sends from inside its transaction
        with app.app_context(), atomic():
            holding.set()
            time.sleep(0.3)  # the other send is now leading a batch, waiting for our lock
            results["inside"] = messages.send_message(alice, general, "from inside")[0]["id"]

    def leader() -> None:
        holding.wait(5)
        with app.app_context():
            results["batch"] = messages.send_message(bob, general, "batched")[0]["id"]

    threads = [threading.Thread(target=writer, daemon=True), threading.Thread(target=leader, daemon=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads), "the two sends waited for each other"
    assert results["inside"] < results["batch"]
