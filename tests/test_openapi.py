"""The OpenAPI document at /api/v1/openapi.json: a valid OpenAPI 3.1 document, the same routes
as the app's url_map, and schemas that the live server's real responses satisfy."""
from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.support import Cast, Person, Server

PREFIX = "/api/v1"
DOC_URI = "urn:chat:openapi"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


# --- helpers --------------------------------------------------------------------------------------

@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHAT_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("CHAT_ASYNC_MODE", "threading")
    for name in ("DATABASE_URL", "MESSAGE_QUEUE_URL"):
        monkeypatch.delenv(name, raising=False)
    from chat import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})


@pytest.fixture
def document(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = app.test_client().get(PREFIX + "/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def openapi_path(rule: str) -> str:
    """/api/v1/channels/<int:channel_id> -> /api/v1/channels/{channel_id}"""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    """Checks real responses against the schema the document gives for their status code."""

    def __init__(self, document: dict[str, Any]):
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(DOC_URI, resource)

    def validate(self, instance: Any, json_pointer: str) -> None:
        validator = Draft202012Validator({"$ref": f"{DOC_URI}#/{json_pointer}"}, registry=self.registry,
                                         format_checker=FormatChecker())
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    def component(self, name: str, instance: Any) -> None:
        self.validate(instance, pointer("components", "schemas", name))

    def response(self, response: requests.Response, method: str, path: str) -> Any:
        """Validate against the documented response for this status; ``path`` is the template
        after /api/v1, e.g. "/channels/{channel_id}/messages". Returns the JSON."""
        operation = self.document["paths"][PREFIX + path][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], \
            f"{method} {path} answered {status}, which is not documented: {response.text}"
        documented = operation["responses"][status]
        data = response.json()
        self.validate(data, pointer("paths", PREFIX + path, method.lower(), "responses", status,
                                    "content", "application/json", "schema"))
        if "x-error-codes" in documented:
            assert data["error"]["code"] in documented["x-error-codes"], \
                f"{method} {path}: code {data['error']['code']!r} is not listed for {status}"
        return data


@pytest.fixture
def contract(server: Server) -> Contract:
    return Contract(requests.get(server.url + PREFIX + "/openapi.json", timeout=10).json())


# --- the document itself --------------------------------------------------------------------------

def test_the_served_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    errors = [e.message for e in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_the_live_server_serves_the_same_document(server: Server, document: dict[str, Any]) -> None:
    assert requests.get(server.url + PREFIX + "/openapi.json", timeout=10).json() == document


def test_every_route_is_documented_with_the_same_methods_and_nothing_more(app, document) -> None:  # type: ignore[no-untyped-def]
    registered: dict[str, dict[str, str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            methods = registered.setdefault(openapi_path(rule.rule), {})
            for method in set(rule.methods or ()) - IGNORED_METHODS:
                methods[method.lower()] = rule.endpoint.removeprefix("api.")
    documented = {path: {m: o["operationId"] for m, o in item.items() if m != "parameters"}
                  for path, item in document["paths"].items()}
    assert documented == registered


def test_path_parameters_match_the_route_converters(app, document) -> None:  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        params = {p["name"]: p for p in document["paths"][openapi_path(rule.rule)].get("parameters", [])}
        assert set(params) == set(rule.arguments), rule.rule
        for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", rule.rule):
            expected = "integer" if converter == "int" else "string"
            assert params[name]["in"] == "path" and params[name]["required"] is True
            assert params[name]["schema"]["type"] == expected, (rule.rule, name)


def test_only_the_public_endpoints_need_no_credentials(document: dict[str, Any]) -> None:
    from chat.api import PUBLIC_ENDPOINTS

    public = {o["operationId"] for item in document["paths"].values()
              for m, o in item.items() if m != "parameters" and o["security"] == []}
    assert public == {e.removeprefix("api.") for e in PUBLIC_ENDPOINTS}
    for item in document["paths"].values():
        for method, operation in item.items():
            if method == "parameters" or operation["security"] == []:
                continue
            assert "401" in operation["responses"], operation["operationId"]
            schemes = [set(s) for s in operation["security"]]
            assert {"bearerAuth"} in schemes
            assert ({"cookieAuth", "csrfToken"} if method != "get" else {"cookieAuth"}) in schemes


def test_error_responses_use_the_error_schema(document: dict[str, Any]) -> None:
    for item in document["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue  # successes may be bytes (file downloads) or nothing (304)
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (operation["operationId"], status)
                assert response["x-error-codes"], (operation["operationId"], status)


def test_every_error_code_the_code_raises_is_documented_somewhere(document: dict[str, Any]) -> None:
    from pathlib import Path

    import chat

    source = "\n".join(p.read_text() for p in Path(chat.__file__).parent.rglob("*.py"))
    raised = set(re.findall(r'code="([a-z_]+)"', source))
    documented = {code for item in document["paths"].values() for m, o in item.items() if m != "parameters"
                  for r in o["responses"].values() for code in r.get("x-error-codes", [])}
    assert raised - documented == set()


# --- real responses from the live server ----------------------------------------------------------

def test_real_responses_match_their_documented_schemas(cast: Cast, contract: Contract) -> None:
    alice, bob = cast.alice, cast.bob
    acme, general = cast.acme.id, cast.acme.general_id
    check = contract.response

    check(alice.request("GET", "/me"), "GET", "/me")
    check(alice.request("GET", "/workspaces"), "GET", "/workspaces")
    check(alice.request("GET", f"/workspaces/{acme}"), "GET", "/workspaces/{workspace_id}")
    check(alice.request("GET", f"/workspaces/{acme}/members"), "GET", "/workspaces/{workspace_id}/members")
    check(alice.request("GET", f"/workspaces/{acme}/presence"), "GET", "/workspaces/{workspace_id}/presence")
    channels = check(alice.request("GET", f"/workspaces/{acme}/channels"), "GET", "/workspaces/{workspace_id}/channels")
    assert any(c["id"] == general for c in channels["channels"])
    check(bob.request("GET", f"/workspaces/{acme}/channels/browse"), "GET",
          "/workspaces/{workspace_id}/channels/browse")
    check(alice.request("POST", f"/workspaces/{acme}/channels", json={"name": f"c-{uuid.uuid4().hex[:8]}",
                                                                      "topic": "plans"}),
          "POST", "/workspaces/{workspace_id}/channels")
    dm = check(alice.request("POST", f"/workspaces/{acme}/direct", json={"user_ids": [bob.id]}),
               "POST", "/workspaces/{workspace_id}/direct")
    assert dm["kind"] == "dm"

    send = "/channels/{channel_id}/messages"
    client_msg_id = uuid.uuid4().hex
    first = alice.request("POST", f"/channels/{general}/messages", json={"body": "hi @channel",
                                                                       "client_msg_id": client_msg_id})
    assert first.status_code == 201
    message = check(first, "POST", send)
    again = alice.request("POST", f"/channels/{general}/messages", json={"body": "hi @channel",
                                                                       "client_msg_id": client_msg_id})
    assert again.status_code == 200 and check(again, "POST", send)["id"] == message["id"]
    reply = check(bob.request("POST", f"/channels/{general}/messages",
                              json={"body": "a reply", "thread_root_id": message["id"]}), "POST", send)
    check(bob.request("POST", f"/messages/{message['id']}/reactions", json={"emoji": "thumbsup"}),
          "POST", "/messages/{message_id}/reactions")
    check(alice.request("PUT", f"/messages/{message['id']}/pin"), "PUT", "/messages/{message_id}/pin")
    check(alice.request("GET", f"/channels/{general}/pins"), "GET", "/channels/{channel_id}/pins")
    check(alice.request("GET", f"/channels/{general}/messages?limit=5"), "GET", send)
    check(alice.request("GET", f"/messages/{reply['id']}/thread"), "GET", "/messages/{message_id}/thread")
    check(bob.request("POST", f"/channels/{general}/read", json={"message_id": message["id"]}),
          "POST", "/channels/{channel_id}/read")
    check(bob.request("DELETE", f"/messages/{reply['id']}"), "DELETE", "/messages/{message_id}")

    invite = check(alice.request("POST", f"/workspaces/{acme}/invites", json={"role": "guest"}),
                   "POST", "/workspaces/{workspace_id}/invites")
    preview = requests.get(f"{cast.server_url}{PREFIX}/invites/{invite['code']}", timeout=10)
    check(preview, "GET", "/invites/{code}")
    token = check(alice.request("POST", "/tokens", json={"name": "ci"}), "POST", "/tokens")
    check(alice.request("GET", "/tokens"), "GET", "/tokens")
    check(alice.request("DELETE", f"/tokens/{token['id']}"), "DELETE", "/tokens/{token_id}")

    events = check(bob.request("GET", "/events?since=0"), "GET", "/events")
    assert {"workspace.joined", "channel.member_added", "message.created", "message.updated",
            "message.deleted"} <= {e["type"] for e in events["events"]}
    check(bob.request("GET", "/events/head"), "GET", "/events/head")


def test_real_error_responses_match_the_documented_error_codes(cast: Cast, contract: Contract) -> None:
    alice, bob, gus, olga = cast.alice, cast.bob, cast.gus, cast.olga
    acme, general = cast.acme.id, cast.acme.general_id
    check = contract.response

    def error(response: requests.Response, method: str, path: str, status: int, code: str) -> None:
        assert response.status_code == status, response.text
        assert check(response, method, path)["error"]["code"] == code

    anonymous = requests.get(f"{cast.server_url}{PREFIX}/me", timeout=10)
    error(anonymous, "GET", "/me", 401, "unauthorized")
    error(olga.request("GET", f"/channels/{general}"), "GET", "/channels/{channel_id}", 404, "not_found")
    empty = alice.request("POST", f"/channels/{general}/messages", json={"body": "   "})
    error(empty, "POST", "/channels/{channel_id}/messages", 400, "invalid")
    assert empty.json()["error"]["field"] == "body"
    not_json = alice.request("POST", f"/channels/{general}/messages", data="body=hi",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    error(not_json, "POST", "/channels/{channel_id}/messages", 400, "invalid_json")
    error(gus.request("POST", f"/workspaces/{acme}/channels", json={"name": "guest-room"}),
          "POST", "/workspaces/{workspace_id}/channels", 403, "guest")
    error(bob.request("PATCH", f"/workspaces/{acme}", json={"name": "Mine"}),
          "PATCH", "/workspaces/{workspace_id}", 403, "admin_only")
    error(alice.request("POST", f"/workspaces/{acme}/channels", json={"name": "general"}),
          "POST", "/workspaces/{workspace_id}/channels", 409, "name_taken")
    error(alice.request("PATCH", f"/workspaces/{acme}/members/{alice.id}", json={"role": "member"}),
          "PATCH", "/workspaces/{workspace_id}/members/{user_id}", 409, "last_owner")
    error(requests.post(f"{cast.server_url}{PREFIX}/auth/token",
                        json={"email": alice.email, "password": "wrong password"}, timeout=10),
          "POST", "/auth/token", 401, "bad_credentials")


def test_socket_events_and_sync_use_the_documented_envelope(cast: Cast, contract: Contract) -> None:
    alice, bob = cast.alice, cast.bob
    cursor = bob.get("/events/head")["cursor"]
    socket = bob.socket()
    try:
        sent = alice.post(f"/channels/{cast.acme.general_id}/messages", {"body": "live"})
        envelope = socket.wait_for("message.created", lambda e: e["data"]["id"] == sent["id"])
        contract.component("EventEnvelope", envelope)
        ack = socket.call("sync", {"since": cursor})
        contract.component("EventPage", ack["data"])
        assert envelope in ack["data"]["events"]
        contract.component("Error", socket.call("sync", {"since": -1}))
    finally:
        socket.close()


def test_cookie_sessions_need_the_csrf_header_for_writes(cast: Cast, contract: Contract) -> None:
    person: Person = cast.bob
    browser = requests.Session()
    form = browser.get(cast.server_url + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    signed_in = browser.post(cast.server_url + "/login", data={"email": person.email, "csrf_token": token,
                                                               "password": "correct horse battery"},
                             allow_redirects=False, timeout=10)
    assert signed_in.status_code == 302
    contract.response(browser.get(f"{cast.server_url}{PREFIX}/me", timeout=10), "GET", "/me")

    path = f"{cast.server_url}{PREFIX}/me"
    refused = browser.patch(path, json={"display_name": "Bob"}, timeout=10)
    assert refused.status_code == 400
    assert contract.response(refused, "PATCH", "/me")["error"]["code"] == "csrf_failed"

    page = browser.get(cast.server_url + "/", timeout=10).text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    accepted = browser.patch(path, json={"display_name": "Bob"}, headers={"X-CSRFToken": csrf}, timeout=10)
    assert accepted.status_code == 200
    contract.response(accepted, "PATCH", "/me")
