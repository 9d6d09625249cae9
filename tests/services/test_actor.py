"""The actor: every door builds one, with how the person came and from where, and no service
can change the acting person through it."""
from __future__ import annotations

import dataclasses

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import select

from chat import realtime
from chat.core.actor import MAX_USER_AGENT, Actor, Via
from chat.extensions import db, socketio
from chat.models import User
from chat.services import accounts


@pytest.fixture(scope="module")
def person(app) -> User:
    return accounts.sign_up("actor@example.test", "password123", "Ada Actor", "ada")


def _row(user_id: int) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.id == user_id))


def _signed_in_client(app, user: User, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT="Browser/1.0")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()  # what Flask-Login keeps after signing in
    return client


def test_an_actor_cannot_be_changed(person: User) -> None:
    actor = Actor.cli(person)
    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.display_name = "Someone Else"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.id = person.id + 1  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        actor.is_admin = True  # type: ignore[attr-defined]  # no room for new attributes either
    assert (actor.id, actor.display_name, actor.username) == (person.id, "Ada Actor", "ada")


def test_the_command_line_and_jobs_act_without_an_address(person: User) -> None:
    assert (Actor.cli(person).via, Actor.cli(person).address) == (Via.cli, None)
    assert (Actor.job(person).via, Actor.job(person).address, Actor.job(person).token_id) == (Via.job, None, None)


def test_changing_your_profile_writes_your_row_and_leaves_the_actor_as_it_was(person: User) -> None:
    actor = Actor.cli(person)
    row = accounts.update_profile(actor, display_name="Ada Renamed")
    assert actor.display_name == "Ada Actor"
    assert row.display_name == "Ada Renamed" and _row(person.id).display_name == "Ada Renamed"
    assert actor.refreshed(_row(person.id)).display_name == "Ada Renamed"
    accounts.update_profile(actor, display_name="Ada Actor")


def test_a_rest_request_with_a_token_acts_through_that_token(app, person: User) -> None:
    token, secret = accounts.create_token(Actor.cli(person), "script")
    client = app.test_client()
    with client:  # keeps the request's context (and its g) open after the response
        r = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}",
                                                  "User-Agent": "script/2 " + "x" * 1000},
                       environ_base={"REMOTE_ADDR": "203.0.113.7"})
        assert r.status_code == 200
        actor = g.actor
    assert isinstance(actor, Actor)
    assert (actor.id, actor.via, actor.token_id, actor.address) == (person.id, Via.token, token.id, "203.0.113.7")
    assert actor.user_agent.startswith("script/2 ") and len(actor.user_agent) == MAX_USER_AGENT


def test_a_rest_request_with_a_session_cookie_acts_through_the_session(app, person: User) -> None:
    client = _signed_in_client(app, person, "198.51.100.4")
    with client:
        assert client.get("/api/v1/me").get_json()["id"] == person.id
        actor = g.actor
    assert (actor.id, actor.via, actor.token_id, actor.address, actor.user_agent) == (
        person.id, Via.session, None, "198.51.100.4", "Browser/1.0")


def _socket_actor(sid_owner: int) -> Actor:
    (actor,) = [a for a, _ in realtime._socket_users.values() if a.id == sid_owner]
    return actor


def test_a_socket_keeps_the_actor_it_connected_as(app, person: User, monkeypatch: pytest.MonkeyPatch) -> None:
    _, secret = accounts.create_token(Actor.cli(person), "socket")
    tokens = {t.id for t in accounts.list_tokens(Actor.cli(person)) if t.name == "socket"}
    flask_client = app.test_client()
    flask_client.environ_base.update(REMOTE_ADDR="192.0.2.10")
    socket = socketio.test_client(app, auth={"token": secret}, flask_test_client=flask_client,
                                  headers={"User-Agent": "Bot/3"})
    try:
        assert socket.is_connected()
        actor = _socket_actor(person.id)
        assert (actor.via, actor.token_id, actor.address, actor.user_agent) == (
            Via.token, tokens.pop(), "192.0.2.10", "Bot/3")
        # Once the actor is older than IDENTITY_TTL, its person is read again; the door stays.
        accounts.update_profile(actor, display_name="Ada Later")
        monkeypatch.setattr(realtime, "IDENTITY_TTL", 0.0)
        assert "data" in socket.emit("presence.set", {"away": False}, callback=True)
        later = _socket_actor(person.id)
        assert later.display_name == "Ada Later"
        assert dataclasses.replace(later, display_name=actor.display_name) == actor
    finally:
        socket.disconnect()
        accounts.update_profile(Actor.cli(person), display_name="Ada Actor")


def test_a_socket_opened_by_a_signed_in_browser_acts_through_the_session(app, person: User) -> None:
    socket = socketio.test_client(app, flask_test_client=_signed_in_client(app, person, "198.51.100.5"))
    try:
        assert socket.is_connected()
        actor = _socket_actor(person.id)
        assert (actor.via, actor.token_id, actor.address, actor.user_agent) == (
            Via.session, None, "198.51.100.5", "Browser/1.0")
    finally:
        socket.disconnect()
