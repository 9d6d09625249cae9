"""Small helpers shared by the REST API tests. Everything goes through the public doors."""
from __future__ import annotations

import re
import uuid
from typing import Any

import requests
import sqlalchemy

from tests.support import PASSWORD, Person, Server, Workspace, create_workspace, invite, sign_up

API = "/api/v1"


def unique(prefix: str = "c") -> str:
    """A channel-name-safe unique name."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def assert_error(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """The one error shape, with this status and code. Returns the inner error object."""
    assert response.status_code == status, f"{response.status_code} != {status}: {response.text}"
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    data = response.json()
    assert set(data) == {"error"}, data
    error = data["error"]
    assert error["code"] == code, data
    assert isinstance(error["message"], str) and error["message"], data
    assert set(error) <= {"code", "message", "field"}, data
    return error


class Browser:
    """A person signed in through the /login page: a cookie session plus the page's CSRF token."""

    def __init__(self, server_url: str, email: str, password: str = PASSWORD) -> None:
        self.server_url = server_url
        self.session = requests.Session()
        form = self.session.get(server_url + "/login", timeout=20).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "no csrf_token in the login form"
        r = self.session.post(server_url + "/login", data={"email": email, "password": password,
                                                           "csrf_token": token.group(1)},
                              allow_redirects=False, timeout=20)
        assert r.status_code == 302, r.text
        page = self.session.get(server_url + "/", timeout=20)
        assert page.status_code == 200, page.status_code
        match = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert match, "no csrf meta tag on the app page"
        self.csrf = match.group(1)

    def request(self, method: str, path: str, *, csrf: bool = True, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if csrf:
            headers.setdefault("X-CSRFToken", self.csrf)
        return self.session.request(method, self.server_url + API + path, headers=headers, timeout=20, **kwargs)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)


def team(server_url: str, *, members: int = 1, guests: int = 0,
         name: str = "Team") -> tuple[Person, Workspace, list[Person], list[Person]]:
    """A fresh workspace for tests that change roles, membership or settings: (owner, ws, members, guests)."""
    owner = sign_up(server_url, f"Owner {name}")
    ws = create_workspace(owner, name)
    people = [sign_up(server_url, f"Member {name}") for _ in range(members)]
    visitors = [sign_up(server_url, f"Guest {name}") for _ in range(guests)]
    for p in people:
        invite(owner, ws, p)
    for g in visitors:
        invite(owner, ws, g, "guest")
    return owner, ws, people, visitors


def history(person: Person, channel_id: int, **params: Any) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return person.get(f"/channels/{channel_id}/messages" + (f"?{query}" if query else ""))


def channel_entry(person: Person, workspace_id: int, channel_id: int) -> dict[str, Any] | None:
    channels = person.get(f"/workspaces/{workspace_id}/channels")["channels"]
    return next((c for c in channels if c["id"] == channel_id), None)


def send(person: Person, channel_id: int, body: str, **extra: Any) -> dict[str, Any]:
    return person.post(f"/channels/{channel_id}/messages", {"body": body, **extra})


def expire_invite(server: Server, code: str) -> None:
    """Move an invite's expiry into the past, the way time would: the test's only direct write."""
    url = server.env.get("DATABASE_URL") or f"sqlite:///{server.env['CHAT_INSTANCE_DIR']}/chat.db"
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text("UPDATE invites SET expires_at = :past WHERE code = :code"),
                         {"past": "2000-01-01 00:00:00", "code": code})
    finally:
        engine.dispose()


def record_delivery(server: Server, workspace_id: int, *, kind: str = "events_api", integration_id: int = 1,
                    url: str = "https://integration.example.test/events") -> int:
    """A finished delivery to an integration, as its log keeps it (one failed attempt, given up),
    written straight into the database: no kind of the plain server sends deliveries yet."""
    url_db = server.env.get("DATABASE_URL") or f"sqlite:///{server.env['CHAT_INSTANCE_DIR']}/chat.db"
    engine = sqlalchemy.create_engine(url_db)
    now = "2025-01-01 00:00:00"
    try:
        with engine.begin() as conn:
            delivery_id = conn.execute(sqlalchemy.text(
                "INSERT INTO integration_deliveries (workspace_id, kind, integration_id, event, url, body, headers, "
                "status, attempts, created_at, finished_at) VALUES (:workspace_id, :kind, :integration_id, 'message', "
                ":url, '{}', '{}', 'given_up', 1, :now, :now) RETURNING id"),
                {"workspace_id": workspace_id, "kind": kind, "integration_id": integration_id, "url": url,
                 "now": now}).scalar_one()
            conn.execute(sqlalchemy.text(
                "INSERT INTO integration_delivery_attempts (delivery_id, number, started_at, finished_at, "
                "duration_ms, status_code, error, reason, response_excerpt) VALUES (:id, 1, :now, :now, 12, 500, "
                "'HTTP 500', 'http_error', 'integration says no')"), {"id": delivery_id, "now": now})
    finally:
        engine.dispose()
    return delivery_id
