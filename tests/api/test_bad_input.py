"""Hostile or odd input at the HTTP door: every case answers the one error shape (or, for Range,
the standard behaviour), never a 500, and the server keeps serving. Cases the async modes'
servers handle differently (request heads, chunked bodies) run under all three."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest
import requests

from tests.api.helpers import API, assert_error, history, unique
from tests.support import PASSWORD, Cast, Server, make_cast, sign_up

LONE_SURROGATE = '"a\\ud800b"'  # JSON text: a \ud800 escape with no low half after it
DEEP = "[" * 1000 + "]" * 1000


def post_raw(url: str, text: str, token: str | None = None, method: str = "POST") -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, url, data=text.encode(), headers=headers, timeout=20)


def raw_http(server_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client library in the way) and read the whole answer."""
    parts = urlsplit(server_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def assert_raw_error(answer: tuple[int, dict[str, str], bytes], status: int, code: str) -> None:
    import json

    got_status, headers, body = answer
    assert got_status == status, answer
    assert headers["content-type"].startswith("application/json"), headers
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"], error


@pytest.fixture
def channel(cast: Cast) -> int:
    created = cast.alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("bad")})
    return created["id"]


# --- query parameters ---------------------------------------------------------------------------

def test_an_events_cursor_beyond_any_database_integer_is_invalid_since(cast: Cast) -> None:
    for since in (2**63, 2**63 + 12345, 10**30, "9" * 5000):
        error = assert_error(cast.alice.request("GET", f"/events?since={since}"), 400, "invalid")
        assert error["field"] == "since"
    assert cast.alice.get(f"/events?since={2**63 - 1}")["events"] == []


@pytest.mark.parametrize("value", ["𝟚", "1_000", " 5", "5 ", "+5", "٣", "1.0", "0x10", ""])
def test_query_integers_are_ascii_digits_only(cast: Cast, channel: int, value: str) -> None:
    # Python's int() takes most of these; the document says integer, so the server refuses them.
    for path, field in ((f"/events?since={value}", "since"),
                        (f"/channels/{channel}/messages?after={value}", "after"),
                        (f"/channels/{channel}/messages?before={value}", "before"),
                        (f"/channels/{channel}/messages?limit={value}", "limit"),
                        (f"/workspaces/{cast.acme.id}/files?user_id={value}", "user_id")):
        error = assert_error(cast.alice.request("GET", path, params=None), 400, "invalid")
        assert error["field"] == field, path


def test_ids_in_queries_are_positive_and_cursors_non_negative(cast: Cast, channel: int) -> None:
    for path, field in ((f"/channels/{channel}/messages?after=0", "after"),
                        (f"/channels/{channel}/messages?before=-1", "before"),
                        (f"/channels/{channel}/messages?before={2**63}", "before"),
                        ("/events?since=-1", "since")):
        assert assert_error(cast.alice.request("GET", path), 400, "invalid")["field"] == field
    assert cast.alice.get("/events?since=0")["has_more"] in (True, False)


def test_history_with_before_and_after_is_the_page_between(cast: Cast, channel: int) -> None:
    """The document cannot say "not both", so both are allowed: the page just newer than after,
    among the messages older than before."""
    ids = [cast.alice.post(f"/channels/{channel}/messages", {"body": f"m{i}"})["id"] for i in range(6)]
    page = history(cast.alice, channel, after=ids[0], before=ids[5], limit=3)
    assert [m["id"] for m in page["messages"]] == ids[1:4] and page["has_more"] is True
    page = history(cast.alice, channel, after=ids[3], before=ids[5])
    assert [m["id"] for m in page["messages"]] == [ids[4]] and page["has_more"] is False


def test_query_values_outside_the_documented_enums_are_refused(cast: Cast) -> None:
    for path, field in ((f"/workspaces/{cast.acme.id}/files?kind=video", "kind"),
                        (f"/workspaces/{cast.acme.id}/files?kind=", "kind"),
                        (f"/workspaces/{cast.acme.id}/members?include_inactive=yes", "include_inactive"),
                        (f"/workspaces/{cast.acme.id}/members?include_inactive=", "include_inactive")):
        assert assert_error(cast.alice.request("GET", path), 400, "invalid")["field"] == field, path
    for value in ("0", "1", "true", "false"):
        cast.alice.get(f"/workspaces/{cast.acme.id}/members?include_inactive={value}")


