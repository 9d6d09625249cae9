"""A slash command's ``response_url``: ``POST /hooks/commands/<secret>`` with Slack's message
(JSON, or a form's ``payload``), answered as Slack answers it: ``{"ok": true}``, or
``{"ok": false, "error": "<name>"}`` with the status (docs/integrations.md). The secret in the
URL is the credential: no cookie, token or CSRF header."""
from __future__ import annotations

from flask import Response, jsonify, request

from chat.core import ratelimits
from chat.core.errors import ChatError, RateLimited
from chat.services import commands
from chat.services.integrations import SlackPayloadError
from chat.webhooks import MAX_SECRET_LENGTH, hooks, payload

# Slack's names, answered as they are; anything else a check raises is the payload's fault.
PASSED_ON = {"invalid_payload", "no_text", "msg_too_long", "too_many_attachments", "invalid_attachments",
             "invalid_blocks", "no_service", "expired_url", "used_url", "action_prohibited", "rate_limited"}


def _answer(ok: bool, status: int = 200, error: str | None = None, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"ok": True} if ok else {"ok": False, "error": error})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


@hooks.post("/hooks/commands/<path:secret>")
def command_response(secret: str) -> Response:
    """Answer a slash command later, through its response_url"""
    try:
        if len(secret) > MAX_SECRET_LENGTH or "/" in secret:
            raise commands.NoService("no such response_url")
        try:
            data = payload()
        except ChatError as err:
            commands.find_run(secret)  # an unknown URL answers no_service first
            raise SlackPayloadError(err.message) from None
        commands.respond(secret, data)
    except commands.NoService as err:
        try:  # guessing URLs costs the address
            ratelimits.hit("RATE_LIMIT_API_ANONYMOUS", "addr", request.remote_addr or "unknown")
        except RateLimited as limited:
            return _refusal(limited)
        return _refusal(err)
    except ChatError as err:
        return _refusal(err)
    return _answer(True)


def _refusal(err: ChatError) -> Response:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else None
    if err.code in PASSED_ON:
        return _answer(False, err.status, err.code, headers)
    return _answer(False, 400, "invalid_payload")
