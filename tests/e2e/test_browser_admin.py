"""Managing people in real browsers against a live server: an owner promotes and deactivates
members in the Members dialog and the other person's browser follows live; a person creates,
uses and revokes a personal API token from their profile and sees a wrong current password
refused there; people are added to and removed from a private channel from its members panel,
and an admin lets someone post in a broadcast channel."""
from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in
from tests.support import Server, create_workspace, owner_and_member, sign_up

pytestmark = pytest.mark.browser


def channel_button(page: Page, name: str):
    return page.locator(f"#sidebar [data-channel-name='{name}']")


def message(page: Page, text: str):
    return page.locator("#messages [data-testid='message']", has_text=text)


def admin_row(page: Page, user_id: int):
    return page.get_by_test_id("members-dialog").locator(f"[data-testid='admin-member'][data-user-id='{user_id}']")


def test_owner_promotes_then_deactivates_a_member_live(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Owner", "Bob Member")
    alice_page = sign_in(new_context(), server.url, alice)
    bob_page = sign_in(new_context(), server.url, bob)
    bob_head = bob_page.locator(".sidebar-head")
    expect(bob_head.get_by_test_id("workspace-name")).to_have_text("Acme")
    expect(bob_head.get_by_role("button", name="Settings")).to_have_count(0)

    alice_page.get_by_test_id("members-link").click()
    dialog = alice_page.get_by_test_id("members-dialog")
    expect(dialog).to_be_visible()
    bob_row = admin_row(alice_page, bob.id)
    expect(bob_row).to_contain_text("Bob Member")

    # The last owner cannot step down: the server's refusal is shown in the dialog and her
    # role stays as it was.
    alice_row = admin_row(alice_page, alice.id)
    alice_row.get_by_label("Role of Alice Owner").select_option("member")
    expect(dialog.get_by_test_id("members-error")).to_contain_text("at least one active owner")
    expect(alice_row.get_by_label("Role of Alice Owner")).to_have_value("owner")

    # Alice makes Bob an admin: his browser shows the admin links without a reload.
    bob_row.get_by_label("Role of Bob Member").select_option("admin")
    expect(bob_row.get_by_label("Role of Bob Member")).to_have_value("admin")
    expect(dialog.get_by_test_id("members-error")).to_be_hidden()
    expect(bob_head.get_by_role("button", name="Settings")).to_be_visible()
    expect(bob_head.get_by_role("button", name="Invite people")).to_be_visible()
    # The server closed his sockets so they rejoin with his new rights; his tab reconnected by
    # itself and still gets messages live.
    alice.post(f"/channels/{acme.general_id}/messages", {"body": "Welcome to the admins, Bob"})
    expect(message(bob_page, "Welcome to the admins, Bob")).to_be_visible()
    expect(bob_page.get_by_test_id("connection-banner")).to_be_hidden()
    # ...and he can open the Members dialog himself, where owners are out of his reach.
    bob_head.get_by_test_id("members-link").click()
    expect(admin_row(bob_page, alice.id).get_by_label("Role of Alice Owner")).to_be_disabled()
    bob_page.keyboard.press("Escape")
    expect(bob_page.get_by_test_id("members-dialog")).to_have_count(0)

    # Alice deactivates Bob: the workspace disappears from his browser at once (his sockets are
    # closed and the workspace answers 404 to him; his account and session stay, as he may
    # belong to other workspaces), and Alice's list marks him deactivated.
    bob_row.get_by_role("button", name="Deactivate Bob Member").click()
    expect(bob_row.get_by_test_id("deactivated")).to_be_visible()
    expect(bob_row.get_by_role("button", name="Reactivate Bob Member")).to_be_visible()
    expect(bob_page.locator(f"[data-workspace-id='{acme.id}']")).to_have_count(0)
    expect(bob_page.locator("#sidebar h2")).to_have_text("No workspace")
    expect(bob_page.get_by_test_id("conversation")).not_to_contain_text("general")
    assert requests.get(f"{server.url}/api/v1/workspaces/{acme.id}", timeout=10,
                        headers={"Authorization": f"Bearer {bob.token}"}).status_code == 404

    # Reactivation gives him his workspace back (after a reload: he gets no live events from a
    # workspace he is not in).
    bob_row.get_by_role("button", name="Reactivate Bob Member").click()
    expect(bob_row.get_by_test_id("deactivated")).to_have_count(0)
    bob_page.reload()
    expect(bob_page.get_by_test_id("workspace-name")).to_have_text("Acme")


def test_profile_tokens_and_password(server: Server, new_context) -> None:
    carol = sign_up(server.url, "Carol Scripter")
    scripts = create_workspace(carol, "Scripts")
    page = sign_in(new_context(), server.url, carol)

    page.get_by_test_id("profile-button").click()
    dialog = page.get_by_test_id("profile-dialog")
    expect(dialog).to_be_visible()

    # A new display name shows in the sidebar at once.
    dialog.get_by_label("Name people see").fill("Carol Builder")
    dialog.get_by_role("button", name="Save name").click()
    expect(page.locator(".sidebar-foot .me-name")).to_have_text("Carol Builder")

    # Create a token: the secret is shown once, with a warning, and it works as a Bearer token.
    dialog.get_by_label("Token name").fill("deploy script")
    dialog.get_by_role("button", name="Create token").click()
    secret_box = dialog.get_by_test_id("token-secret")
    expect(secret_box).to_contain_text("shown only once")
    secret = dialog.get_by_test_id("new-token").input_value()
    assert re.fullmatch(r"chat_[A-Za-z0-9_-]{43}", secret), secret
    token_row = dialog.locator("[data-testid='token']", has_text="deploy script")
    expect(token_row).to_contain_text(secret[:12])
    auth = {"Authorization": f"Bearer {secret}"}
    me = requests.get(f"{server.url}/api/v1/me", headers=auth, timeout=10)
    assert me.status_code == 200 and me.json()["id"] == carol.id

    # Revoke it: the server refuses it from then on. Revoking closes the person's sockets; this
    # tab reconnects by itself and keeps receiving messages live.
    token_row.get_by_role("button", name="Revoke token deploy script").click()
    expect(token_row).to_contain_text("revoked")
    expect(token_row.get_by_role("button", name="Revoke token deploy script")).to_have_count(0)
    assert requests.get(f"{server.url}/api/v1/me", headers=auth, timeout=10).status_code == 401
    carol.post(f"/channels/{scripts.general_id}/messages", {"body": "still live after the revoke"})
    expect(message(page, "still live after the revoke")).to_be_visible()
    expect(page.get_by_test_id("connection-banner")).to_be_hidden()

    # A wrong current password is refused in the form; Carol stays signed in.
    password = dialog.get_by_test_id("profile-password")
    password.get_by_label("Current password").fill("not my password")
    password.get_by_label("New password").fill("a brand new password")
    password.get_by_role("button", name="Change password").click()
    expect(password.get_by_test_id("profile-password-error")).to_contain_text("current password")
    expect(dialog).to_be_visible()
    expect(page).to_have_url(re.compile(r"^(?!.*/login)"))


def test_channel_members_panel_adds_removes_and_lets_post(server: Server, new_context) -> None:
    alice, bob, acme = owner_and_member(server.url, "Alice Owner", "Bob Member")
    alice.post(f"/workspaces/{acme.id}/channels", {"name": "secret", "private": True})
    news = alice.post(f"/workspaces/{acme.id}/channels", {"name": "news", "broadcast": True})
    bob.post(f"/channels/{news['id']}/join")
    alice_page = sign_in(new_context(), server.url, alice)
    bob_page = sign_in(new_context(), server.url, bob)
    expect(channel_button(bob_page, "secret")).to_have_count(0)

    # Alice adds Bob to the private channel from its members panel: it appears in his sidebar live.
    channel_button(alice_page, "secret").click()
    alice_page.locator("#conv-header").get_by_role("button", name="Members", exact=True).click()
    panel = alice_page.get_by_test_id("member-list")
    expect(panel).to_contain_text("Alice Owner")
    alice_page.get_by_test_id("add-channel-members").click()
    picker = alice_page.get_by_test_id("add-members-dialog")
    picker.get_by_label("Bob Member").check()
    picker.get_by_role("button", name="Add", exact=True).click()
    expect(picker).to_have_count(0)
    expect(panel.locator(f"[data-user-id='{bob.id}']")).to_contain_text("Bob Member")
    expect(channel_button(bob_page, "secret")).to_be_visible()

    # Nobody is left to add now.
    alice_page.get_by_test_id("add-channel-members").click()
    expect(alice_page.get_by_test_id("add-members-dialog")).to_contain_text("already in this channel")
    alice_page.keyboard.press("Escape")

    # Bob, a plain member, sees no Remove buttons; Alice (the channel's creator) removes him.
    channel_button(bob_page, "secret").click()
    bob_page.locator("#conv-header").get_by_role("button", name="Members", exact=True).click()
    expect(bob_page.get_by_test_id("member-list")).to_contain_text("Alice Owner")
    expect(bob_page.get_by_test_id("remove-member")).to_have_count(0)
    panel.get_by_role("button", name="Remove Bob Member from #secret").click()
    expect(panel.locator(f"[data-user-id='{bob.id}']")).to_have_count(0)
    expect(channel_button(bob_page, "secret")).to_have_count(0)

    # In the broadcast channel Bob cannot post until Alice ticks "can post" for him.
    channel_button(bob_page, "news").click()
    expect(bob_page.get_by_test_id("conversation-title")).to_contain_text("news")
    expect(bob_page.locator("#composer textarea")).to_be_disabled()
    channel_button(alice_page, "news").click()
    news_panel = alice_page.get_by_test_id("member-list")
    can_post = news_panel.get_by_label("Bob Member can post")
    expect(can_post).not_to_be_checked()
    can_post.check()
    expect(news_panel.get_by_label("Bob Member can post")).to_be_checked()
    expect(bob_page.locator("#composer textarea")).to_be_enabled()
