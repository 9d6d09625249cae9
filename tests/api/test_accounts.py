"""Accounts through the REST API: sign up, tokens, Bearer authentication, password and profile."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.api.helpers import API, Browser, assert_error
from tests.support import PASSWORD, REJECTED, Server, SocketClient, sign_up, socket_refusal


def _post(server: Server, path: str, json: dict) -> requests.Response:
    return requests.post(server.url + API + path, json=json, timeout=20)


def _signup_body(**overrides: object) -> dict:
    tag = uuid.uuid4().hex[:8]
    return {"email": f"new{tag}@example.test", "password": PASSWORD, "display_name": "New Person",
            "username": f"new{tag}", **overrides}


def test_sign_up_then_exchange_password_for_a_token(server: Server) -> None:
    data = _signup_body(email=f"  MiXed{uuid.uuid4().hex[:6]}@Example.TEST  ")
    created = _post(server, "/auth/signup", data)
    assert created.status_code == 201, created.text
    user = created.json()["user"]
    assert user["email"] == data["email"].strip().lower()
    assert user["username"] == data["username"] and user["display_name"] == "New Person"
    assert "password" not in str(created.json()) and "password_hash" not in created.json()["user"]

    token = _post(server, "/auth/token", {"email": data["email"].strip().upper(), "password": PASSWORD,
                                          "name": "laptop"})
    assert token.status_code == 201, token.text
    body = token.json()
    assert body["token"].startswith("chat_") and body["prefix"] == body["token"][:12]
    assert body["name"] == "laptop" and body["revoked"] is False and body["user"]["id"] == user["id"]
    me = requests.get(server.url + API + "/me", headers={"Authorization": f"Bearer {body['token']}"}, timeout=20)
    assert me.status_code == 200 and me.json()["id"] == user["id"]


def test_sign_up_refuses_duplicates_and_bad_input(server: Server) -> None:
    data = _signup_body()
    assert _post(server, "/auth/signup", data).status_code == 201
    assert_error(_post(server, "/auth/signup", {**data, "username": None}), 409, "email_taken")
    other = _signup_body(username=data["username"])
    assert assert_error(_post(server, "/auth/signup", other), 409, "username_taken")["field"] == "username"
    for field, value in [("email", "not-an-email"), ("password", "short"), ("display_name", ""),
                         ("username", "Has Space"), ("email", 42)]:
        error = assert_error(_post(server, "/auth/signup", _signup_body(**{field: value})), 400, "invalid")
        assert error["field"] == field
    # Without a username one is derived from the email.
    derived = _post(server, "/auth/signup", {k: v for k, v in _signup_body().items() if k != "username"})
    assert derived.status_code == 201 and derived.json()["user"]["username"].startswith("new")


def test_wrong_password_and_unknown_email_get_the_same_answer(server: Server) -> None:
    person = sign_up(server.url)
    wrong = _post(server, "/auth/token", {"email": person.email, "password": "not the password"})
    unknown = _post(server, "/auth/token", {"email": f"nobody{uuid.uuid4().hex}@example.test",
                                            "password": "not the password"})
    assert assert_error(wrong, 401, "bad_credentials") == assert_error(unknown, 401, "bad_credentials")
    assert_error(_post(server, "/auth/token", {"email": person.email}), 400, "invalid")


def test_tokens_are_listed_without_secrets_and_revocation_takes_effect_at_once(server: Server) -> None:
    person = sign_up(server.url)
    created = person.post("/tokens", {"name": "ci script"})
    assert created["name"] == "ci script" and created["token"].startswith("chat_")
    listed = person.get("/tokens")["tokens"]
    assert listed[0]["id"] == created["id"]  # newest first
    assert all("token" not in t for t in listed)
    assert {t["name"] for t in listed} >= {"ci script"}
    bearer = {"Authorization": f"Bearer {created['token']}"}
    assert person.request("GET", "/me", headers=bearer).status_code == 200
    script_socket = SocketClient.connect(server.url, created["token"])

    revoked = person.call("DELETE", f"/tokens/{created['id']}")
    # A socket the token opened is closed too, not left listening.
    script_socket.wait_for("disconnect")
    assert revoked["revoked"] is True and revoked["id"] == created["id"]
    assert_error(person.request("GET", "/me", headers=bearer), 401, "unauthorized")
    assert_error(person.request("POST", "/workspaces", headers=bearer, json={"name": "X"}), 401, "unauthorized")
    assert socket_refusal(server.url, created["token"]) == REJECTED
    # Revoking again is harmless; the list still shows it, revoked; the person's other token works.
    assert person.call("DELETE", f"/tokens/{created['id']}")["revoked"] is True
    assert next(t for t in person.get("/tokens")["tokens"] if t["id"] == created["id"])["revoked"] is True
    assert person.get("/me")["id"] == person.id


def test_someone_elses_token_cannot_be_revoked(server: Server) -> None:
    owner, other = sign_up(server.url), sign_up(server.url)
    created = owner.post("/tokens", {"name": "mine"})
    assert_error(other.request("DELETE", f"/tokens/{created['id']}"), 404, "not_found")
    assert owner.request("GET", "/me", headers={"Authorization": f"Bearer {created['token']}"}).status_code == 200
    assert_error(owner.request("POST", "/tokens", json={"name": ""}), 400, "invalid")


@pytest.mark.parametrize("header", ["Bearer chat_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz",
                                    "chat_missing-scheme", "Bearer " + "chat_" + "x" * 300])
def test_bad_authorization_headers_are_refused(server: Server, header: str) -> None:
    r = requests.get(server.url + API + "/me", headers={"Authorization": header}, timeout=20)
    assert_error(r, 401, "unauthorized")


def test_a_request_with_a_bad_token_is_not_rescued_by_a_valid_session(server: Server) -> None:
    person = sign_up(server.url)
    browser = Browser(server.url, person.email)
    assert browser.request("GET", "/me").json()["id"] == person.id
    r = browser.request("GET", "/me", headers={"Authorization": "Bearer chat_wrong"})
    assert_error(r, 401, "unauthorized")


def test_no_credentials_means_401_everywhere_but_the_public_doors(server: Server) -> None:
    assert_error(requests.get(server.url + API + "/workspaces", timeout=20), 401, "unauthorized")
    assert_error(requests.post(server.url + API + "/workspaces", json={"name": "x"}, timeout=20),
                 401, "unauthorized")
    assert requests.get(server.url + API + "/openapi.json", timeout=20).status_code == 200


def test_profile_update(server: Server) -> None:
    person = sign_up(server.url)
    updated = person.call("PATCH", "/me", {"display_name": "  Renamed Person  "})
    assert updated["display_name"] == "Renamed Person"
    assert person.get("/me")["display_name"] == "Renamed Person"
    # Omitting the name changes nothing; an empty or non-string one is refused.
    assert person.call("PATCH", "/me", {})["display_name"] == "Renamed Person"
    assert_error(person.request("PATCH", "/me", json={"display_name": ""}), 400, "invalid")
    assert_error(person.request("PATCH", "/me", json={"display_name": ["x"]}), 400, "invalid")
    assert_error(person.request("PATCH", "/me", json={"display_name": "x" * 81}), 400, "invalid")
    assert person.get("/me")["display_name"] == "Renamed Person"


def test_password_change_ends_every_other_session_but_keeps_this_one(server: Server) -> None:
    person = sign_up(server.url)
    here, elsewhere = Browser(server.url, person.email), Browser(server.url, person.email)
    elsewhere_socket = SocketClient.connect(server.url, None,
                                            headers={"Cookie": elsewhere.cookie_header(), "Origin": server.url},
                                            transports=["polling"])
    try:
        assert_error(here.request("POST", "/me/password", json={"current_password": "wrong one!",
                                                                "new_password": "another good one"}),
                     403, "wrong_password")
        assert_error(here.request("POST", "/me/password", json={"current_password": PASSWORD,
                                                                "new_password": "short"}), 400, "invalid")
        # Nothing changed yet: the other browser is still signed in.
        assert elsewhere.request("GET", "/me").status_code == 200

        changed = here.request("POST", "/me/password", json={"current_password": PASSWORD,
                                                              "new_password": "a brand new password"})
        assert changed.status_code == 200 and changed.json()["id"] == person.id
        assert here.request("GET", "/me").json()["id"] == person.id
        assert_error(elsewhere.request("GET", "/me"), 401, "unauthorized")
        elsewhere_socket.wait_for("disconnect")
        assert socket_refusal(server.url, None, headers={"Cookie": elsewhere.cookie_header(), "Origin": server.url},
                              transports=["polling"]) == REJECTED
        # The new password signs in; the old one no longer does. API tokens stay valid.
        assert_error(_post(server, "/auth/token", {"email": person.email, "password": PASSWORD}),
                     401, "bad_credentials")
        assert _post(server, "/auth/token", {"email": person.email,
                                             "password": "a brand new password"}).status_code == 201
        assert person.get("/me")["id"] == person.id
    finally:
        elsewhere_socket.close()
