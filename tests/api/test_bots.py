"""Bot users: made by a workspace's admins, acting with their own tokens through the same doors
as people (REST and Socket.IO), and seeing only the channels they were added to.

The cast: Alice owns Acme, Bob is a member, Gus a guest; Olga owns Globex. Each test makes its
own bot through the REST API, as an admin would."""
from __future__ import annotations

import re
from typing import Any

import requests

from tests.api.helpers import assert_error, history, unique
from tests.files import samples
from tests.support import REJECTED, Cast, Person, barrier, socket_refusal


def make_bot(admin: Person, workspace_id: int, name: str = "Build Bot", **fields: Any) -> tuple[dict[str, Any], Person]:
    """A bot of the workspace and the bot itself, acting with a token its admin made for it."""
    bot = admin.post(f"/workspaces/{workspace_id}/bots", {"name": name, **fields})
    token = admin.post(f"/bots/{bot['id']}/tokens", {"name": "ci"})
    return bot, Person(admin.server_url, token["token"], bot, f"{bot['username']}@bots.invalid")


def test_an_admin_makes_a_bot_that_acts_with_its_token(cast: Cast) -> None:
    bot, robot = make_bot(cast.alice, cast.acme.id, "Deploy Bot", handle="deployer",
                          description="ships things", icon_url="https://example.test/deploy.png")
    assert bot["is_bot"] is True and bot["username"] == "deployer" and bot["display_name"] == "Deploy Bot"
    assert bot["icon_url"] == "https://example.test/deploy.png" and bot["ignore_bots"] is True
    assert bot["active"] is True and bot["owner_id"] == cast.alice.id and bot["workspace_id"] == cast.acme.id
    assert "signing_secret" not in bot

    me = robot.get("/me")
    assert me["id"] == bot["id"] and me["is_bot"] is True
    # The bot is a member of its workspace, started in its default channels like anyone.
    assert [w["id"] for w in robot.get("/workspaces")["workspaces"]] == [cast.acme.id]
    # Members see it (no secrets), the outsider does not.
    listed = cast.bob.get(f"/workspaces/{cast.acme.id}/bots")["bots"]
    assert [b["id"] for b in listed] == [bot["id"]] and "signing_secret" not in listed[0]
    members = {m["id"]: m for m in cast.bob.get(f"/workspaces/{cast.acme.id}/members")["members"]}
    assert members[bot["id"]]["is_bot"] is True and members[bot["id"]]["icon_url"] == bot["icon_url"]
    assert members[cast.bob.id]["is_bot"] is False and "icon_url" not in members[cast.bob.id]
    assert_error(cast.olga.request("GET", f"/bots/{bot['id']}"), 404, "not_found")
    assert_error(cast.olga.request("GET", f"/workspaces/{cast.acme.id}/bots"), 404, "not_found")
    assert_error(robot.request("GET", f"/workspaces/{cast.globex.id}/bots"), 404, "not_found")

    # The signing secret is the admins' alone.
    secret = cast.alice.get(f"/bots/{bot['id']}/signing-secret")
    assert secret["bot_id"] == bot["id"] and re.fullmatch(r"[0-9a-f]{32}", secret["signing_secret"])
    assert_error(cast.bob.request("GET", f"/bots/{bot['id']}/signing-secret"), 403, "admin_only")

    # Admins change it; the icon must be an http(s) URL.
    changed = cast.alice.call("PATCH", f"/bots/{bot['id']}", {"display_name": "Deployer", "ignore_bots": False})
    assert changed["display_name"] == "Deployer" and changed["ignore_bots"] is False
    assert_error(cast.alice.request("PATCH", f"/bots/{bot['id']}", json={"icon_url": "javascript:alert(1)"}),
                 400, "invalid")
    assert_error(cast.alice.request("POST", f"/workspaces/{cast.acme.id}/bots",
                                    json={"name": "Evil", "icon_url": "file:///etc/passwd"}), 400, "invalid")
    # An unclosed IPv6 bracket (urlsplit raises on it; the schema fuzz found a 500 here).
    for url in ("HTTPS://[\U000124e5\U0001f60d", "http://[::1/x.png"):
        assert_error(cast.alice.request("POST", f"/workspaces/{cast.acme.id}/bots",
                                        json={"name": "Evil", "icon_url": url}), 400, "invalid")
    assert_error(cast.alice.request("POST", f"/workspaces/{cast.acme.id}/bots",
                                    json={"name": "Again", "handle": "deployer"}), 409, "username_taken")
    # A bot is managed as a bot, not as a member.
    assert_error(cast.alice.request("PATCH", f"/workspaces/{cast.acme.id}/members/{bot['id']}",
                                    json={"role": "admin"}), 403, "bot_account")


