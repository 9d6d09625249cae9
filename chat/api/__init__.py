"""JSON REST API under /api/v1: parse, call one service function, serialize."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from chat.authn import request_actor
from chat.extensions import csrf
from chat.models import User
from chat.services import ratelimits
from chat.services.files import upload_request_limit
from chat.services.errors import ChatError, Invalid, NotFound, Unauthorized, error_body

api = Blueprint("api", __name__, url_prefix="/api/v1")

# Endpoints reachable without signing in.
PUBLIC_ENDPOINTS = {"api.openapi", "api.create_token_with_password", "api.signup", "api.invite_preview"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_ID = 2**63 - 1
# Per-person limits of particular routes, counted before their body is read. The socket door
# counts message.send against the same RATE_LIMIT_SENDS (chat/realtime).
ROUTE_LIMITS = {"api.send_message": "RATE_LIMIT_SENDS", "api.upload_files": "RATE_LIMIT_UPLOADS"}


@api.before_request
def _authenticate() -> None:
    user, by_token = request_actor(request)
    g.actor = user
    ratelimits.api_request(user.id if user is not None else None, request.remote_addr)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    if user is None:
        raise Unauthorized("sign in or send a valid API token", code="unauthorized")
    if request.endpoint in ROUTE_LIMITS:
        ratelimits.for_person(ROUTE_LIMITS[request.endpoint], user.id)
    # An id beyond any database integer names nothing (and would overflow the driver).
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        raise NotFound("not found")
    if request.endpoint == "api.upload_files":
        # Uploads are the one large body; set before anything (the CSRF check) reads the form.
        request.max_content_length = upload_request_limit()
    if not by_token and request.method not in SAFE_METHODS:
        csrf.protect()  # cookie-authenticated writes need the CSRF token header


def actor() -> User:
    return g.actor


def body() -> dict[str, Any]:
    """The JSON object sent with the request ({} when there is no body)."""
    if not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise Invalid("send JSON with Content-Type: application/json", code="invalid_json")
    data = request.get_json(silent=True)
    if data is None:
        raise Invalid("the request body is not valid JSON", code="invalid_json")
    if not isinstance(data, dict):
        raise Invalid("the request body must be a JSON object", code="invalid_json")
    return data


def query_int(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid(f"{name} must be an integer", field=name) from None


@api.errorhandler(ChatError)
def _chat_error(err: ChatError):  # type: ignore[no-untyped-def]
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else {}
    return jsonify(err.to_dict()), err.status, headers


@api.errorhandler(CSRFError)
def _csrf_error(err: CSRFError):  # type: ignore[no-untyped-def]
    return jsonify(error_body("csrf_failed", "missing or invalid CSRF token (send X-CSRFToken)")), 400


@api.app_errorhandler(HTTPException)
def _http_error(err: HTTPException):  # type: ignore[no-untyped-def]
    if not request.path.startswith(api.url_prefix or "/api"):
        return err  # HTML pages keep Flask's own error pages
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large",
            500: "internal_error"}.get(err.code or 500, "http_error")
    return jsonify(error_body(code, err.description or err.name)), err.code


from chat.api import accounts, channels, events, files, messages, openapi, workspaces  # noqa: E402,F401
