"""The OpenAPI 3.1 document of this API, served at /api/v1/openapi.json, generated.

Nothing here lists routes or fields: the document is built from the app's url_map, and for each
route from what its view declares next to it:

- ``@with_body(Model)`` / ``@with_query(Model)`` (chat/api/__init__.py): the typed request
  models of chat/core/requests.py, whose JSON Schema is what the door accepts (request bodies
  become components named after the model, query fields become parameters);
- ``@operation(tag, ok=..., errors=...)`` below: the success schema, status and error codes,
  from the hand-declared response schemas of chat/api/schemas.py;
- its docstring: the first line is the summary, the rest the description.

A route without ``@operation`` fails the build of the document (and so tests/test_openapi.py).

The document also carries ``x-socket-events`` (not part of OpenAPI): what a socket receives
under each server-to-client event name, one data shape per name, declared in chat/api/schemas.py
with the envelope of durable events (tests/realtime/test_event_shapes.py holds the server to it).
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from chat.api import PUBLIC_ENDPOINTS, api
from chat.api.schemas import (
    DESCRIPTION,
    PATH_PARAMS,
    PUBLIC,
    READ,
    SCHEMAS,
    SECURITY_SCHEMES,
    SOCKET_EVENTS,
    WRITE,
    error_response,
    json_response,
    ref,
)
from chat.core.requests import Request, Schema, json_schema

PREFIX = api.url_prefix or "/api/v1"
TAGS = {"accounts": "sign-up, your profile and personal API tokens",
        "workspaces": "workspaces, members, presence and invite links",
        "channels": "channels, direct conversations, membership and read positions",
        "messages": "messages, threads, reactions and pins",
        "files": "file uploads, previews, downloads and search",
        "events": "catch-up after a disconnect",
        "bots": "bot users of a workspace, their tokens and signing secrets",
        "webhooks": "incoming webhooks: secret URLs that post Slack or Mattermost payloads into a channel "
                    "(the posts themselves go to /hooks/{secret}, docs/integrations.md); outgoing webhooks: "
                    "messages sent to an integration, its replies posted back",
        "commands": "slash commands: running one, the commands members may run, a workspace's custom ones "
                    "(their response_url answers go to /hooks/commands/{secret}, docs/integrations.md)",
        "deliveries": "the requests the server sent integrations (bots' Events API requests, outgoing webhooks, "
                      "slash commands), their attempts, and replay: the delivery log workspace admins read",
        "meta": "this document"}
_IGNORED_METHODS = {"HEAD", "OPTIONS"}


V = TypeVar("V", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    """What the document says about one route besides its request models and docstring."""

    tag: str
    ok: Schema | None
    status: int = 200
    ok_description: str = "OK"
    errors: dict[int, list[str]] = field(default_factory=dict)
    # Whole response objects by status, added to or replacing the generated ones (bytes, 304).
    responses: dict[str, Schema] = field(default_factory=dict)
    # A request body that is not a JSON model (multipart uploads).
    request_body: Schema | None = None


def operation(tag: str, *, ok: Schema | None, status: int = 200, ok_description: str = "OK",
              errors: dict[int, list[str]] | None = None, responses: dict[str, Schema] | None = None,
              request_body: Schema | None = None) -> Callable[[V], V]:
    """Document a route: its tag (one of TAGS), what it answers with ``status`` (``ok``, a
    schema), and the error codes it may answer per status besides those every route of its
    kind can (added by the generator: ``unauthorized``, ``rate_limited``, ``csrf_failed``,
    ``invalid``/``invalid_json``/``too_large`` with a body or query)."""
    assert tag in TAGS, tag

    def decorator(view: V) -> V:
        view.operation = Operation(  # type: ignore[attr-defined]  # a mark on the function, read by build()
            tag, ok, status, ok_description, errors or {}, responses or {}, request_body)
        return view
    return decorator


# --- building the document ----------------------------------------------------------------------

def _openapi_path(rule: str) -> str:
    """/api/v1/channels/<int:channel_id> -> /api/v1/channels/{channel_id}"""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def _path_parameter(name: str) -> Schema:
    schema = dict(PATH_PARAMS[name])
    description = schema.pop("description")
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


def _query_parameters(model: type[Request]) -> list[Schema]:
    schema = json_schema(model)
    required = set(schema.get("required", ()))
    out = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", "")
        out.append({"name": name, "in": "query", "required": name in required, "description": description,
                    "schema": prop})
    return out


def _request_body(model: type[Request], components: dict[str, Schema]) -> Schema:
    schema = json_schema(model)
    components[model.__name__] = schema
    required = bool(schema.get("required") or schema.get("minProperties") or schema.get("anyOf"))
    return {"required": required, "content": {"application/json": {"schema": ref(model.__name__)}}}


def _operation(endpoint: str, method: str, view: Any, components: dict[str, Schema]) -> Schema:
    described: Operation | None = getattr(view, "operation", None)
    if described is None:
        raise LookupError(f"{endpoint} has no @operation: document it next to the route")
    body_model: type[Request] | None = getattr(view, "body_model", None)
    query_model: type[Request] | None = getattr(view, "query_model", None)
    public = endpoint in PUBLIC_ENDPOINTS
    write = method not in ("get", "head")

    codes: dict[int, list[str]] = {}

    def add(status: int, *names: str) -> None:
        bucket = codes.setdefault(status, [])
        bucket.extend(n for n in names if n not in bucket)

    if body_model is not None:
        add(400, "invalid", "invalid_json")
        add(413, "too_large")
    if query_model is not None:
        add(400, "invalid")  # a query value the schema does not allow
    for status, names in described.errors.items():
        add(status, *names)
    if write and not public:
        add(400, "csrf_failed")
    if not public:
        add(401, "unauthorized")
    add(429, "rate_limited")

    responses: dict[str, Schema] = {}
    if described.ok is not None:
        responses[str(described.status)] = json_response(described.ok_description, described.ok)
    responses.update(described.responses)
    for status in sorted(codes):
        responses[str(status)] = error_response(status, codes[status])

    summary, _, description = (inspect.getdoc(view) or "").partition("\n")
    result: Schema = {"operationId": endpoint.removeprefix(f"{api.name}."), "summary": summary.strip(),
                      "tags": [described.tag]}
    if description.strip():
        result["description"] = " ".join(description.split())
    if query_model is not None:
        result["parameters"] = _query_parameters(query_model)
    if body_model is not None:
        result["requestBody"] = _request_body(body_model, components)
    elif described.request_body is not None:
        result["requestBody"] = described.request_body
    result["responses"] = responses
    result["security"] = PUBLIC if public else (WRITE if write else READ)
    return result


def build(app: Flask) -> dict[str, Any]:
    """The document for ``app``'s routes under /api/v1, in the order they were registered."""
    paths: dict[str, Schema] = {}
    components: dict[str, Schema] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        item = paths.setdefault(_openapi_path(rule.rule), {})
        names = re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", rule.rule)
        if names and "parameters" not in item:
            item["parameters"] = [_path_parameter(n) for n in names]
        view = app.view_functions[rule.endpoint]
        for method in sorted(set(rule.methods or ()) - _IGNORED_METHODS):
            item[method.lower()] = _operation(rule.endpoint, method.lower(), view, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Chat API", "version": "1", "description": DESCRIPTION},
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "security": READ,
        "paths": paths,
        "components": {"schemas": {**SCHEMAS, **dict(sorted(components.items()))},
                       "securitySchemes": SECURITY_SCHEMES},
        # Not part of OpenAPI: the Socket.IO server-to-client events (docs/realtime.md), each
        # declared once in chat/api/schemas.py.
        "x-socket-events": SOCKET_EVENTS,
    }


def document() -> dict[str, Any]:
    """The current app's document, built once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is a proxy typed as Flask
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build(app)
    return app.extensions["openapi"]


@api.get("/openapi.json")
@operation("meta", ok={"type": "object"})
def openapi() -> ResponseReturnValue:
    """This OpenAPI document"""
    return jsonify(document())
