"""check_* helpers: validate plain input values and raise Invalid with a clear message."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from chat.services.errors import Invalid

MAX_MESSAGE_LENGTH = 8000
# C0/C1 controls except tab, newline and carriage return, which multi-line messages need.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_text(value: Any, field: str, *, max_length: int, allow_empty: bool = False,
               multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string", field=field)
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    if pattern.search(value):
        raise Invalid(f"{field} contains control characters", field=field)
    value = unicodedata.normalize("NFC", value).strip()
    if not value and not allow_empty:
        raise Invalid(f"{field} must not be empty", field=field)
    if len(value) > max_length:
        raise Invalid(f"{field} must be at most {max_length} characters", field=field)
    return value


def check_id(value: Any, field: str) -> int:
    # bool is an int subclass; "true" is never a valid id.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise Invalid(f"{field} must be a positive integer", field=field)
    return value


def check_optional_id(value: Any, field: str) -> int | None:
    return None if value is None else check_id(value, field)


def check_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field} must be true or false", field=field)
    return value


def check_limit(value: Any, *, default: int = 50, maximum: int = 200) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise Invalid(f"limit must be an integer from 1 to {maximum}", field="limit")
    return value


_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def check_client_msg_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _CLIENT_ID.match(value):
        raise Invalid("client_msg_id must be 1-64 letters, digits or _.:-", field="client_msg_id")
    return value


def check_message_body(value: Any, *, allow_empty: bool = False) -> str:
    if value is None and allow_empty:
        return ""
    return check_text(value, "body", max_length=MAX_MESSAGE_LENGTH, multiline=True, allow_empty=allow_empty)


def check_object(value: Any) -> dict:
    if not isinstance(value, dict):
        raise Invalid("expected a JSON object")
    return value
