"""Messages through the REST API: sending, history, threads, edits, reactions, pins, mentions,
unread counts and safe rendering."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.api.helpers import assert_error, channel_entry, history, send, unique
from tests.support import Cast, Person


def _channel(cast: Cast, *members: Person, private: bool = False) -> int:
    """A fresh channel in acme created by Alice, with ``members`` added."""
    channel = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("m"), "private": private})
    for person in members:
        cast.alice.post(f"/channels/{channel['id']}/members", {"user_id": person.id})
    return channel["id"]


def test_send_returns_the_stored_message(cast: Cast) -> None:
    channel = _channel(cast, cast.bob)
    response = cast.bob.request("POST", f"/channels/{channel}/messages", json={"body": "  hello *there*  "})
    assert response.status_code == 201
    sent = response.json()
    assert sent["body"] == "hello *there*" and sent["html"] == "<p>hello <em>there</em></p>"
    assert sent["author"] == {"id": cast.bob.id, "username": cast.bob.username, "display_name": "Bob Member",
                              "is_bot": False}
    assert (sent["channel_id"], sent["workspace_id"], sent["thread_root_id"], sent["reply_count"]) == \
        (channel, cast.acme.id, None, 0)
    assert cast.alice.get(f"/messages/{sent['id']}") == sent
    assert history(cast.alice, channel)["messages"] == [sent]


def test_a_retried_send_returns_the_original_instead_of_a_duplicate(cast: Cast) -> None:
    channel = _channel(cast, cast.bob)
    client_id = f"retry-{uuid.uuid4()}"
    first = cast.bob.request("POST", f"/channels/{channel}/messages", json={"body": "once", "client_msg_id": client_id})
    second = cast.bob.request("POST", f"/channels/{channel}/messages",
                              json={"body": "once", "client_msg_id": client_id})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json() and first.json()["client_msg_id"] == client_id
    # Even with a different body the stored original wins: the id names the send, not the text.
    third = cast.bob.request("POST", f"/channels/{channel}/messages",
                             json={"body": "different", "client_msg_id": client_id})
    assert third.status_code == 200 and third.json()["body"] == "once"
    assert [m["body"] for m in history(cast.alice, channel)["messages"]] == ["once"]
    # Another person may use the same client id; one person may not reuse it elsewhere.
    assert cast.alice.request("POST", f"/channels/{channel}/messages",
                              json={"body": "mine", "client_msg_id": client_id}).status_code == 201
    assert_error(cast.bob.request("POST", f"/channels/{cast.acme.general_id}/messages",
                                  json={"body": "elsewhere", "client_msg_id": client_id}), 409, "client_msg_id_reused")
    assert [m["body"] for m in history(cast.alice, channel)["messages"]] == ["once", "mine"]
    assert_error(cast.bob.request("POST", f"/channels/{channel}/messages",
                                  json={"body": "x", "client_msg_id": "x" * 65}), 400, "invalid")


def test_history_pages_backwards_and_forwards(cast: Cast) -> None:
    channel = _channel(cast)
    ids = [send(cast.alice, channel, f"message {i}")["id"] for i in range(7)]

    newest = history(cast.alice, channel, limit=3)
    assert [m["id"] for m in newest["messages"]] == ids[4:] and newest["has_more"] is True
    older = history(cast.alice, channel, limit=3, before=ids[4])
    assert [m["id"] for m in older["messages"]] == ids[1:4] and older["has_more"] is True
    oldest = history(cast.alice, channel, limit=3, before=ids[1])
    assert [m["id"] for m in oldest["messages"]] == ids[:1] and oldest["has_more"] is False

    forward = history(cast.alice, channel, limit=4, after=ids[0])
    assert [m["id"] for m in forward["messages"]] == ids[1:5] and forward["has_more"] is True
    rest = history(cast.alice, channel, limit=4, after=ids[4])
    assert [m["id"] for m in rest["messages"]] == ids[5:] and rest["has_more"] is False
    assert history(cast.alice, channel, after=ids[-1]) == {"messages": [], "has_more": False}
    everything = history(cast.alice, channel)
    assert [m["id"] for m in everything["messages"]] == ids and everything["has_more"] is False
    # Exactly a full page: no more.
    assert history(cast.alice, channel, limit=7)["has_more"] is False

    # (before and after together are the page between them: tests/api/test_bad_input.py)
    for params in ({"limit": 0}, {"limit": 201}, {"limit": "ten"}, {"before": -1}, {"after": "x"}):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        assert_error(cast.alice.request("GET", f"/channels/{channel}/messages?{query}"), 400, "invalid")


def test_threads_count_replies_and_stay_out_of_the_channel_history(cast: Cast) -> None:
    channel = _channel(cast, cast.bob)
    root = send(cast.alice, channel, "root")
    replies = [send(cast.bob, channel, f"reply {i}", thread_root_id=root["id"]) for i in range(3)]
    assert all(r["thread_root_id"] == root["id"] for r in replies)
    refreshed = cast.alice.get(f"/messages/{root['id']}")
    assert refreshed["reply_count"] == 3 and refreshed["last_reply_at"] == replies[-1]["created_at"]
    assert [m["id"] for m in history(cast.alice, channel)["messages"]] == [root["id"]]

    thread = cast.alice.get(f"/messages/{root['id']}/thread")
    assert thread["root"]["id"] == root["id"] and thread["has_more"] is False
    assert [m["id"] for m in thread["messages"]] == [r["id"] for r in replies]
    # Asking through a reply gives the same thread; pages go forward.
    page = cast.alice.get(f"/messages/{replies[1]['id']}/thread?limit=1&after={replies[0]['id']}")
    assert page["root"]["id"] == root["id"]
    assert [m["id"] for m in page["messages"]] == [replies[1]["id"]] and page["has_more"] is True

    # Replies attach to the first message only, in the same channel.
    assert_error(cast.bob.request("POST", f"/channels/{channel}/messages",
                                  json={"body": "nested", "thread_root_id": replies[0]["id"]}), 400, "invalid")
    assert_error(cast.bob.request("POST", f"/channels/{cast.acme.general_id}/messages",
                                  json={"body": "wrong place", "thread_root_id": root["id"]}), 404, "thread_not_found")
    # Deleting a reply lowers the count; a deleted root with replies stays as a placeholder.
    cast.bob.call("DELETE", f"/messages/{replies[0]['id']}")
    assert cast.alice.get(f"/messages/{root['id']}")["reply_count"] == 2
    cast.alice.call("DELETE", f"/messages/{root['id']}")
    placeholder = history(cast.bob, channel)["messages"]
    assert [(m["id"], m["deleted"], m["body"], m["html"]) for m in placeholder] == [(root["id"], True, "", "")]
    assert_error(cast.bob.request("POST", f"/channels/{channel}/messages",
                                  json={"body": "too late", "thread_root_id": root["id"]}), 404, "thread_not_found")


def test_only_authors_edit_and_authors_or_admins_delete(cast: Cast) -> None:
    channel = _channel(cast, cast.bob)
    bobs = send(cast.bob, channel, "original")
    assert_error(cast.alice.request("PATCH", f"/messages/{bobs['id']}", json={"body": "owner edit"}), 403, "not_author")
    edited = cast.bob.call("PATCH", f"/messages/{bobs['id']}", {"body": "**edited**"})
    assert edited["body"] == "**edited**" and edited["html"] == "<p><strong>edited</strong></p>"
    assert edited["edited_at"] is not None and edited["id"] == bobs["id"]
    assert_error(cast.bob.request("PATCH", f"/messages/{bobs['id']}", json={"body": ""}), 400, "invalid")
    assert cast.alice.get(f"/messages/{bobs['id']}")["body"] == "**edited**"

    alices = send(cast.alice, channel, "the owner's")
    assert_error(cast.bob.request("DELETE", f"/messages/{alices['id']}"), 403, "not_author")
    assert cast.alice.get(f"/messages/{alices['id']}")["deleted"] is False
    # An admin deletes anyone's message; the author deletes their own.
    assert cast.alice.call("DELETE", f"/messages/{bobs['id']}") == \
        {"id": bobs["id"], "channel_id": channel, "thread_root_id": None}
    assert cast.alice.call("DELETE", f"/messages/{alices['id']}")["id"] == alices["id"]
    assert history(cast.bob, channel)["messages"] == []
    assert_error(cast.bob.request("GET", f"/messages/{bobs['id']}"), 404, "not_found")
    assert_error(cast.bob.request("PATCH", f"/messages/{bobs['id']}", json={"body": "ghost"}), 404, "not_found")
    assert_error(cast.alice.request("DELETE", f"/messages/{bobs['id']}"), 404, "not_found")


def test_reactions_add_remove_and_are_idempotent(cast: Cast) -> None:
    channel = _channel(cast, cast.bob)
    message = send(cast.alice, channel, "react to me")
    path = f"/messages/{message['id']}/reactions"
    cast.bob.post(path, {"emoji": "thumbsup"})
    cast.alice.post(path, {"emoji": "thumbsup"})
    again = cast.bob.post(path, {"emoji": "thumbsup"})
    assert again["reactions"] == [{"emoji": "thumbsup", "count": 2, "user_ids": [cast.bob.id, cast.alice.id]}]
    with_unicode = cast.bob.post(path, {"emoji": "🎉"})
    assert [r["emoji"] for r in with_unicode["reactions"]] == ["thumbsup", "🎉"]
    removed = cast.bob.call("DELETE", f"{path}/thumbsup")
    assert removed["reactions"] == [{"emoji": "thumbsup", "count": 1, "user_ids": [cast.alice.id]},
                                    {"emoji": "🎉", "count": 1, "user_ids": [cast.bob.id]}]
    assert cast.bob.call("DELETE", f"{path}/thumbsup")["reactions"] == removed["reactions"]
    assert cast.bob.call("DELETE", f"{path}/%F0%9F%8E%89")["reactions"] == removed["reactions"][:1]
    for bad in ("", "two words", "<b>", "x" * 41, 5):
        assert_error(cast.bob.request("POST", path, json={"emoji": bad}), 400, "invalid")
    # Reading is not enough to react: join first.
    public = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("r")})
    there = send(cast.alice, public["id"], "public")
    assert_error(cast.bob.request("POST", f"/messages/{there['id']}/reactions", json={"emoji": "eyes"}),
                 403, "not_in_channel")
    assert cast.alice.get(f"/messages/{message['id']}")["reactions"] == removed["reactions"][:1]


def test_pins(cast: Cast) -> None:
    channel = _channel(cast, cast.bob)
    first, second = send(cast.alice, channel, "first"), send(cast.alice, channel, "second")
    assert cast.bob.call("PUT", f"/messages/{first['id']}/pin")["pinned"] is True
    assert cast.bob.call("PUT", f"/messages/{second['id']}/pin")["pinned"] is True
    assert cast.bob.call("PUT", f"/messages/{second['id']}/pin")["pinned"] is True  # harmless twice
    assert [m["id"] for m in cast.alice.get(f"/channels/{channel}/pins")["messages"]] == [second["id"], first["id"]]
    assert cast.alice.call("DELETE", f"/messages/{second['id']}/pin")["pinned"] is False
    assert [m["id"] for m in cast.alice.get(f"/channels/{channel}/pins")["messages"]] == [first["id"]]
    # A deleted message leaves the pins.
    cast.alice.call("DELETE", f"/messages/{first['id']}")
    assert cast.alice.get(f"/channels/{channel}/pins")["messages"] == []


def _counts(person: Person, workspace_id: int, channel_id: int) -> tuple[int, int]:
    entry = channel_entry(person, workspace_id, channel_id)
    return entry["unread_count"], entry["mention_count"]


def test_mentions_of_people_and_of_the_channel(cast: Cast) -> None:
    ws = cast.acme.id
    channel = _channel(cast, cast.bob, cast.gus, private=True)
    named = send(cast.alice, channel, f"hi @{cast.bob.username}, and @nobody-here")
    assert f'<span class="mention" data-user-id="{cast.bob.id}">@{cast.bob.username}</span>' in named["html"]
    assert "@nobody-here" in named["html"] and named["html"].count("mention") == 1
    assert named["mentions_channel"] is False
    assert _counts(cast.bob, ws, channel) == (1, 1)
    assert _counts(cast.gus, ws, channel) == (1, 0)
    assert [m["id"] for m in cast.bob.get(f"/workspaces/{ws}/mentions")["messages"]] == [named["id"]]

    for special in ("channel", "here"):
        everyone = send(cast.alice, channel, f"@{special} standup")
        assert everyone["mentions_channel"] is True
        assert f'<span class="mention mention-special">@{special}</span>' in everyone["html"]
    assert _counts(cast.bob, ws, channel) == (3, 3)
    assert _counts(cast.gus, ws, channel) == (3, 2)
    assert _counts(cast.alice, ws, channel) == (0, 0)  # your own messages are never unread
    # Olga is not in acme: naming her does nothing.
    outsider = send(cast.alice, channel, f"@{cast.olga.username} ?")
    assert "data-user-id" not in outsider["html"]
    assert cast.olga.get(f"/workspaces/{cast.globex.id}/mentions")["messages"] == []
    # The workspace badge sums the channels.
    badge = next(w for w in cast.bob.get("/workspaces")["workspaces"] if w["id"] == ws)
    assert badge["mention_count"] >= 3 and badge["unread_count"] >= 4
    # Reading clears both counts.
    cast.bob.post(f"/channels/{channel}/read", {"message_id": outsider["id"]})
    assert _counts(cast.bob, ws, channel) == (0, 0)


def test_unread_counts_and_read_position_are_shared_by_every_device(cast: Cast) -> None:
    ws = cast.acme.id
    channel = _channel(cast, cast.bob)
    phone = Person(cast.server_url, cast.bob.post("/tokens", {"name": "phone"})["token"], cast.bob.user, cast.bob.email)
    sent = [send(cast.alice, channel, f"news {i}")["id"] for i in range(4)]
    assert _counts(cast.bob, ws, channel) == _counts(phone, ws, channel) == (4, 0)

    read = phone.post(f"/channels/{channel}/read", {"message_id": sent[1]})
    assert read == {"channel_id": channel, "last_read_id": sent[1]}
    assert _counts(cast.bob, ws, channel) == (2, 0)
    assert channel_entry(cast.bob, ws, channel)["last_read_id"] == sent[1]
    # The position only moves forward, and never past the newest message.
    assert cast.bob.post(f"/channels/{channel}/read", {"message_id": sent[0]})["last_read_id"] == sent[1]
    assert cast.bob.post(f"/channels/{channel}/read", {"message_id": 2**40})["last_read_id"] == sent[-1]
    assert _counts(phone, ws, channel) == (0, 0)
    # Thread replies and one's own messages do not count as unread.
    send(cast.alice, channel, "in a thread", thread_root_id=sent[0])
    send(cast.bob, channel, "my own")
    assert _counts(phone, ws, channel) == (0, 0)
    assert_error(cast.bob.request("POST", f"/channels/{channel}/read", json={"message_id": "x"}), 400, "invalid")
    public = cast.alice.post(f"/workspaces/{ws}/channels", {"name": unique("u")})
    assert_error(cast.bob.request("POST", f"/channels/{public['id']}/read", json={"message_id": 1}),
                 409, "not_in_channel")


@pytest.mark.parametrize("body", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "![img](javascript:alert(1))",
    "<iframe src=\"https://evil.example\"></iframe>",
    "[x](vbscript:msgbox(1)) [y](data:text/html;base64,PHNjcmlwdD4=)",
    "`<script>` and ```\n<script>alert(1)</script>\n```",
    "<svg/onload=alert(1)>",
])
def test_markdown_never_produces_live_html(cast: Cast, body: str) -> None:
    sent = send(cast.alice, cast.acme.general_id, body)
    stored = cast.bob.get(f"/messages/{sent['id']}")
    for html in (sent["html"], stored["html"]):
        lowered = html.lower()
        # Every tag in the output comes from the safe set; no event handlers or script URLs survive.
        tags = set(re.findall(r"<\s*([a-z0-9]+)", lowered))
        assert tags <= {"p", "a", "em", "strong", "code", "pre", "br", "span", "del", "s", "ul", "ol", "li",
                        "blockquote"}, html
        assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered
        assert not re.search(r"<[^>]*\son\w+\s*=", lowered), html
        for href in re.findall(r'href="([^"]*)"', lowered):
            assert href.startswith(("http://", "https://", "mailto:")), html
    assert stored["body"] == body.strip()


def test_safe_links_stay_links(cast: Cast) -> None:
    sent = send(cast.alice, cast.acme.general_id, "see [docs](https://example.com/a?b=1) and https://example.org")
    assert '<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer nofollow">docs</a>' \
        in sent["html"]
    assert '<a href="https://example.org"' in sent["html"]
