"""The incoming-webhook door: ``POST /hooks/<secret>`` with Slack's or Mattermost's payload,
answered as Slack answers (plain text: ``ok``, or an error name with its status).

The body may be JSON, a form with a ``payload`` field holding the JSON (``payload=...``,
urlencoded or multipart, as Slack's and Mattermost's docs show), or a form whose fields are the
payload's (``text=...&channel=...``; ``attachments`` and ``blocks`` as JSON text). It is not a
cookie-authenticated door, so it takes no CSRF token and reads no session: the secret in the
URL is the credential. See docs/integrations.md.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from chat.core import ratelimits
from chat.core.errors import ChatError, RateLimited
from chat.core.validation import parse_json
from chat.extensions import csrf
from chat.services import webhooks
from chat.services.integrations import SlackPayloadError

log = logging.getLogger(__name__)

hooks = Blueprint("hooks", __name__)
csrf.exempt(hooks)

MAX_SECRET_LENGTH = 128
# Slack's names, answered as they are; anything else a check raises is the payload's fault.
PASSED_ON = {"invalid_payload", "no_text", "msg_too_long", "too_many_attachments", "invalid_attachments",
             "invalid_blocks", "no_service", "channel_not_found", "channel_is_archived", "action_prohibited",
             "thread_not_found", "rate_limited"}


def _text(body: str, status: int, headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=status, mimetype="text/plain", headers=headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _raw() -> bytes:
    """The body, at most WEBHOOK_MAX_BYTES (also without a Content-Length: chunked)."""
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    request.max_content_length = limit
    raw = request.get_data(cache=True)
    if request.content_length is None and len(raw) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()
    return raw


def payload() -> Any:
    """The payload as a decoded JSON value (checked by the service), from any of the shapes."""
    raw = _raw()
    mimetype = request.mimetype
    if mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.form
        if "payload" in form:
            return parse_json(form["payload"].encode())
        if not form and raw.lstrip().startswith(b"{"):
            return parse_json(raw)  # JSON sent as a form (curl -d '{...}' without a Content-Type)
        if mimetype == "application/x-www-form-urlencoded" and raw.lstrip().startswith(b"{"):
            return parse_json(raw)
        return form.to_dict()
    return parse_json(raw)


@hooks.post("/hooks/<path:secret>")
def incoming(secret: str) -> Response:
    """Post a message through an incoming webhook"""
    try:
        if len(secret) > MAX_SECRET_LENGTH or "/" in secret:
            raise webhooks.NoService("no such webhook")
        try:
            data = payload()
        except ChatError as err:
            # Malformed JSON is the payload's fault; but an unknown secret answers no_service first.
            webhooks.find_webhook(secret)
            raise SlackPayloadError(err.message) from None
        webhooks.post(secret, data, address=request.remote_addr)
    except webhooks.NoService as err:
        try:
            ratelimits.hit("RATE_LIMIT_API_ANONYMOUS", "addr", request.remote_addr or "unknown")
        except RateLimited as limited:
            return _refusal(limited)
        return _refusal(err)
    except ChatError as err:
        return _refusal(err)
    return _text("ok", 200)


def _refusal(err: ChatError) -> Response:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else None
    if err.code in PASSED_ON:
        return _text(err.code, err.status, headers)
    return _text("invalid_payload", 400)


@hooks.errorhandler(HTTPException)
def _http_error(err: HTTPException) -> Response:
    status = err.code or 500
    if status == 413:
        return _text("request_too_large", 413)
    return _text({404: "no_service", 405: "method_not_allowed"}.get(status, "invalid_payload"), status)


from chat.webhooks import commands  # noqa: E402,F401  (a slash command's response_url, on this blueprint)