def test_a_bot_hears_only_the_channels_it_was_added_to(cast: Cast) -> None:
    bot, robot = make_bot(cast.alice, cast.acme.id)
    ops = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("ops"), "private": True})["id"]
    lobby = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("lobby")})["id"]
    # A channel member adds it through the channel's members, as they would add a person.
    cast.bob.post(f"/channels/{ops}/members", {"user_id": bot["id"]})

    mine = {c["id"] for c in robot.get(f"/workspaces/{cast.acme.id}/channels")["channels"]}
    assert mine == {cast.acme.general_id, ops}
    # Unlike a member, it cannot see the public channel it is not in.
    assert lobby not in {c["id"] for c in robot.get(f"/workspaces/{cast.acme.id}/channels/browse")["channels"]}
    assert_error(robot.request("GET", f"/channels/{lobby}/messages"), 404, "not_found")
    assert_error(robot.request("GET", f"/channels/{lobby}/members"), 404, "not_found")
    assert_error(robot.request("GET", f"/channels/{cast.globex.general_id}/messages"), 404, "not_found")

    socket = robot.socket()
    try:
        in_lobby = cast.bob.post(f"/channels/{lobby}/messages", {"body": "public, but not the bot's"})
        in_globex = cast.olga.post(f"/channels/{cast.globex.general_id}/messages", {"body": "another workspace"})
        in_ops = cast.bob.post(f"/channels/{ops}/messages", {"body": "deploy please"})
        created = socket.wait_for("message.created", lambda e: e["data"]["id"] == in_ops["id"])
        assert created["data"]["author"] == {"id": cast.bob.id, "username": cast.bob.username,
                                             "display_name": "Bob Member", "is_bot": False}
        barrier(socket, robot, ops)  # everything committed before has reached the socket
        heard = {e["data"]["id"] for e in socket.events("message.created")}
        assert in_lobby["id"] not in heard and in_globex["id"] not in heard
    finally:
        socket.close()

    # Like a Slack app with channels:join, it may join a public channel by its id, and then
    # reads it; never another workspace's.
    robot.post(f"/channels/{lobby}/join")
    assert history(robot, lobby)["messages"][-1]["body"] == "public, but not the bot's"
    assert_error(robot.request("POST", f"/channels/{cast.globex.general_id}/join"), 404, "not_found")


def test_a_bot_posts_edits_deletes_reacts_and_uploads(cast: Cast) -> None:
    bot, robot = make_bot(cast.alice, cast.acme.id)
    general = cast.acme.general_id
    posted = robot.post(f"/channels/{general}/messages", {"body": "build #1 passed"})
    assert posted["author"]["is_bot"] is True and posted["author"]["id"] == bot["id"]
    seen = history(cast.bob, general)["messages"]
    assert next(m for m in seen if m["id"] == posted["id"])["author"]["is_bot"] is True

    edited = robot.call("PATCH", f"/messages/{posted['id']}", {"body": "build #1 passed (42 s)"})
    assert edited["body"] == "build #1 passed (42 s)" and edited["edited_at"] is not None
    robot.post(f"/messages/{posted['id']}/reactions", {"emoji": "tada"})
    bobs = cast.bob.post(f"/channels/{general}/messages", {"body": "thanks bot"})
    reacted = robot.post(f"/messages/{bobs['id']}/reactions", {"emoji": "thumbsup"})
    assert [r["user_ids"] for r in reacted["reactions"]] == [[bot["id"]]]
    assert_error(robot.request("PATCH", f"/messages/{bobs['id']}", json={"body": "mine now"}), 403, "not_author")
    assert_error(robot.request("DELETE", f"/messages/{bobs['id']}"), 403, "not_author")

    upload = robot.request("POST", f"/channels/{general}/files", files=[("file", ("chart.png", samples.png(64, 64)))])
    assert upload.status_code == 201, upload.text
    file_id = upload.json()["files"][0]["id"]
    with_file = robot.post(f"/channels/{general}/messages", {"body": "today's chart", "file_ids": [file_id]})
    assert with_file["files"][0]["uploader"]["is_bot"] is True
    assert cast.bob.request("GET", f"/files/{file_id}/content").status_code == 200

    robot.call("DELETE", f"/messages/{posted['id']}")
    assert posted["id"] not in {m["id"] for m in history(cast.bob, general)["messages"]}