# --- JSON bodies --------------------------------------------------------------------------------

def test_a_lone_surrogate_anywhere_is_invalid_json_on_every_door(cast: Cast, channel: int) -> None:
    url = cast.server_url + API
    message = cast.alice.post(f"/channels/{channel}/messages", {"body": "react here"})
    token = cast.alice.token
    cases = [
        ("POST", f"/channels/{channel}/messages", f'{{"body": {LONE_SURROGATE}}}', token),
        ("PATCH", f"/messages/{message['id']}", f'{{"body": {LONE_SURROGATE}}}', token),
        ("PATCH", "/me", f'{{"display_name": {LONE_SURROGATE}}}', token),
        ("PATCH", f"/channels/{channel}", f'{{"topic": {LONE_SURROGATE}}}', token),
        ("POST", f"/messages/{message['id']}/reactions", f'{{"emoji": {LONE_SURROGATE}}}', token),
        ("POST", "/workspaces", f'{{"name": {LONE_SURROGATE}}}', token),
        # A surrogate in a key is no better than one in a value.
        ("POST", f"/channels/{channel}/messages", '{"body": "hi", "\\udc00": 1}', token),
        # The unauthenticated doors.
        ("POST", "/auth/signup", (f'{{"email": "s@example.test", "password": {LONE_SURROGATE}, '
                                  f'"display_name": {LONE_SURROGATE}}}'), None),
        ("POST", "/auth/token", f'{{"email": {LONE_SURROGATE}, "password": {LONE_SURROGATE}}}', None),
    ]
    for method, path, text, auth in cases:
        assert_error(post_raw(url + path, text, auth, method), 400, "invalid_json")
    # A proper pair (an emoji beyond the BMP, escaped) is text, and is kept.
    sent = post_raw(url + f"/channels/{channel}/messages", '{"body": "ok \\ud83d\\ude00"}', token)
    assert sent.status_code == 201 and sent.json()["body"] == "ok \U0001F600"
    assert [m["body"] for m in history(cast.alice, channel)["messages"]] == ["react here", "ok \U0001F600"]


def test_deeply_nested_json_is_invalid_json_signed_in_or_not(cast: Cast, channel: int) -> None:
    url = cast.server_url + API
    for text in (DEEP, f'{{"body": {DEEP}}}', '{"body": "x", "extra": ' + "[" * 33 + "]" * 33 + "}"):
        assert_error(post_raw(url + f"/channels/{channel}/messages", text, cast.alice.token), 400, "invalid_json")
    for path in ("/auth/token", "/auth/signup"):
        assert_error(post_raw(url + path, f'{{"email": {DEEP}}}'), 400, "invalid_json")
    # 32 levels are fine (and here simply not a string).
    error = assert_error(post_raw(url + f"/channels/{channel}/messages",
                                  '{"body": ' + "[" * 31 + "]" * 31 + "}", cast.alice.token), 400, "invalid")
    assert error["field"] == "body"


def test_nan_and_infinity_are_not_json(cast: Cast, channel: int) -> None:
    for literal in ("NaN", "Infinity", "-Infinity"):
        assert_error(post_raw(cast.server_url + API + f"/channels/{channel}/read",
                              f'{{"message_id": {literal}}}', cast.alice.token), 400, "invalid_json")


def test_a_whole_number_written_with_a_fraction_is_an_integer(cast: Cast, channel: int) -> None:
    """JSON Schema (and so the OpenAPI document) counts 447.0 as an integer: so does the server."""
    sent = cast.alice.post(f"/channels/{channel}/messages", {"body": "first"})
    url = cast.server_url + API + f"/channels/{channel}/read"
    for text in (f'{{"message_id": {sent["id"]}.0}}', f'{{"message_id": {sent["id"]}e0}}'):
        r = post_raw(url, text, cast.alice.token)
        assert r.status_code == 200 and r.json()["last_read_id"] == sent["id"], r.text
    for text in (f'{{"message_id": {sent["id"]}.5}}', '{"message_id": 1e400}'):
        assert assert_error(post_raw(url, text, cast.alice.token), 400, "invalid")["field"] == "message_id"


# --- the request head and body framing, under every async mode's server --------------------------

