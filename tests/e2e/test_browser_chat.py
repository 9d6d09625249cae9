"""Two people chatting in real browsers against a live server: live delivery, threads,
reactions, unread badges, editing with the keyboard, and the disconnected banner."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in, wait_ready
from tests.support import ROOT, Person, Server, create_workspace, invite, owner_and_member, sign_up, start_server

pytestmark = pytest.mark.browser


def composer(page: Page):
    return page.locator("#composer textarea")


def message(page: Page, text: str):
    return page.locator("#messages [data-testid='message']", has_text=text)


def channel_button(page: Page, name: str):
    return page.locator(f"#sidebar [data-channel-name='{name}']")


def send(page: Page, text: str, shown: str | None = None) -> None:
    box = composer(page)
    box.fill(text)
    box.press("Enter")
    expect(message(page, shown or text)).to_be_visible()


def test_two_people_chat_live(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Browser", "Bob Browser")
    random = alice.post(f"/workspaces/{acme.id}/channels", {"name": "random"})
    bob.post(f"/channels/{random['id']}/join")

    alice_page = sign_in(new_context(), server.url, alice)
    bob_page = sign_in(new_context(), server.url, bob)
    for page in (alice_page, bob_page):
        expect(page.get_by_test_id("conversation-title")).to_contain_text("general")

    # Alice sends; Bob sees it live, rendered by the server (Markdown, no raw HTML).
    send(alice_page, "Hello Bob, **welcome** <b>aboard</b>", shown="Hello Bob")
    seen = message(bob_page, "Hello Bob")
    expect(seen).to_be_visible()
    expect(seen.locator(".message-body strong")).to_have_text("welcome")
    expect(seen.locator(".message-body")).to_contain_text("<b>aboard</b>")
    expect(seen.locator(".message-body b")).to_have_count(0)

    # Bob replies in a thread; Alice sees the reply count on her copy of the message.
    seen.hover()
    seen.get_by_role("button", name="Reply in thread").click()
    thread_box = bob_page.locator("#thread-composer textarea")
    expect(thread_box).to_be_focused()
    thread_box.fill("Thanks, glad to be here")
    thread_box.press("Enter")
    expect(bob_page.get_by_test_id("thread").get_by_text("Thanks, glad to be here")).to_be_visible()
    expect(message(alice_page, "Hello Bob").get_by_test_id("thread-link")).to_contain_text(re.compile(r"^1 reply\b"))
    message(alice_page, "Hello Bob").get_by_test_id("thread-link").click()
    expect(alice_page.get_by_test_id("thread").get_by_text("Thanks, glad to be here")).to_be_visible()
    alice_page.keyboard.press("Escape")
    expect(alice_page.get_by_test_id("thread")).to_have_count(0)

    # Alice reacts; Bob sees the reaction and can add his own to it.
    mine = message(alice_page, "Hello Bob")
    mine.hover()
    mine.get_by_label("Add reaction").click()
    mine.get_by_role("button", name="React with 🎉").click()
    reaction = message(bob_page, "Hello Bob").locator("[data-testid='reaction'][data-emoji='🎉']")
    expect(reaction).to_contain_text("1")
    expect(reaction).to_have_attribute("aria-pressed", "false")
    reaction.click()
    expect(message(alice_page, "Hello Bob").locator("[data-testid='reaction'][data-emoji='🎉']")).to_contain_text("2")

    # Alice writes in #random, which Bob is not viewing: the badge shows there, and clears
    # when he opens it, in his other tab too (the server relays his read position).
    bob_second_tab = bob_page.context.new_page()
    bob_second_tab.goto(server.url + "/")
    wait_ready(bob_second_tab)
    channel_button(alice_page, "random").click()
    expect(alice_page.get_by_test_id("conversation-title")).to_contain_text("random")
    send(alice_page, "Anyone up for lunch?")
    send(alice_page, f"@{bob.username} you in?", shown="you in?")
    for page in (bob_page, bob_second_tab):
        expect(channel_button(page, "random").get_by_test_id("channel-mentions")).to_have_text("1")
        expect(channel_button(page, "random")).to_have_attribute("aria-label", "#random, 2 unread, 1 mention")
        expect(page.locator(f"[data-workspace-id='{acme.id}'] [data-testid='workspace-mentions']")).to_have_text("1")
    channel_button(bob_page, "random").click()
    expect(message(bob_page, "Anyone up for lunch?")).to_be_visible()
    expect(message(bob_page, "you in?").locator(".mention[data-me]")).to_have_text(f"@{bob.username}")
    for page in (bob_page, bob_second_tab):
        expect(channel_button(page, "random")).to_have_attribute("aria-label", "#random")
        expect(page.locator(f"[data-workspace-id='{acme.id}'] .badge")).to_have_count(0)


def test_channel_changes_reach_the_header_and_the_channel_browser_live(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Channels", "Bob Channels")
    bob_page = sign_in(new_context(), server.url, bob)
    expect(bob_page.get_by_test_id("conversation-title")).to_contain_text("general")

    # A channel Bob is in: its channel.updated changes the header.
    alice.call("PATCH", f"/channels/{acme.general_id}", {"topic": "Quarterly plans"})
    expect(bob_page.get_by_test_id("topic")).to_have_text("Quarterly plans")

    # Public channels he is not in: the open channel browser follows their creation and their
    # changes (the same envelopes members get, applied as notices: not a stream of his).
    bob_page.get_by_role("button", name="Browse channels").click()
    browse = bob_page.get_by_test_id("browse-list")
    expect(browse).to_contain_text("#general")
    launches = alice.post(f"/workspaces/{acme.id}/channels", {"name": "launches"})
    expect(browse).to_contain_text("#launches")
    alice.call("PATCH", f"/channels/{launches['id']}", {"purpose": "Release notes"})
    expect(browse).to_contain_text("Release notes")

    # Once he joins, its changes reach him as a member.
    bob_page.get_by_role("button", name="Join #launches").click()
    expect(bob_page.get_by_test_id("conversation-title")).to_contain_text("launches")
    alice.call("PATCH", f"/channels/{launches['id']}", {"topic": "Ship it"})
    expect(bob_page.get_by_test_id("topic")).to_have_text("Ship it")


def test_up_arrow_edits_last_message_and_escape_cancels(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Editor", "Bob Reader")
    alice_page = sign_in(new_context(), server.url, alice)
    bob_page = sign_in(new_context(), server.url, bob)

    send(alice_page, "first message")
    send(alice_page, "teh typo")
    box = composer(alice_page)
    box.focus()
    box.press("ArrowUp")
    editor = alice_page.locator("#messages").get_by_role("textbox", name="Edit message")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("teh typo")
    editor.press("Escape")
    expect(editor).to_have_count(0)
    expect(box).to_be_focused()

    box.press("ArrowUp")
    editor = alice_page.locator("#messages").get_by_role("textbox", name="Edit message")
    expect(editor).to_be_focused()
    # A message arriving meanwhile re-renders the list without taking the focus away.
    bob.post(f"/channels/{acme.general_id}/messages", {"body": "interrupting you"})
    expect(message(alice_page, "interrupting you")).to_be_visible()
    expect(editor).to_be_focused()
    editor.fill("the fix")
    editor.press("Enter")
    for page in (alice_page, bob_page):
        fixed = message(page, "the fix")
        expect(fixed).to_be_visible()
        expect(fixed.get_by_test_id("edited")).to_be_visible()
        expect(message(page, "teh typo")).to_have_count(0)
        expect(message(page, "first message")).to_be_visible()
    # Shift+Enter makes a new line instead of sending.
    box.fill("line one")
    box.press("Shift+Enter")
    box.type("line two")
    expect(box).to_have_value("line one\nline two")
    box.press("Enter")
    expect(message(bob_page, "line two")).to_be_visible()


def test_older_history_loads_when_scrolling_up(server: Server, new_context) -> None:
    alice = sign_up(server.url, "Alice Historian")
    acme = create_workspace(alice, "Acme")
    for i in range(70):
        alice.post(f"/channels/{acme.general_id}/messages", {"body": f"history {i:02d}"})
    page = sign_in(new_context(), server.url, alice)
    expect(message(page, "history 69")).to_be_visible()
    expect(message(page, "history 00")).to_have_count(0)
    page.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
    expect(message(page, "history 00")).to_have_count(1)
    expect(page.get_by_test_id("history-start")).to_be_attached()
    expect(page.locator("#messages [data-testid='message']")).to_have_count(70)


def test_offline_banner_and_queued_message_sent_once(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Offline", "Bob Online")
    context = new_context()
    page = sign_in(context, server.url, alice)
    banner = page.get_by_test_id("connection-banner")

    context.set_offline(True)
    expect(banner).to_be_visible()
    composer(page).fill("written on the train")
    composer(page).press("Enter")
    expect(page.get_by_test_id("pending-status")).to_have_text("Waiting for connection…")

    context.set_offline(False)
    expect(banner).to_be_hidden()
    expect(message(page, "written on the train")).to_be_visible()
    expect(page.get_by_test_id("pending-message")).to_have_count(0)
    bodies = [m["body"] for m in bob.get(f"/channels/{acme.general_id}/messages")["messages"]]
    assert bodies.count("written on the train") == 1


def test_banner_while_server_is_down_and_catch_up_after_restart(tmp_path: Path, new_context) -> None:
    server = start_server(tmp_path / "restart")
    port = int(server.url.rsplit(":", 1)[1])
    try:
        alice, bob = sign_up(server.url, "Alice Restart"), sign_up(server.url, "Bob Restart")
        acme = create_workspace(alice, "Acme")
        invite(alice, acme, bob)
        page = sign_in(new_context(), server.url, bob)
        banner = page.get_by_test_id("connection-banner")

        server.stop()
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Reconnecting")

        server = start_server(tmp_path / "restart", port=port)
        alice = Person(server.url, alice.token, alice.user, alice.email)
        alice.post(f"/channels/{acme.general_id}/messages", {"body": "said while you were away"})
        expect(banner).to_be_hidden(timeout=30_000)
        expect(message(page, "said while you were away")).to_have_count(1)
    finally:
        server.stop()


def test_a_client_whose_cursor_was_pruned_reloads_and_shows_everything(tmp_path: Path, new_context) -> None:
    """While Bob is offline the event log is pruned past his cursor: on reconnect the server says
    cursor_expired, and the page reloads its state instead of missing what happened."""
    server = start_server(tmp_path / "pruned")
    try:
        alice, bob, acme = owner_and_member(server.url, "Alice Pruned", "Bob Pruned")
        context = new_context()
        page = sign_in(context, server.url, bob)
        context.set_offline(True)
        expect(page.get_by_test_id("connection-banner")).to_be_visible()
        early = alice.post(f"/channels/{acme.general_id}/messages", {"body": "said first"})
        alice.post(f"/channels/{acme.general_id}/messages", {"body": "said second"})
        alice.call("PATCH", f"/messages/{early['id']}", {"body": "said first, corrected"})
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "prune-events", "--max-events", "1",
                               "--max-age-days", "0"], cwd=ROOT, env=server.env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        context.set_offline(False)
        expect(page.get_by_test_id("connection-banner")).to_be_hidden()
        expect(message(page, "said first, corrected")).to_have_count(1)
        expect(message(page, "said second")).to_have_count(1)
        alice.post(f"/channels/{acme.general_id}/messages", {"body": "said after the reload"})
        expect(message(page, "said after the reload")).to_have_count(1)
    finally:
        server.stop()
