"""Domain errors. Each carries a stable code and an HTTP status; every door maps them to
the one wire shape ``{"error": {"code", "message"}}``."""
from __future__ import annotations

from typing import Any


class ChatError(Exception):
    status = 400
    code = "bad_request"
    # Seconds after which a retry may succeed: set for rate limits and a busy server; the
    # doors send it as `retry_after` in the error body and as HTTP's Retry-After header.
    retry_after: int | None = None

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return {"error": body}


class Invalid(ChatError):
    status = 400
    code = "invalid"


class Unauthorized(ChatError):
    status = 401
    code = "unauthorized"


class Forbidden(ChatError):
    status = 403
    code = "forbidden"


class NotFound(ChatError):
    """Also used for things that exist but the actor may not see, so existence never leaks."""

    status = 404
    code = "not_found"


class Conflict(ChatError):
    status = 409
    code = "conflict"


class Gone(ChatError):
    status = 410
    code = "gone"


class TooLarge(ChatError):
    status = 413
    code = "too_large"


class RateLimited(ChatError):
    """Too many requests of one kind for one person, token, account or address."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = max(1, retry_after)


class Busy(ChatError):
    """The server has more of this kind of work queued than it takes on; retry shortly."""

    status = 503
    code = "busy"

    def __init__(self, message: str, *, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