def check_oversized_headers(server: Server) -> None:
    person = sign_up(server.url, "Head Tester")
    auth = f"Authorization: Bearer {person.token}\r\n".encode()
    big = (b"GET /api/v1/me HTTP/1.1\r\nHost: t\r\n" + auth + b"X-Big: " + b"a" * 60_000
           + b"\r\nConnection: close\r\n\r\n")
    assert_raw_error(raw_http(server.url, big), 431, "headers_too_large")
    ranges = "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(1000))
    assert_error(person.request("GET", "/me", headers={"Range": ranges}), 431, "headers_too_large")
    # Outside /api the answer is a plain 431; and the server keeps serving.
    status, headers, _ = raw_http(server.url, big.replace(b"/api/v1/me", b"/login"))
    assert status == 431 and headers["content-type"].startswith("text/plain")
    assert person.get("/me")["id"] == person.id


def test_an_oversized_header_answers_431_in_the_error_shape(server: Server) -> None:
    check_oversized_headers(server)


def test_an_oversized_header_answers_431_under_other_async_modes(other_mode_server: Server) -> None:
    check_oversized_headers(other_mode_server)


def check_chunked_bodies(server: Server) -> None:
    person = sign_up(server.url, "Chunk Tester")
    headers = {"Authorization": f"Bearer {person.token}", "Content-Type": "application/json"}
    name = unique("chunky")
    r = requests.post(server.url + API + "/workspaces", data=iter([b'{"name": ', f'"{name}"}}'.encode()]),
                      headers=headers, timeout=20)
    assert r.request.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in r.request.headers
    assert r.status_code == 201 and r.json()["name"] == name, r.text
    # The 2 MiB body limit holds for chunked bodies too.
    huge = iter([b'{"name": "', b"x" * (2 * 1024 * 1024), b'"}'])
    assert_error(requests.post(server.url + API + "/workspaces", data=huge, headers=headers, timeout=20),
                 413, "too_large")


def test_a_chunked_json_body_is_read(server: Server) -> None:
    check_chunked_bodies(server)


def test_a_chunked_json_body_is_read_under_other_async_modes(other_mode_server: Server) -> None:
    check_chunked_bodies(other_mode_server)


# --- Range --------------------------------------------------------------------------------------

def test_unusable_range_headers_are_ignored_and_the_whole_file_served(cast: Cast) -> None:
    data = bytes(range(256)) * 40
    upload = cast.alice.request("POST", f"/channels/{cast.acme.general_id}/files",
                                files=[("file", ("data.bin", data))])
    file_id = upload.json()["files"][0]["id"]
    cast.alice.post(f"/channels/{cast.acme.general_id}/messages", {"body": "", "file_ids": [file_id]})
    for header in ("bytes=oops", "pages=1-2", "bytes=5-2", "bytes=0-1,5-9",
                   "bytes=" + ",".join(f"{i * 10}-{i * 10 + 1}" for i in range(500))):
        r = cast.bob.request("GET", f"/files/{file_id}/content", headers={"Range": header})
        assert r.status_code == 200 and r.content == data, (header, r.status_code)
    one = cast.bob.request("GET", f"/files/{file_id}/content", headers={"Range": "bytes=100-199"})
    assert one.status_code == 206 and one.content == data[100:200]
    beyond = cast.bob.request("GET", f"/files/{file_id}/content", headers={"Range": f"bytes={len(data) + 10}-"})
    assert_error(beyond, 416, "http_error")


def test_signing_up_and_in_still_work(server: Server) -> None:
    """The stricter parser refuses nothing a real client sends."""
    email = f"{unique('ok')}@example.test"
    r = requests.post(server.url + API + "/auth/signup", timeout=20,
                      json={"email": email, "password": PASSWORD, "display_name": "Zoë \U0001F600"})
    assert r.status_code == 201, r.text
    r = requests.post(server.url + API + "/auth/token", json={"email": email, "password": PASSWORD}, timeout=20)
    assert r.status_code == 201 and r.json()["user"]["display_name"] == "Zoë \U0001F600"


def test_other_modes_refuse_bad_json_the_same_way(other_mode_server: Server) -> None:
    cast = make_cast(other_mode_server.url)
    url = cast.server_url + API + f"/channels/{cast.acme.general_id}/messages"
    assert_error(post_raw(url, f'{{"body": {LONE_SURROGATE}}}', cast.alice.token), 400, "invalid_json")
    assert_error(post_raw(url, DEEP, cast.alice.token), 400, "invalid_json")
