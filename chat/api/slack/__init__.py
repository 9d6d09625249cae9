"""The Slack-compatible Web API, ``/api/<method>``: Slack's request and answer conventions over
the same services as the REST API (docs/integrations.md).

The door, for every method: arguments from the query string and from a form or JSON body
(``args.Args``); the token from ``Authorization: Bearer`` or a ``token`` argument (personal and
bot tokens; no cookies, so no CSRF); the per-token limit; the caller's workspace; then the
method (``methods.py``), whose dict becomes ``{"ok": true, ...}``. Every failure is
``{"ok": false, "error": "..."}`` with HTTP 200, except ``ratelimited`` (429 with
``Retry-After``), as Slack answers; nothing escapes as a 500.

``/api/v1/...`` never reaches here: a method name has no slash.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from chat.api.slack.args import Args, SlackError, read_args
from chat.authn import bearer_token, token_actor
from chat.core import ratelimits
from chat.core.actor import Actor
from chat.core.errors import ChatError, Invalid, NotFound, RateLimited
from chat.services import accounts, workspaces
from chat.services.integrations import slack_ids
from chat.services.workspaces import WorkspaceView

log = logging.getLogger(__name__)

slack_api = Blueprint("slack_api", __name__, url_prefix="/api")


@dataclass
class Call:
    """One call of a method: who (None for methods without auth), where, with what."""

    actor: Actor | None
    workspace: WorkspaceView | None
    args: Args
    warnings: list[str] = field(default_factory=list)

    @property
    def me(self) -> Actor:
        assert self.actor is not None, "methods with auth=False do not ask who calls"
        return self.actor

    @property
    def team(self) -> WorkspaceView:
        assert self.workspace is not None
        return self.workspace

    @property
    def team_id(self) -> str:
        return slack_ids.team_id(self.team.id)


Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class Method:
    handler: Handler
    auth: bool
    not_found: str            # what a NotFound from a service means in this method
    errors: dict[str, str]    # our error codes -> Slack's, for this method


METHODS: dict[str, Method] = {}

# Our error codes and Slack's names for them, for every method (a method may say otherwise).
COMMON_ERRORS = {
    "not_in_channel": "not_in_channel", "channel_archived": "is_archived", "broadcast_only": "restricted_action",
    "bot_not_allowed": "restricted_action", "admin_only": "restricted_action", "guest": "restricted_action",
    "not_channel_manager": "restricted_action", "direct_channel": "method_not_supported_for_channel_type",
    "default_channel": "restricted_action", "name_taken": "name_taken", "too_many_reactions": "too_many_reactions",
    "thread_not_found": "thread_not_found", "malformed_slack_id": "invalid_arguments", "busy": "service_unavailable",
    "not_author": "cant_update_message",
}


def method(name: str, *, auth: bool = True, not_found: str = "channel_not_found",
           errors: dict[str, str] | None = None) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = Method(handler, auth, not_found, {**COMMON_ERRORS, **(errors or {})})
        return handler
    return register


def answer(data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(data)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def failure(error: str, *, messages: list[str] | None = None, warnings: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"ok": False, "error": error}
    metadata: dict[str, Any] = {}
    if messages:
        metadata["messages"] = messages
    if warnings:
        data["warning"] = ",".join(warnings)
        metadata["warnings"] = warnings
    if metadata:
        data["response_metadata"] = metadata
    return data


@slack_api.route("/<name>", methods=["GET", "POST"])
def call_method(name: str) -> Response:
    try:
        return _call(name)
    except SlackError as err:
        return answer(failure(err.error, messages=err.messages))
    except RateLimited as err:
        return answer(failure("ratelimited"), 429, {"Retry-After": str(err.retry_after or 1)})
    except HTTPException as err:  # the body over the request limit, mostly
        error = "request_too_large" if err.code == 413 else "invalid_request"
        return answer(failure(error, messages=[f"[ERROR] {err.description or err.name}"]))
    except Exception:
        log.exception("Web API method %s failed", name)
        return answer(failure("internal_error"))


def _call(name: str) -> Response:
    found = METHODS.get(name)
    if found is None:
        ratelimits.api_request(None, request.remote_addr)
        return answer(failure("unknown_method"))
    args = read_args()
    actor = None
    workspace = None
    if found.auth:
        actor = _authenticate(args)
        ratelimits.api_request(actor.id, request.remote_addr)
        ratelimits.hit("RATE_LIMIT_WEB_API", "token", actor.token_id)
        workspace = _workspace(actor, args)
    else:
        ratelimits.api_request(None, request.remote_addr)
    call = Call(actor, workspace, args)
    try:
        data = found.handler(call)
    except NotFound as err:
        if err.code in found.errors:
            return answer(failure(found.errors[err.code], warnings=call.warnings))
        return answer(failure(found.not_found, warnings=call.warnings))
    except Invalid as err:
        if err.code in found.errors:
            return answer(failure(found.errors[err.code], warnings=call.warnings))
        return answer(failure("invalid_arguments", messages=[f"[ERROR] {err.message}"], warnings=call.warnings))
    except RateLimited:
        raise
    except ChatError as err:
        error = found.errors.get(err.code, err.code)
        return answer(failure(error, messages=[f"[ERROR] {err.message}"], warnings=call.warnings))
    out: dict[str, Any] = {"ok": True, **data}
    if call.warnings:
        out["warning"] = ",".join(call.warnings)
        out.setdefault("response_metadata", {})["warnings"] = call.warnings
    return answer(out)


def _authenticate(args: Args) -> Actor:
    secret = bearer_token(request)
    if secret is None:
        token = args.raw("token")
        secret = token if isinstance(token, str) and token else None
    if secret is None:
        ratelimits.api_request(None, request.remote_addr)
        raise SlackError("not_authed")
    actor = token_actor(secret, request)
    if actor is None:
        # Guessing tokens costs the address, as on the REST API.
        ratelimits.api_request(None, request.remote_addr)
        reason = accounts.dead_token_reason(secret)
        raise SlackError({"revoked": "token_revoked", "inactive": "account_inactive"}.get(reason or "", "invalid_auth"))
    return actor


def _workspace(actor: Actor, args: Args) -> WorkspaceView:
    """The team the call acts in: a bot's own; for a person, ``team_id`` or their first."""
    team = args.raw("team_id")
    team_id = None
    if team is not None:
        team_id = slack_ids.parse_id(team, slack_ids.SlackIdKind.team)
        if team_id is None:
            raise SlackError("team_not_found")
    try:
        return workspaces.acting_workspace(actor, team_id)
    except NotFound:
        raise SlackError("team_access_not_granted" if team_id is not None else "account_inactive") from None


from chat.api.slack import methods  # noqa: E402,F401  (registers the methods)
