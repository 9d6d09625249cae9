"""The Integrations page in Chromium: an admin opens it from the chat, makes an incoming webhook
for #general and copies its URL; a curl POST to that URL appears live in the channel; revoked,
the URL answers no_service. An admin makes a bot and sees its token once, and the Events API URL's
failed verification is shown where it was typed. An admin makes an outgoing webhook for #general
pointing at a receiver on 127.0.0.1 (a server that may reach it); a message starting with its
trigger word gets the receiver's reply live in the channel, and the request is in the hook's
delivery log."""
from __future__ import annotations

import json
import re
import subprocess
import uuid
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in, wait_ready
from tests.receiver import Receiver
from tests.support import Server, owner_and_member, start_server

pytestmark = pytest.mark.browser


def curl_post(url: str, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", "-H", "Content-type: application/json",
                           "--data", f'{{"text": "{text}"}}', url], capture_output=True, text=True, timeout=30)


def message(page: Page, text: str):
    return page.locator("#messages [data-testid='message']", has_text=text)


def test_an_admin_makes_a_webhook_for_general_whose_posts_appear_live_then_revokes_it(
        server: Server, new_context) -> None:
    alice, _bob, acme = owner_and_member(server.url, "Alice Hooks", "Bob Hooks")
    context = new_context(viewport={"width": 1200, "height": 850})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = sign_in(context, server.url, alice)

    # From the chat's workspace menu to the Integrations page.
    page.get_by_test_id("integrations-link").click()
    expect(page).to_have_url(re.compile(rf"/w/{acme.id}/integrations"))
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    expect(page.get_by_test_id("webhooks-empty")).to_be_visible()

    # Make one for #general: its URL is shown once, copied with the Copy button.
    page.get_by_test_id("new-webhook").click()
    dialog = page.get_by_test_id("new-webhook-dialog")
    dialog.get_by_label("Channel").select_option(label="#general")
    dialog.get_by_label("Name", exact=True).fill("Build Alerts")
    dialog.get_by_test_id("webhook-create").click()
    field = dialog.get_by_test_id("webhook-url")
    expect(field).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/hooks/[A-Za-z0-9_-]{43}$"))
    url = field.input_value()
    dialog.get_by_test_id("webhook-url-copy").click()
    expect(page.get_by_test_id("toast").filter(has_text="Webhook URL copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    dialog.get_by_test_id("webhook-secret-done").click()
    expect(dialog).to_have_count(0)
    row = page.get_by_test_id("webhook-row").filter(has_text="Build Alerts")
    expect(row).to_contain_text("#general")
    expect(row).to_contain_text("Alice Hooks")
    expect(row).to_contain_text(f"/hooks/{url.rsplit('/', 1)[1][:8]}")
    assert url not in page.content()  # shown once: gone once closed

    # The acceptance test: a curl POST to it appears live in #general.
    chat = context.new_page()
    chat.goto(server.url + "/")
    wait_ready(chat)
    expect(chat.get_by_test_id("conversation-title")).to_contain_text("general")
    text = f"deploy {uuid.uuid4().hex[:8]} finished"
    posted = curl_post(url, text)
    assert posted.stdout == "ok\n200", posted
    live = message(chat, text)
    expect(live.get_by_test_id("author")).to_have_text("Build Alerts")
    expect(live.get_by_test_id("bot-tag")).to_be_visible()

    # Revoked after a confirmation: the URL answers no_service, the row says so.
    row.get_by_test_id("webhook-revoke").click()
    confirm = page.get_by_test_id("confirm-dialog")
    expect(confirm).to_contain_text("Revoke “Build Alerts”?")
    confirm.get_by_role("button", name="Cancel").click()  # a second thought changes nothing
    expect(confirm).to_have_count(0)
    assert curl_post(url, "still here").stdout == "ok\n200"
    row.get_by_test_id("webhook-revoke").click()
    page.get_by_test_id("confirm-dialog").get_by_test_id("confirm-button").click()
    expect(row).to_contain_text("revoked")
    expect(row.get_by_test_id("webhook-revoke")).to_have_count(0)
    assert curl_post(url, "too late").stdout == "no_service\n404"
    assert [w["revoked"] for w in alice.get(f"/workspaces/{acme.id}/webhooks")["webhooks"]] == [True]


def test_an_admin_makes_a_bot_and_sees_its_token_once(server: Server, new_context) -> None:
    alice, _bob, acme = owner_and_member(server.url, "Alice Bots", "Bob Bots")
    handle = f"deploy-{uuid.uuid4().hex[:8]}"
    page = sign_in(new_context(viewport={"width": 1200, "height": 900}), server.url, alice,
                   path=f"/w/{acme.id}/integrations%23bots")
    expect(page.get_by_test_id("section-bots")).to_be_visible()
    expect(page.get_by_test_id("nav-bots")).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("bots-empty")).to_be_visible()

    page.get_by_test_id("new-bot").click()
    dialog = page.get_by_test_id("new-bot-dialog")
    dialog.get_by_label("Name", exact=True).fill("Deploy Bot")
    dialog.get_by_label("Handle (optional)").fill(f"@{handle}")
    dialog.get_by_label("Description (optional)").fill("ships builds")
    dialog.get_by_test_id("bot-create").click()
    field = dialog.get_by_test_id("bot-token")
    expect(field).to_have_value(re.compile(r"^chat_[A-Za-z0-9_-]{43}$"))
    token = field.input_value()
    expect(dialog).to_contain_text(f"@{handle} is ready")
    # The token is the bot's: it acts with it.
    me = requests.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert (me["username"], me["is_bot"]) == (handle, True)
    dialog.get_by_test_id("new-bot-done").click()
    expect(dialog).to_have_count(0)

    # Listed, and in its details the token shows only by its first characters: once means once.
    row = page.get_by_test_id("bot-row").filter(has_text=f"@{handle}")
    expect(row).to_contain_text("ships builds")
    expect(row).to_contain_text("active")
    row.get_by_test_id("bot-manage").click()
    details = page.get_by_test_id("bot-details")
    expect(details.get_by_test_id("bot-token-row")).to_contain_text(token[:12])
    assert token not in page.content()
    expect(details.get_by_test_id("deliveries-empty")).to_be_visible()

    # An Events API URL that cannot answer the handshake is not saved, and the page says why.
    details.get_by_test_id("bot-events-url").fill("http://127.0.0.1:9/slack/events")
    details.get_by_test_id("bot-events-save").click()
    expect(details.get_by_test_id("bot-events-error")).to_contain_text("url_verification")
    assert alice.get(f"/bots/{me['id']}")["events_url"] is None

    # Deactivated after a confirmation: its token is refused.
    row.get_by_test_id("bot-toggle-active").click()
    page.get_by_test_id("confirm-dialog").get_by_test_id("confirm-button").click()
    expect(row).to_contain_text("deactivated")
    refused = requests.get(server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert refused.status_code == 401


@pytest.fixture(scope="module")
def outbound_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that may send integration requests to 127.0.0.1, where the receiver listens."""
    started = start_server(tmp_path_factory.mktemp("integrations-outbound"),
                           extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32"})
    yield started
    started.stop()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


def test_an_admin_makes_an_outgoing_webhook_whose_reply_appears_live_and_in_its_log(
        outbound_server: Server, receiver: Receiver, new_context) -> None:
    server = outbound_server
    alice, _bob, acme = owner_and_member(server.url, "Alice Outgoing", "Bob Outgoing")
    name = uuid.uuid4().hex[:8]
    receiver.replies[name] = {"text": "pong"}
    trigger = f"ping{name[:4]}"
    context = new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = sign_in(context, server.url, alice, path=f"/w/{acme.id}/integrations%23outgoing-webhooks")
    section = page.get_by_test_id("section-outgoing-webhooks")
    expect(section.get_by_test_id("outgoing-webhooks-empty")).to_be_visible()

    # Made for #general with a trigger word, pointing at the receiver: the token is shown once.
    section.get_by_test_id("new-outgoing-webhook").click()
    dialog = page.get_by_test_id("new-outgoing-webhook-dialog")
    dialog.get_by_label("Name", exact=True).fill("Pong Bot")
    dialog.get_by_label("#general").check()
    dialog.get_by_label("Trigger words").fill(trigger)
    dialog.get_by_label("Callback URL 1").fill(receiver.url(f"/reply/{name}"))
    dialog.get_by_test_id("outgoing-webhook-save").click()
    field = dialog.get_by_test_id("outgoing-webhook-token")
    expect(field).to_have_value(re.compile(r"^[a-z0-9]{26}$"))
    token = field.input_value()
    dialog.get_by_test_id("outgoing-webhook-token-copy").click()
    expect(page.get_by_test_id("toast").filter(has_text="Token copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == token
    dialog.get_by_test_id("new-outgoing-webhook-done").click()
    expect(dialog).to_have_count(0)
    row = section.get_by_test_id("outgoing-webhook-row").filter(has_text="Pong Bot")
    expect(row).to_contain_text("#general")
    expect(row).to_contain_text(trigger)
    expect(row).to_contain_text(receiver.url(f"/reply/{name}"))
    assert token not in page.content()  # shown once: gone once closed

    # In the chat: a message starting with the trigger word gets the receiver's reply, live.
    page.get_by_test_id("back-to-chat").click()
    wait_ready(page)
    expect(page.get_by_test_id("conversation-title")).to_contain_text("general")
    box = page.get_by_test_id("composer-input")
    box.click()
    box.press_sequentially(f"{trigger} are you there?")
    box.press("Enter")
    expect(message(page, "are you there?")).to_be_visible()
    reply = message(page, "pong")
    expect(reply.get_by_test_id("author")).to_have_text("Pong Bot")
    expect(reply.get_by_test_id("bot-tag")).to_be_visible()
    sent = json.loads(receiver.wait_for(f"/reply/{name}", 1)[0].body)
    assert (sent["token"], sent["trigger_word"], sent["text"]) == (token, trigger, f"{trigger} are you there?")

    # Back on the Integrations page, the request is in the hook's delivery log.
    page.go_back()
    expect(page.get_by_test_id("section-outgoing-webhooks")).to_be_visible()
    row.get_by_test_id("outgoing-webhook-manage").click()
    details = page.get_by_test_id("outgoing-webhook-details")
    delivered = details.get_by_test_id("delivery-row")
    expect(delivered).to_have_count(1)
    expect(delivered).to_have_attribute("data-status", "delivered")
    expect(delivered).to_contain_text("pong")
