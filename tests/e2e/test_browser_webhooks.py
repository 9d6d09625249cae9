"""An incoming webhook's post, made with curl and requests as integrations make them, appears
live in the channel under its name (or its override), with the BOT tag and its card; its icon
shows, from this server's image proxy."""
from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in, wait_ready
from tests.integrations.test_image_proxy import ImageServer
from tests.support import Server, owner_and_member, start_server

pytestmark = pytest.mark.browser
SCREENSHOT = os.environ.get("WEBHOOK_SCREENSHOT")  # a path: save what the channel looks like, to look at


def message(page: Page, text: str):
    return page.locator("#messages [data-testid='message']", has_text=text)


def test_a_webhook_post_appears_live_with_its_name_bot_tag_and_card(server: Server, new_context) -> None:
    alice, _bob, acme = owner_and_member(server.url, "Alice Hooks", "Bob Hooks")
    alice.call("PATCH", f"/workspaces/{acme.id}", {"webhook_overrides": True})
    hook = alice.post(f"/workspaces/{acme.id}/webhooks", {"channel_id": acme.general_id, "name": "Build Alerts"})

    page = sign_in(new_context(viewport={"width": 1100, "height": 800}), server.url, alice)
    expect(page.get_by_test_id("conversation-title")).to_contain_text("general")
    payload = {"text": "Build *117* failed on <https://ci.example.test/117|main>", "attachments": [{
        "fallback": "Build 117 failed", "color": "danger", "pretext": "CI report", "title": "Build 117",
        "title_link": "https://ci.example.test/117", "text": "3 tests failed", "footer": "ci.example.test",
        "fields": [{"title": "Branch", "value": "main", "short": True},
                   {"title": "Duration", "value": "4 min", "short": True}]}]}
    curl = subprocess.run(["curl", "-s", "-X", "POST", "-H", "Content-type: application/json",
                           "--data", json.dumps(payload), hook["url"]], capture_output=True, text=True, timeout=30)
    assert curl.stdout == "ok"
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "Deploy finished"}},
              {"type": "section", "text": {"type": "mrkdwn", "text": "*v1.2.0* is live in _production_"},
               "fields": [{"type": "mrkdwn", "text": "*By*\ndeploy-bot"}, {"type": "mrkdwn", "text": "*Took*\n3 min"}]},
              {"type": "divider"},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": "pipeline #42"}]}]
    answer = requests.post(hook["url"], json={"text": "Deploy finished", "blocks": blocks, "username": "Deployer"},
                           timeout=20)
    assert answer.text == "ok"

    # Live: under its name, tagged BOT, its attachment as a card with the danger colour.
    alert = message(page, "3 tests failed")
    expect(alert.get_by_test_id("author")).to_have_text("Build Alerts")
    expect(alert.get_by_test_id("bot-tag")).to_be_visible()
    card = alert.locator(".message-body article.card.card-danger")
    expect(card).to_be_visible()
    expect(card.locator(".card-title a")).to_have_text("Build 117")
    expect(alert.locator(".message-body strong")).to_have_text("117")
    deploy = message(page, "is live in")
    expect(deploy.get_by_test_id("author")).to_have_text("Deployer")
    expect(deploy.get_by_test_id("bot-tag")).to_be_visible()
    expect(deploy.locator(".message-body .blocks .block-header")).to_have_text("Deploy finished")
    if SCREENSHOT:
        Path(SCREENSHOT).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOT, full_page=True)

    # After a reload, from history, just the same.
    page.reload()
    wait_ready(page)
    expect(message(page, "3 tests failed").locator("article.card")).to_be_visible()
    expect(message(page, "is live in").get_by_test_id("author")).to_have_text("Deployer")


@pytest.fixture(scope="module")
def images() -> Iterator[ImageServer]:
    origin = ImageServer().start()
    yield origin  # type: ignore[misc]
    origin.stop()


@pytest.fixture(scope="module")
def icon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that may fetch images from 127.0.0.1, where the test's image server is."""
    srv = start_server(tmp_path_factory.mktemp("icons"), extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32"})
    yield srv
    srv.stop()


def test_a_webhooks_icon_shows_through_the_image_proxy(icon_server: Server, images: ImageServer, new_context) -> None:
    alice, _bob, acme = owner_and_member(icon_server.url, "Alice Icons", "Bob Icons")
    path = f"/image/png/{uuid.uuid4().hex[:10]}.png"
    icon = images.url(path)
    hook = alice.post(f"/workspaces/{acme.id}/webhooks", {"channel_id": acme.general_id, "name": "Nagios",
                                                          "icon_url": icon})
    page = sign_in(new_context(), icon_server.url, alice)
    assert requests.post(hook["url"], json={"text": "disk full on db1"}, timeout=20).text == "ok"
    avatar = message(page, "disk full on db1").locator(".avatar img.avatar-icon")
    expect(avatar).to_be_visible()  # loaded: a picture the page could not load is hidden
    assert avatar.get_attribute("src").startswith("/api/v1/images/")
    # Loaded, at the test image's size (3 x 2): waited for, as a loaded machine may paint it late.
    page.wait_for_function("img => img.complete && img.naturalWidth === 3", arg=avatar.element_handle(),
                           timeout=15_000)
    assert len(images.received(path)) == 1  # fetched by the server, once; the browser never asked it
