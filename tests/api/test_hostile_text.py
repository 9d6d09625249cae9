"""Invisible and direction-changing characters in text shown on one line (names, topics,
purposes, emoji, file names): refused with the field at fault, or, for file names, dropped.
Message bodies keep them, and their HTML shows the reordering ones instead of obeying them."""
from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import assert_error, unique
from tests.files.test_files_api import upload
from tests.support import Cast, Server, sign_up

# One of each kind: bidi override, embedding, isolate and mark; zero-width space, word joiner,
# byte order mark, soft hyphen; line and paragraph separators; a tag character (hidden ASCII);
# a Hangul filler (a blank letter); a joiner with nothing visible on one side.
HOSTILE = ["\u202e", "\u202a", "\u2067", "\u200f", "\u061c", "\u200b", "\u2060", "\ufeff", "\u00ad",
           "\u2028", "\u2029", "\U000e0041", "\u3164", "\u180e", " \u200d"]
# Text that needs joiners or tags and must stay accepted: emoji sequences, a Persian word with a
# zero-width non-joiner, a subdivision flag.
KEPT = ["👩\u200d💻 Dev", "👨\u200d👩\u200d👧", "می\u200cخواهم",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scot"]


def _hostile(text: str, ch: str) -> str:
    """``text`` with ``ch`` hidden inside it, where it would disguise the rest."""
    return f"{text[:2]}{ch}{text[2:]}"


def _refused(response: Any, field: str) -> None:
    error = assert_error(response, 400, "invalid")
    assert error["field"] == field, error


@pytest.mark.parametrize("ch", HOSTILE)
def test_names_topics_and_purposes_refuse_hidden_characters(cast: Cast, ch: str) -> None:
    alice, ws = cast.alice, cast.acme
    r = alice.request("POST", "/workspaces", json={"name": _hostile("Initech", ch)})
    _refused(r, "name")
    _refused(alice.request("PATCH", f"/workspaces/{ws.id}", json={"name": _hostile("Acme", ch)}), "name")
    _refused(alice.request("PATCH", "/me", json={"display_name": _hostile("Alice", ch)}), "display_name")
    _refused(alice.request("POST", "/tokens", json={"name": _hostile("laptop", ch)}), "name")
    channels = f"/workspaces/{ws.id}/channels"
    _refused(alice.request("POST", channels, json={"name": _hostile(unique(), ch)}), "name")
    for field in ("topic", "purpose"):
        _refused(alice.request("POST", channels, json={"name": unique(), field: _hostile("Q3 plans", ch)}), field)
        _refused(alice.request("PATCH", f"/channels/{ws.general_id}", json={field: _hostile("Q3 plans", ch)}), field)
    tag = unique("x")[2:]
    r = alice.request("POST", "/auth/signup", headers={"Authorization": ""}, json={
        "email": f"new{tag}@example.test", "password": "correct horse battery",
        "display_name": _hostile("Mallory", ch), "username": f"new{tag}"})
    _refused(r, "display_name")
    r = alice.request("POST", "/auth/signup", headers={"Authorization": ""}, json={
        "email": _hostile(f"new{tag}@example.test", ch), "password": "correct horse battery",
        "display_name": "Mallory"})
    _refused(r, "email")
    # Nothing changed.
    assert alice.get("/me")["display_name"] == "Alice Owner"
    general = alice.get(f"/channels/{ws.general_id}")
    assert general["topic"] == "" and general["purpose"] == "Company-wide announcements and chat"


@pytest.mark.parametrize("ch", ["\u202e", "\u200b", "\u2028", "\U000e0041"])
def test_reactions_refuse_hidden_characters_through_the_api_and_the_socket(cast: Cast, ch: str) -> None:
    message = cast.bob.post(f"/channels/{cast.acme.general_id}/messages", {"body": "react"})
    path = f"/messages/{message['id']}/reactions"
    _refused(cast.bob.request("POST", path, json={"emoji": f"👍{ch}👍"}), "emoji")
    socket = cast.bob.socket()
    try:
        ack = socket.call("reaction.add", {"message_id": message["id"], "emoji": f"🎉{ch}🎉"})
    finally:
        socket.close()
    assert ack["error"]["code"] == "invalid" and ack["error"]["field"] == "emoji", ack
    assert cast.bob.get(f"/messages/{message['id']}")["reactions"] == []


def test_joiners_and_flag_tags_that_real_text_needs_are_kept(cast: Cast) -> None:
    for text in KEPT:
        assert cast.bob.call("PATCH", "/me", {"display_name": text})["display_name"] == text
        channel = cast.bob.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique(), "topic": text})
        assert channel["topic"] == text
    message = cast.bob.post(f"/channels/{cast.acme.general_id}/messages", {"body": "flags"})
    for emoji in ("👩\u200d💻", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"):
        reacted = cast.bob.post(f"/messages/{message['id']}/reactions", {"emoji": emoji})
        assert emoji in [r["emoji"] for r in reacted["reactions"]]


def test_file_names_lose_hidden_characters_instead_of_failing(cast: Cast) -> None:
    r = upload(cast.bob, cast.acme.general_id, ("exe.\u202etxt.exe", b"MZ not really"),
               ("re\u200bport\u2028.pdf", b"plain text"), ("👩\u200d💻.txt", b"dev"))
    assert r.status_code == 201, r.text
    assert [f["name"] for f in r.json()["files"]] == ["exe.txt.exe", "report.pdf", "👩\u200d💻.txt"]


def test_message_bodies_keep_direction_controls_but_their_html_shows_them(server: Server) -> None:
    alice = sign_up(server.url, "Alice")
    ws = alice.post("/workspaces", {"name": "Acme"})
    general = next(c for c in alice.get(f"/workspaces/{ws['id']}/channels")["channels"] if c["is_default"])
    body = "open exe.\u202etxt.exe, run `rm \u2067x\u2069` (\u200fmarks stay\u200f)"
    sent = alice.post(f"/channels/{general['id']}/messages", {"body": body})
    assert sent["body"] == body
    expected = ("<p>open exe.&lt;U+202E&gt;txt.exe, run <code>rm &lt;U+2067&gt;x&lt;U+2069&gt;</code> "
                "(\u200fmarks stay\u200f)</p>")
    assert sent["html"] == expected
    socket = alice.socket()
    try:
        ack = socket.call("message.send", {"channel_id": general["id"], "body": "one\u202eline"})
    finally:
        socket.close()
    data = ack["data"]
    assert data["body"] == "one\u202eline" and data["html"] == "<p>one&lt;U+202E&gt;line</p>", ack
