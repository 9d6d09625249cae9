"""Cross-site request forgery: a browser's cookie session can only write with the page's CSRF
token; token-authenticated scripts need none; websockets refuse foreign origins."""
from __future__ import annotations

import pytest
import requests

from tests.api.helpers import API, Browser, assert_error, history, send, unique
from tests.support import BAD_ORIGIN, PASSWORD, Cast, Server, SocketClient, create_workspace, sign_up, socket_refusal


@pytest.fixture
def browser(cast: Cast) -> Browser:
    return Browser(cast.server_url, cast.bob.email)


def test_cookie_writes_without_the_token_are_refused_and_store_nothing(cast: Cast, browser: Browser) -> None:
    general = cast.acme.general_id
    message = send(cast.alice, general, "react here")
    before = history(cast.alice, general)
    attempts = [
        ("POST", f"/channels/{general}/messages", {"body": "forged"}),
        ("PATCH", "/me", {"display_name": "Forged"}),
        ("POST", "/tokens", {"name": "forged"}),
        ("POST", f"/workspaces/{cast.acme.id}/channels", {"name": unique("forged")}),
        ("POST", f"/messages/{message['id']}/reactions", {"emoji": "eyes"}),
        ("PUT", f"/messages/{message['id']}/pin", None),
        ("DELETE", f"/messages/{message['id']}", None),
        ("POST", "/me/password", {"current_password": "x", "new_password": "yyyyyyyyyy"}),
    ]
    for method, path, body in attempts:
        for headers in ({}, {"X-CSRFToken": "not-the-token"}, {"X-CSRFToken": ""}):
            response = browser.request(method, path, json=body, csrf=False, headers=dict(headers))
            assert_error(response, 400, "csrf_failed")
    assert history(cast.alice, general) == before
    assert cast.bob.get("/me")["display_name"] == "Bob Member"
    assert [t["name"] for t in cast.bob.get("/tokens")["tokens"]].count("forged") == 0
    # Reads need no token.
    assert browser.request("GET", f"/channels/{general}/messages", csrf=False).json() == before


def test_cookie_writes_with_the_token_are_accepted(cast: Cast, browser: Browser) -> None:
    sent = browser.request("POST", f"/channels/{cast.acme.general_id}/messages", json={"body": "from the browser"})
    assert sent.status_code == 201 and sent.json()["author"]["id"] == cast.bob.id
    # Flask-WTF also reads X-CSRF-Token.
    alt = browser.request("PATCH", "/me", json={"display_name": "Bob B."}, csrf=False,
                          headers={"X-CSRF-Token": browser.csrf})
    assert alt.status_code == 200 and alt.json()["display_name"] == "Bob B."
    assert browser.request("DELETE", f"/messages/{sent.json()['id']}").status_code == 200


def test_a_csrf_token_from_another_session_is_refused(cast: Cast, browser: Browser) -> None:
    other = Browser(cast.server_url, cast.alice.email)
    response = browser.request("PATCH", "/me", json={"display_name": "Hijacked"}, csrf=False,
                               headers={"X-CSRFToken": other.csrf})
    assert_error(response, 400, "csrf_failed")
    assert cast.bob.get("/me")["display_name"] == "Bob Member"


def test_bearer_writes_need_no_csrf_token(cast: Cast) -> None:
    r = cast.bob.request("POST", f"/channels/{cast.acme.general_id}/messages", json={"body": "by token"})
    assert r.status_code == 201
    # Even with a session cookie present, a request with a token is judged by the token alone.
    browser = Browser(cast.server_url, cast.bob.email)
    r = browser.session.post(cast.server_url + API + f"/channels/{cast.acme.general_id}/messages",
                             json={"body": "token and cookie"}, timeout=20,
                             headers={"Authorization": f"Bearer {cast.bob.token}"})
    assert r.status_code == 201 and r.json()["body"] == "token and cookie"


def test_signing_up_and_getting_a_token_need_no_session(server: Server) -> None:
    # The public doors are CSRF-exempt: they take credentials in the body and set no cookie.
    r = requests.post(server.url + API + "/auth/signup", timeout=20,
                      json={"email": f"{unique('csrf')}@example.test", "password": "long enough pw",
                            "display_name": "Csrf Person"})
    assert r.status_code == 201
    assert "session" not in r.cookies


def test_websocket_from_a_foreign_origin_is_refused(cast: Cast, browser: Browser) -> None:
    cookie = browser.cookie_header()
    for transport in ("polling", "websocket"):
        assert socket_refusal(cast.server_url, None, headers={"Cookie": cookie, "Origin": "https://evil.example"},
                              transports=[transport]) == BAD_ORIGIN
        assert socket_refusal(cast.server_url, cast.bob.token, headers={"Origin": "https://evil.example"},
                              transports=[transport]) == BAD_ORIGIN
    # A look-alike of the server's own origin is foreign too.
    assert socket_refusal(cast.server_url, None, transports=["polling"],
                          headers={"Cookie": cookie, "Origin": cast.server_url + ".evil.example"}) == BAD_ORIGIN
    # The same origin with the session cookie is fine and is Bob.
    ok = SocketClient.connect(cast.server_url, None, headers={"Cookie": cookie, "Origin": cast.server_url},
                              transports=["polling"])
    try:
        sent = ok.call("message.send", {"channel_id": cast.acme.general_id, "body": "from my tab"})
        assert sent["data"]["author"]["id"] == cast.bob.id
    finally:
        ok.close()


def test_html_forms_need_their_csrf_token(server: Server) -> None:
    """Signing in, signing up and accepting an invite from another site's form is refused."""
    person = sign_up(server.url)
    outsider = requests.Session()
    forged = outsider.post(server.url + "/login", data={"email": person.email, "password": PASSWORD},
                           allow_redirects=False, timeout=20)
    assert forged.status_code == 303
    assert outsider.get(server.url + API + "/me", timeout=20).status_code == 401
    browser = Browser(server.url, person.email)  # the real form, with its token, works
    assert browser.request("GET", "/me").json()["id"] == person.id
    owner = sign_up(server.url)
    code = owner.post(f"/workspaces/{create_workspace(owner).id}/invites")["code"]
    r = browser.session.post(server.url + f"/invite/{code}", allow_redirects=False, timeout=20)
    assert r.status_code == 303
    assert person.get("/workspaces")["workspaces"] == []
