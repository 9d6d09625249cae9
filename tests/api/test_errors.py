"""One error shape, the right status, nothing stored, and a server that keeps serving."""
from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.api.helpers import API, assert_error, channel_entry, history, send, unique
from tests.support import Cast

MESSAGES = "/channels/{channel}/messages"
HUGE_ID = 2**63 + 5  # beyond any database integer


def _raw(cast: Cast, method: str, path: str, *, data: Any = None, json: Any = None,
         content_type: str | None = "application/json") -> requests.Response:
    headers = {"Authorization": f"Bearer {cast.alice.token}"}
    if content_type:
        headers["Content-Type"] = content_type
    return requests.request(method, cast.server_url + API + path, data=data, json=json, headers=headers, timeout=20)


# (description, method, path template, raw body or None, json body or None, content type, status, code)
BAD_REQUESTS = [
    ("malformed JSON", "POST", MESSAGES, b'{"body": "hi"', None, "application/json", 400, "invalid_json"),
    ("not UTF-8", "POST", MESSAGES, b"\xff\xfe\x00", None, "application/json", 400, "invalid_json"),
    ("a JSON array", "POST", MESSAGES, None, ["hi"], "application/json", 400, "invalid_json"),
    ("a JSON string", "POST", MESSAGES, None, "hi", "application/json", 400, "invalid_json"),
    ("JSON null", "POST", MESSAGES, b"null", None, "application/json", 400, "invalid_json"),
    ("a form post", "POST", MESSAGES, b"body=hi", None, "application/x-www-form-urlencoded", 400, "invalid_json"),
    ("no content type", "POST", MESSAGES, b'{"body": "hi"}', None, None, 400, "invalid_json"),
    ("text/plain", "POST", MESSAGES, b'{"body": "hi"}', None, "text/plain", 400, "invalid_json"),
    ("no body at all", "POST", MESSAGES, None, None, "application/json", 400, "invalid"),
    ("body missing", "POST", MESSAGES, None, {"text": "hi"}, "application/json", 400, "invalid"),
    ("body a number", "POST", MESSAGES, None, {"body": 42}, "application/json", 400, "invalid"),
    ("body a list", "POST", MESSAGES, None, {"body": ["hi"]}, "application/json", 400, "invalid"),
    ("body null", "POST", MESSAGES, None, {"body": None}, "application/json", 400, "invalid"),
    ("empty body", "POST", MESSAGES, None, {"body": ""}, "application/json", 400, "invalid"),
    ("blank body", "POST", MESSAGES, None, {"body": " \n\t "}, "application/json", 400, "invalid"),
    ("8001 characters", "POST", MESSAGES, None, {"body": "x" * 8001}, "application/json", 400, "invalid"),
    ("NUL", "POST", MESSAGES, None, {"body": "a\x00b"}, "application/json", 400, "invalid"),
    ("bell", "POST", MESSAGES, None, {"body": "ding\x07"}, "application/json", 400, "invalid"),
    ("escape", "POST", MESSAGES, None, {"body": "\x1b[31mred"}, "application/json", 400, "invalid"),
    ("C1 control", "POST", MESSAGES, None, {"body": "a\x85b"}, "application/json", 400, "invalid"),
    ("DEL", "POST", MESSAGES, None, {"body": "a\x7fb"}, "application/json", 400, "invalid"),
    ("thread id a string", "POST", MESSAGES, None, {"body": "hi", "thread_root_id": "1"}, "application/json",
     400, "invalid"),
    ("thread id a bool", "POST", MESSAGES, None, {"body": "hi", "thread_root_id": True}, "application/json",
     400, "invalid"),
    ("thread id negative", "POST", MESSAGES, None, {"body": "hi", "thread_root_id": -3}, "application/json",
     400, "invalid"),
    ("thread id huge", "POST", MESSAGES, None, {"body": "hi", "thread_root_id": HUGE_ID}, "application/json",
     400, "invalid"),
    ("client id a number", "POST", MESSAGES, None, {"body": "hi", "client_msg_id": 7}, "application/json",
     400, "invalid"),
    ("client id with spaces", "POST", MESSAGES, None, {"body": "hi", "client_msg_id": "a b"},
     "application/json", 400, "invalid"),
    ("unknown thread", "POST", MESSAGES, None, {"body": "hi", "thread_root_id": 2**40}, "application/json",
     404, "thread_not_found"),
    ("over 2 MiB", "POST", MESSAGES, b'{"body": "' + b"x" * (2 * 1024 * 1024 + 10) + b'"}', None,
     "application/json", 413, "too_large"),
    ("unknown channel", "POST", "/channels/2147483600/messages", None, {"body": "hi"}, "application/json",
     404, "not_found"),
    ("huge channel id", "POST", f"/channels/{HUGE_ID}/messages", None, {"body": "hi"}, "application/json",
     404, "not_found"),
    ("unknown message edit", "PATCH", "/messages/2147483600", None, {"body": "hi"}, "application/json",
     404, "not_found"),
    ("huge message id", "DELETE", f"/messages/{HUGE_ID}", None, None, None, 404, "not_found"),
    ("unknown message reaction", "POST", "/messages/2147483600/reactions", None, {"emoji": "eyes"},
     "application/json", 404, "not_found"),
    ("unknown workspace", "POST", "/workspaces/2147483600/channels", None, {"name": "x"}, "application/json",
     404, "not_found"),
    ("huge workspace", "GET", f"/workspaces/{HUGE_ID}/members", None, None, None, 404, "not_found"),
    ("negative id is no route", "GET", "/channels/-1/messages", None, None, None, 404, "not_found"),
    ("unknown route", "GET", "/no/such/thing", None, None, None, 404, "not_found"),
    ("unknown route, POST", "POST", "/channels/{channel}/nonsense", None, {"body": "hi"}, "application/json",
     404, "not_found"),
    ("wrong method", "PUT", MESSAGES, None, {"body": "hi"}, "application/json", 405, "method_not_allowed"),
    ("wrong method on a collection", "DELETE", "/workspaces", None, None, None, 405, "method_not_allowed"),
    ("wrong method on a message", "POST", "/messages/1", None, {"body": "hi"}, "application/json",
     405, "method_not_allowed"),
    ("bad query parameter", "GET", MESSAGES + "?limit=many", None, None, None, 400, "invalid"),
    ("bad events cursor", "GET", "/events?since=-1", None, None, None, 400, "invalid"),
    ("bad events cursor type", "GET", "/events?since=abc", None, None, None, 400, "invalid"),
]


