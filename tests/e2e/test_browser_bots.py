"""A bot's messages and its place in the member list carry a BOT tag, live and from history."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in, wait_ready
from tests.support import Person, Server, owner_and_member

pytestmark = pytest.mark.browser


def message(page: Page, text: str):
    return page.locator("#messages [data-testid='message']", has_text=text)


def test_a_bots_messages_show_the_bot_tag(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Bots", "Bob Bots")
    bot = alice.post(f"/workspaces/{acme.id}/bots", {"name": "Build Bot"})
    robot = Person(server.url, alice.post(f"/bots/{bot['id']}/tokens", {"name": "ci"})["token"], bot, "")

    page = sign_in(new_context(), server.url, alice)
    expect(page.get_by_test_id("conversation-title")).to_contain_text("general")
    robot.post(f"/channels/{acme.general_id}/messages", {"body": "build 117 passed"})
    bob.post(f"/channels/{acme.general_id}/messages", {"body": "nice work"})

    # Live: the bot's message is tagged, the person's is not.
    tag = message(page, "build 117 passed").get_by_test_id("bot-tag")
    expect(tag).to_have_text("bot", ignore_case=True)
    expect(tag).to_be_visible()
    expect(message(page, "nice work").get_by_test_id("bot-tag")).to_have_count(0)

    # From history, after a reload, just the same.
    page.reload()
    wait_ready(page)
    expect(message(page, "build 117 passed").get_by_test_id("bot-tag")).to_be_visible()
    expect(message(page, "nice work").get_by_test_id("bot-tag")).to_have_count(0)