def test_bots_never_sign_in_and_only_admins_make_them_and_their_tokens(cast: Cast) -> None:
    bot, robot = make_bot(cast.alice, cast.acme.id, handle=f"quiet{unique('b')[2:]}")
    # No password, no session: neither the sign-in form nor the token exchange lets a bot in.
    for password in ("", "anything at all"):
        assert_error(requests.post(cast.server_url + "/api/v1/auth/token",
                                   json={"email": robot.email, "password": password}, timeout=20),
                     401, "bot_cannot_sign_in")
    form = requests.Session()
    page = form.get(cast.server_url + "/login", timeout=20).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    answer = form.post(cast.server_url + "/login", data={"email": robot.email, "password": "x",
                                                         "csrf_token": csrf.group(1)},
                       allow_redirects=False, timeout=20)
    assert answer.status_code == 401 and "bots cannot sign in" in answer.text
    # Nobody signs up with a bot's address.
    assert_error(requests.post(cast.server_url + "/api/v1/auth/signup",
                               json={"email": f"x{unique('e')}@bots.invalid", "password": "a long password",
                                     "display_name": "Not a bot"}, timeout=20), 400, "invalid")

    # What only people do.
    assert_error(robot.request("POST", "/tokens", json={"name": "mine"}), 403, "bot_not_allowed")
    assert_error(robot.request("POST", "/workspaces", json={"name": "Bot Land"}), 403, "bot_not_allowed")
    assert_error(robot.request("POST", f"/workspaces/{cast.acme.id}/channels", json={"name": unique()}),
                 403, "bot_not_allowed")
    assert_error(robot.request("PATCH", "/me", json={"display_name": "Renamed"}), 403, "bot_not_allowed")
    code = cast.olga.post(f"/workspaces/{cast.globex.id}/invites", {"role": "member"})["code"]
    assert_error(robot.request("POST", f"/invites/{code}/accept"), 403, "bot_not_allowed")
    # Admins only: members and guests make no bots and no bot tokens; other workspaces see none.
    for person in (cast.bob, cast.gus):
        assert_error(person.request("POST", f"/workspaces/{cast.acme.id}/bots", json={"name": "Mine"}),
                     403, "admin_only")
        assert_error(person.request("POST", f"/bots/{bot['id']}/tokens", json={"name": "t"}), 403, "admin_only")
        assert_error(person.request("GET", f"/bots/{bot['id']}/tokens"), 403, "admin_only")
    assert_error(cast.olga.request("POST", f"/bots/{bot['id']}/tokens", json={"name": "t"}), 404, "not_found")
    assert_error(cast.olga.request("POST", f"/bots/{bot['id']}/deactivate"), 404, "not_found")
    tokens = cast.alice.get(f"/bots/{bot['id']}/tokens")["tokens"]
    assert [t["name"] for t in tokens] == ["ci"] and "token" not in tokens[0]


def test_a_revoked_or_deactivated_bot_token_is_refused_and_its_socket_closed(cast: Cast) -> None:
    bot, robot = make_bot(cast.alice, cast.acme.id)
    socket = robot.socket()
    token_id = cast.alice.get(f"/bots/{bot['id']}/tokens")["tokens"][0]["id"]
    cast.alice.call("DELETE", f"/bots/{bot['id']}/tokens/{token_id}")
    socket.wait_for("disconnect")
    assert_error(robot.request("GET", "/me"), 401, "unauthorized")
    assert socket_refusal(cast.server_url, robot.token) == REJECTED

    fresh = cast.alice.post(f"/bots/{bot['id']}/tokens", {"name": "second"})["token"]
    robot = Person(cast.server_url, fresh, bot, robot.email)
    socket = robot.socket()
    gone = cast.alice.post(f"/bots/{bot['id']}/deactivate")
    assert gone["active"] is False and gone["deactivated_at"] is not None
    socket.wait_for("disconnect")
    assert_error(robot.request("GET", "/me"), 401, "unauthorized")
    assert socket_refusal(cast.server_url, robot.token) == REJECTED
    assert_error(cast.alice.request("POST", f"/bots/{bot['id']}/tokens", json={"name": "t"}), 409, "bot_deactivated")
    members = {m["id"]: m for m in cast.alice.get(f"/workspaces/{cast.acme.id}/members?include_inactive=1")["members"]}
    assert members[bot["id"]]["active"] is False

    assert cast.alice.post(f"/bots/{bot['id']}/reactivate")["active"] is True
    assert robot.get("/me")["id"] == bot["id"]
    robot.post(f"/channels/{cast.acme.general_id}/messages", {"body": "back"})