@pytest.fixture
def channel(cast: Cast) -> int:
    created = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("err")})
    cast.bob.post(f"/channels/{created['id']}/join")
    send(cast.alice, created["id"], "the only message")
    return created["id"]


def test_every_bad_request_gets_the_error_shape_and_stores_nothing(cast: Cast, channel: int) -> None:
    before_history = history(cast.alice, channel)
    before_counts = channel_entry(cast.bob, cast.acme.id, channel)
    before_head = cast.alice.get("/events/head")["cursor"]
    for name, method, path, data, json, content_type, status, code in BAD_REQUESTS:
        response = _raw(cast, method, path.format(channel=channel), data=data, json=json, content_type=content_type)
        try:
            assert_error(response, status, code)
        except AssertionError as err:
            raise AssertionError(f"{name}: {err}") from None
        # Nothing was stored, and the server still answers.
        assert history(cast.alice, channel) == before_history, name
    assert channel_entry(cast.bob, cast.acme.id, channel) == before_counts
    # No event was logged by any of them (other tests may run beside us, so look at acme only).
    events = cast.bob.get(f"/events?since={before_head}")["events"]
    assert [e for e in events if e["channel_id"] == channel] == []


def test_exactly_8000_characters_and_newlines_tabs_are_fine(cast: Cast, channel: int) -> None:
    long = cast.alice.request("POST", f"/channels/{channel}/messages", json={"body": "y" * 8000})
    assert long.status_code == 201 and len(long.json()["body"]) == 8000
    multiline = send(cast.alice, channel, "line one\n\tline two\r\nline three")
    assert multiline["body"] == "line one\n\tline two\r\nline three"
    # Surrounding whitespace does not count towards the limit.
    padded = cast.alice.request("POST", f"/channels/{channel}/messages", json={"body": "  " + "z" * 8000 + "  "})
    assert padded.status_code == 201


def test_bad_json_bodies_on_other_doors(cast: Cast) -> None:
    for method, path in (("POST", "/workspaces"), ("PATCH", "/me"), ("POST", "/tokens"),
                         ("POST", f"/workspaces/{cast.acme.id}/direct"),
                         ("POST", f"/channels/{cast.acme.general_id}/read"),
                         ("PATCH", f"/workspaces/{cast.acme.id}/members/{cast.bob.id}")):
        assert_error(_raw(cast, method, path, data=b"{not json"), 400, "invalid_json")
    names_before = [w["name"] for w in cast.alice.get("/workspaces")["workspaces"]]
    assert_error(_raw(cast, "POST", "/workspaces", json={"name": "x\x00y"}), 400, "invalid")
    assert_error(_raw(cast, "POST", "/workspaces", json={"name": ["Acme"]}), 400, "invalid")
    assert [w["name"] for w in cast.alice.get("/workspaces")["workspaces"]] == names_before
    # The public doors answer in the same shape.
    r = requests.post(cast.server_url + API + "/auth/signup", data=b"[", timeout=20,
                      headers={"Content-Type": "application/json"})
    assert_error(r, 400, "invalid_json")
    r = requests.post(cast.server_url + API + "/auth/token", json=["x"], timeout=20)
    assert_error(r, 400, "invalid_json")


def test_unknown_routes_outside_the_api_keep_html_pages(cast: Cast) -> None:
    r = requests.get(cast.server_url + "/no-such-page", timeout=20)
    assert r.status_code == 404 and "text/html" in r.headers["Content-Type"]
    r = requests.get(cast.server_url + API + "/no-such-page", timeout=20)
    assert_error(r, 404, "not_found")  # even without credentials, inside /api the shape holds


def test_the_server_keeps_serving_after_a_burst_of_bad_requests(cast: Cast, channel: int) -> None:
    for _ in range(3):
        for _, method, path, data, json, content_type, _, _ in BAD_REQUESTS:
            _raw(cast, method, path.format(channel=channel), data=data, json=json, content_type=content_type)
    assert send(cast.bob, channel, "still here")["body"] == "still here"
    assert [m["body"] for m in history(cast.alice, channel)["messages"]] == ["the only message", "still here"]
