"""Slash commands in the browser: typing / suggests the workspace's commands (a custom one
included), the keys pick one, /help lists the custom command, and running it shows its answer
in the conversation, marked "Only visible to you", until dismissed; /me reads as an action and
/mute dims the channel in the sidebar. An admin makes a command on the Integrations page (a
built-in's name refused in the form, the secrets shown once), runs it from the chat and replays
its request from the delivery log; the conversation header's bell mutes and unmutes a channel,
in every tab."""
from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.api.helpers import unique
from tests.e2e.conftest import sign_in, wait_ready
from tests.integrations.test_slash_commands import CommandApp
from tests.support import Server, owner_and_member, start_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = start_server(tmp_path_factory.mktemp("slash-browser"),
                           extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32"})
    yield started
    started.stop()


@pytest.fixture(scope="module")
def app() -> Iterator[CommandApp]:
    receiver = CommandApp()
    yield receiver
    receiver.stop()


def composer(page: Page):
    return page.get_by_test_id("composer-input")


def test_typing_a_slash_suggests_commands_and_a_custom_ones_answer_is_shown_to_me_alone(
        server: Server, app: CommandApp, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Commands", "Bob Commands")
    name = f"/{unique('deploy')}"
    made = alice.post(f"/workspaces/{acme.id}/slash-commands",
                      {"name": name, "url": app.url("/ephemeral"), "description": "Ship a build",
                       "usage_hint": "[environment]"})
    app.secrets[made["token"]] = made["signing_secret"]

    page = sign_in(new_context(viewport={"width": 1100, "height": 800}), server.url, bob)
    expect(page.get_by_test_id("conversation-title")).to_contain_text("general")
    box = composer(page)
    box.click()
    box.press_sequentially("/")
    suggestions = page.get_by_test_id("composer-commands")
    expect(suggestions).to_be_visible()
    expect(suggestions.get_by_test_id("command-suggestion").filter(has_text=name)).to_be_visible()
    expect(suggestions.get_by_test_id("command-suggestion").filter(has_text="/help")).to_be_visible()
    # Escape closes the list; typing on filters it.
    box.press("Escape")
    expect(suggestions).to_be_hidden()
    box.press_sequentially(name[1:4])
    expect(suggestions).to_be_visible()
    options = suggestions.get_by_test_id("command-suggestion")
    expect(options.first).to_have_attribute("data-command", name)
    expect(options.first).to_contain_text("Ship a build")
    expect(options.first).to_contain_text("[environment]")
    # Enter picks the highlighted command; its text follows, and Enter runs it.
    box.press("Enter")
    expect(box).to_have_value(f"{name} ")
    expect(suggestions).to_be_hidden()
    box.press_sequentially("production")
    box.press("Enter")
    expect(box).to_have_value("")

    answer = page.get_by_test_id("ephemeral-message").filter(has_text="production")
    expect(answer).to_be_visible()
    expect(answer.get_by_test_id("only-visible")).to_have_text("Only visible to you")
    expect(answer.get_by_test_id("author")).to_have_text(name)
    expect(answer.locator(".message-body strong")).to_have_text("you")
    assert app.wait_for("production")["signed"]

    # /help lists the custom command with its description, as a note only Bob sees.
    box.press_sequentially("/help")
    box.press("Escape")
    box.press("Enter")
    listed = page.get_by_test_id("ephemeral-message").filter(has_text="Slash commands")
    expect(listed).to_contain_text(f"{name} [environment]")
    expect(listed).to_contain_text("Ship a build")
    expect(listed.get_by_test_id("only-visible")).to_be_visible()
    listed.get_by_test_id("dismiss-ephemeral").click()
    expect(listed).to_have_count(0)

    # Unknown commands get Slack's note; //text is sent as text.
    box.press_sequentially("/nonsense now")
    box.press("Enter")
    expect(page.get_by_test_id("ephemeral-message").filter(has_text="is not a valid command")).to_be_visible()
    box.press_sequentially("//slash at the start")
    box.press("Enter")
    expect(page.locator("#messages [data-testid='message']", has_text="/slash at the start")).to_be_visible()

    # /me reads as an action.
    box.press_sequentially("/me waves")
    box.press("Escape")
    box.press("Enter")
    expect(page.locator("#messages [data-testid='me-message']", has_text="waves")).to_be_visible()

    # Ephemeral messages are not kept: gone on reload; the stored messages stay.
    page.reload()
    expect(page.locator("#messages [data-testid='me-message']", has_text="waves")).to_be_visible()
    expect(page.get_by_test_id("ephemeral-message")).to_have_count(0)


def test_mute_dims_the_channel_and_a_refused_command_says_why(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Mutes", "Bob Mutes")
    room = alice.post(f"/workspaces/{acme.id}/channels", {"name": unique("noisy")})
    alice.post(f"/channels/{room['id']}/members", {"user_id": bob.id})
    page = sign_in(new_context(viewport={"width": 1100, "height": 800}), server.url, bob)
    item = page.locator(f"[data-testid='channel'][data-channel-id='{room['id']}']")
    item.click()
    box = composer(page)
    box.press_sequentially("/mute")
    # The name typed in full: Enter runs it, suggestions open or not (on a partial name it picks).
    expect(page.get_by_test_id("composer-commands")).to_be_visible()
    box.press("Enter")
    expect(page.get_by_test_id("composer-commands")).to_be_hidden()
    expect(box).to_have_value("")
    expect(item).to_have_attribute("data-muted", "true")
    expect(page.get_by_test_id("ephemeral-message").filter(has_text="You muted")).to_be_visible()
    # Messages there make no badge now; a mention still does.
    page.locator("[data-testid='channel'][data-channel-name='general']").click()
    alice.post(f"/channels/{room['id']}/messages", {"body": "chatter"})
    alice.post(f"/channels/{room['id']}/messages", {"body": f"@{bob.username} look"})
    expect(item.get_by_test_id("channel-mentions")).to_have_text("1")
    expect(item.get_by_test_id("channel-unread")).to_have_count(0)
    # A command the server refuses: why, as a note in the conversation.
    box.press_sequentially("/leave")
    box.press("Escape")
    box.press("Enter")
    expect(page.get_by_test_id("ephemeral-message").filter(has_text="/leave failed")).to_be_visible()


def test_an_admin_makes_a_command_on_the_integrations_page_and_runs_it_from_the_chat(
        server: Server, app: CommandApp, new_context) -> None:
    alice, _bob, acme = owner_and_member(server.url, "Alice Makes Commands", "Bob Makes Commands")
    name = f"/{unique('ship')}"
    page = sign_in(new_context(viewport={"width": 1280, "height": 900}), server.url, alice)

    # From the chat to the Integrations page's Slash commands section.
    page.get_by_test_id("integrations-link").click()
    expect(page).to_have_url(re.compile(rf"/w/{acme.id}/integrations"))
    page.get_by_test_id("nav-slash-commands").click()
    section = page.get_by_test_id("section-slash-commands")
    expect(section.get_by_test_id("slash-commands-empty")).to_be_visible()

    # A built-in's name is refused by the server, and the form says why; then the real one.
    section.get_by_test_id("new-slash-command").click()
    dialog = page.get_by_test_id("new-slash-command-dialog")
    dialog.get_by_label("Command", exact=True).fill("/help")
    dialog.get_by_label("Request URL").fill(app.url("/ephemeral"))
    dialog.get_by_label("Description (optional)").fill("Ship a build")
    dialog.get_by_label("Usage hint (optional)").fill("[environment]")
    dialog.get_by_test_id("slash-command-save").click()
    expect(dialog.get_by_test_id("slash-command-form-error")).to_have_text("/help is a built-in command")
    dialog.get_by_label("Command", exact=True).fill(name)
    dialog.get_by_test_id("slash-command-save").click()
    token = dialog.get_by_test_id("slash-command-token")
    expect(token).to_have_value(re.compile(r"^[0-9a-f]{24}$"))
    expect(dialog.get_by_test_id("slash-command-signing-secret")).to_have_value(re.compile(r"^[0-9a-f]{32}$"))
    # The receiver checks requests with what the page showed: the token names the secret.
    app.secrets[token.input_value()] = dialog.get_by_test_id("slash-command-signing-secret").input_value()
    dialog.get_by_test_id("new-slash-command-done").click()
    expect(dialog).to_have_count(0)
    row = section.get_by_test_id("slash-command-row").filter(has_text=name)
    expect(row).to_contain_text("Ship a build")
    expect(row).to_contain_text("[environment]")
    expect(row).to_contain_text(app.url("/ephemeral"))

    # Back in the chat: / suggests it, /help lists it, and running it shows its answer.
    page.get_by_test_id("back-to-chat").click()
    wait_ready(page)
    expect(page.get_by_test_id("conversation-title")).to_contain_text("general")
    box = composer(page)
    box.click()
    box.press_sequentially("/")
    suggestions = page.get_by_test_id("composer-commands")
    suggested = suggestions.get_by_test_id("command-suggestion").filter(has_text=name)
    expect(suggested).to_be_visible()
    expect(suggested).to_contain_text("Ship a build")
    box.press("Escape")
    box.press_sequentially("help")
    box.press("Escape")
    box.press("Enter")
    listed = page.get_by_test_id("ephemeral-message").filter(has_text="Slash commands")
    expect(listed).to_contain_text(f"{name} [environment]")
    expect(listed).to_contain_text("Ship a build")
    text = unique("to-production")
    box.press_sequentially(f"{name} {text}")
    box.press("Enter")
    answer = page.get_by_test_id("ephemeral-message").filter(has_text=text)
    expect(answer).to_contain_text(f"Only you see this: {text}")
    expect(answer.get_by_test_id("author")).to_have_text(name)
    assert app.wait_for(text)["signed"]

    # The request is in the command's delivery log, and Replay sends it again.
    page.go_back()
    expect(page.get_by_test_id("section-slash-commands")).to_be_visible()
    row.get_by_test_id("slash-command-manage").click()
    details = page.get_by_test_id("slash-command-details")
    first = details.get_by_test_id("delivery-row")
    expect(first).to_have_count(1)
    expect(first).to_have_attribute("data-status", "delivered")
    expect(first).to_contain_text(name)
    first.get_by_test_id("delivery-replay").click()
    replay = details.get_by_test_id("delivery-row").filter(has_text="replay of #")
    expect(replay).to_have_attribute("data-status", "delivered")
    assert app.count(text) == 2


def test_the_headers_bell_mutes_a_channel_in_every_tab_and_unmutes_it(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Bell", "Bob Bell")
    room = alice.post(f"/workspaces/{acme.id}/channels", {"name": unique("chatty")})
    alice.post(f"/channels/{room['id']}/members", {"user_id": bob.id})
    context = new_context(viewport={"width": 1100, "height": 800})
    page = sign_in(context, server.url, bob)
    other = context.new_page()  # a second tab of Bob's
    other.goto(server.url + "/")
    wait_ready(other)

    def item(tab: Page):
        return tab.locator(f"[data-testid='channel'][data-channel-id='{room['id']}']")

    item(page).click()
    expect(page.get_by_test_id("conversation-title")).to_contain_text(room["name"])
    page.get_by_role("button", name="Mute channel").click()
    expect(item(page)).to_have_attribute("data-muted", "true")
    expect(item(page)).to_have_class(re.compile(r"\bmuted\b"))
    expect(item(page)).to_have_css("opacity", "0.55")  # dimmed
    expect(page.get_by_test_id("muted-tag")).to_be_visible()
    expect(item(other)).to_have_attribute("data-muted", "true")  # the other tab hears of it
    assert bob.get(f"/channels/{room['id']}")["muted"] is True

    # Muted, its chatter makes no badge.
    page.locator("[data-testid='channel'][data-channel-name='general']").click()
    alice.post(f"/channels/{room['id']}/messages", {"body": "chatter"})
    alice.post(f"/channels/{room['id']}/messages", {"body": f"@{bob.username} look"})
    expect(item(page).get_by_test_id("channel-mentions")).to_have_text("1")
    expect(item(page).get_by_test_id("channel-unread")).to_have_count(0)

    item(page).click()
    page.get_by_role("button", name="Unmute channel").click()
    expect(page.get_by_role("button", name="Mute channel")).to_be_visible()
    expect(item(page)).not_to_have_attribute("data-muted", "true")
    expect(page.get_by_test_id("muted-tag")).to_have_count(0)
    expect(item(other)).not_to_have_attribute("data-muted", "true")
    assert bob.get(f"/channels/{room['id']}")["muted"] is False
