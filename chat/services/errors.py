"""Domain errors. Each carries a stable code and an HTTP status; every door maps them to
the one wire shape ``{"error": {"code", "message"}}``."""
from __future__ import annotations

from typing import Any


class ChatError(Exception):
    status = 400
    code = "bad_request"

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


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
