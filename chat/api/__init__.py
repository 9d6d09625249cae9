"""JSON REST API under /api/v1: parse into a typed model, call one service function, serialize."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from chat.authn import request_actor
from chat.core import limits, ratelimits
from chat.core.actor import Actor
from chat.core.errors import ChatError, Invalid, NotFound, Unauthorized, error_body
from chat.core.requests import Request, parse
from chat.core.validation import parse_json
from chat.extensions import csrf
from chat.services.files import upload_request_limit

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication

api = Blueprint("api", __name__, url_prefix="/api/v1")

# Endpoints reachable without signing in.
# An upload URL's ticket is its own credential (chat/services/files/upload_urls.py).
PUBLIC_ENDPOINTS = {"api.openapi", "api.create_token_with_password", "api.signup", "api.invite_preview",
                    "api.receive_upload"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The request head limits of eventlet's server (the default async mode), applied in every mode
# so that all three answer alike: one header line under 8 KiB, all of them at most 64 KiB.
MAX_HEADER_LINE = 8192
MAX_HEADER_SECTION = 65536
# Per-person limits of particular routes, counted before their body is read. The socket door
# counts message.send against the same RATE_LIMIT_SENDS (chat/realtime).
ROUTE_LIMITS = {"api.send_message": "RATE_LIMIT_SENDS", "api.upload_files": "RATE_LIMIT_UPLOADS",
                "api.proxied_image": "RATE_LIMIT_IMAGES", "api.run_command": "RATE_LIMIT_COMMANDS",
                "api.replay_delivery": "RATE_LIMIT_DELIVERY_REPLAYS"}


@api.before_request
def _authenticate() -> None:
    who, by_token = request_actor(request)
    g.actor = who
    ratelimits.api_request(who.id if who is not None else None, request.remote_addr)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if who is None:
        raise Unauthorized("sign in or send a valid API token", code="unauthorized")
    if request.endpoint in ROUTE_LIMITS:
        ratelimits.for_person(ROUTE_LIMITS[request.endpoint], who.id)
    # An id beyond any database integer names nothing (and would overflow the driver).
    if any(isinstance(v, int) and v > limits.MAX_ID for v in (request.view_args or {}).values()):
        raise NotFound("not found")
    if request.endpoint == "api.upload_files":
        # Uploads are the one large body; set before anything (the CSRF check) reads the form.
        request.max_content_length = upload_request_limit()
    if not by_token and request.method not in SAFE_METHODS:
        csrf.protect()  # cookie-authenticated writes need the CSRF token header


def public_url() -> str:
    """This server's address in the URLs it hands out (webhook and upload URLs, file links):
    PUBLIC_URL if set, else the address this request came to; without a trailing slash."""
    return (current_app.config["PUBLIC_URL"] or request.host_url).rstrip("/")


def actor() -> Actor:
    """Who makes this request (signed in: public endpoints do not call this)."""
    return g.actor


def body() -> dict[str, Any]:
    """The JSON object sent with the request ({} when there is no body), not yet checked
    against a model (``with_body`` does that). The one parser of request bodies: see
    validation.parse_json for what it refuses (``invalid_json``)."""
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if (request.content_length is None and limit is not None and len(raw) >= limit
            and request.environ["wsgi.input"].read(1)):
        # A body without Content-Length (chunked) is cut at the limit by Werkzeug, silently.
        raise RequestEntityTooLarge()
    if not raw:
        return {}
    if not request.is_json:
        raise Invalid("send JSON with Content-Type: application/json", code="invalid_json")
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise Invalid("the request body must be a JSON object", code="invalid_json")
    return data


View = Callable[..., ResponseReturnValue]


def with_body(model: type[Request]) -> Callable[[View], View]:
    """The route takes a JSON body checked as ``model`` (core/requests.py), passed to the view
    as ``data``; the API document describes the body from the same model."""
    def decorator(view: View) -> View:
        @functools.wraps(view)
        def parsed(**view_args: Any) -> ResponseReturnValue:
            return view(**view_args, data=parse(model, body()))
        parsed.body_model = model  # type: ignore[attr-defined]  # a mark on the function, read by chat/api/openapi.py
        return parsed
    return decorator


def with_query(model: type[Request]) -> Callable[[View], View]:
    """The route takes query parameters checked as ``model``, passed to the view as ``params``
    (a repeated parameter counts with its first value)."""
    def decorator(view: View) -> View:
        @functools.wraps(view)
        def parsed(**view_args: Any) -> ResponseReturnValue:
            return view(**view_args, params=parse(model, request.args.to_dict()))
        parsed.query_model = model  # type: ignore[attr-defined]  # a mark on the function, read by chat/api/openapi.py
        return parsed
    return decorator


@api.errorhandler(ChatError)
def _chat_error(err: ChatError) -> ResponseReturnValue:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else {}
    return jsonify(err.to_dict()), err.status, headers


@api.errorhandler(CSRFError)
def _csrf_error(err: CSRFError) -> ResponseReturnValue:
    return jsonify(error_body("csrf_failed", "missing or invalid CSRF token (send X-CSRFToken)")), 400


@api.app_errorhandler(HTTPException)
def _http_error(err: HTTPException) -> ResponseReturnValue:
    if not request.path.startswith(api.url_prefix or "/api"):
        return err  # HTML pages keep Flask's own error pages
    status = err.code or 500
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large",
            500: "internal_error"}.get(status, "http_error")
    return jsonify(error_body(code, err.description or err.name)), status


def headers_too_large(path: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The answer to a request whose headers are over the limits: 431, in the error shape under
    /api and as plain text elsewhere. Also written by app.py when eventlet refuses the head."""
    message = (f"request headers too large: each header line must be under {MAX_HEADER_LINE} bytes "
               f"and all of them at most {MAX_HEADER_SECTION}")
    if path.startswith(api.url_prefix or "/api"):
        content_type, body = "application/json", json.dumps(error_body("headers_too_large", message)).encode()
    else:
        content_type, body = "text/plain; charset=utf-8", message.encode()
    return ("431 Request Header Fields Too Large",
            [("Content-Type", content_type), ("Content-Length", str(len(body)))], body)


def limit_request_headers(wsgi_app: WSGIApplication) -> WSGIApplication:
    """WSGI middleware: refuse heads over MAX_HEADER_LINE / MAX_HEADER_SECTION with
    headers_too_large. eventlet's server refuses them itself (app.py makes it say the same);
    gevent's and Werkzeug's let far larger heads through, so the same rule is kept here."""
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # "Name: value\r\n" for each header (repeated headers arrive joined, counted as one).
        sizes = [len(key) - 1 + len(value) for key, value in environ.items()
                 if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")]
        if sizes and (max(sizes) >= MAX_HEADER_LINE or sum(sizes) > MAX_HEADER_SECTION):
            status, headers, body = headers_too_large(environ.get("PATH_INFO", ""))
            start_response(status, headers)
            return [body]
        return wsgi_app(environ, start_response)
    return app


from chat.api import (  # noqa: E402,F401
    accounts,
    bots,
    channels,
    commands,
    deliveries,
    events,
    files,
    images,
    messages,
    openapi,
    webhooks,
    workspaces,
)
