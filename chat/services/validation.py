"""check_* helpers: validate plain input values and raise Invalid with a clear message."""
from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

from chat.services.errors import Invalid

MAX_MESSAGE_LENGTH = 8000
# C0/C1 controls except tab, newline and carriage return, which multi-line messages need.
CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
SINGLE_LINE_CONTROL_CHARS = r"\x00-\x1f\x7f-\x9f"
# Controls, plus every character str.strip() removes: text must have something else.
UNICODE_SPACE_CHARS = r"\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
BLANK_CHARS = r"\x00-\x20\x7f-\xa0" + UNICODE_SPACE_CHARS
_CONTROL = re.compile(f"[{CONTROL_CHARS}]")
_CONTROL_SINGLE_LINE = re.compile(f"[{SINGLE_LINE_CONTROL_CHARS}]")


def text_pattern(*, allow_empty: bool = False, multiline: bool = False) -> str:
    """check_text's character rules as one regular expression (ECMA-262 and Python alike), for
    the OpenAPI document: no control characters, and unless empty text is allowed, something
    besides whitespace."""
    allowed = f"[^{CONTROL_CHARS if multiline else SINGLE_LINE_CONTROL_CHARS}]*"
    return f"^{allowed}$" if allow_empty else f"^{allowed}[^{BLANK_CHARS}]{allowed}$"
# Request bodies and socket payloads are flat objects with a list or two: nothing legitimate
# comes close, and deeper input only costs stack (at ~1,000 levels the decoder itself fails).
MAX_JSON_DEPTH = 32
# A \uD800-\uDFFF escape that is not half of a pair decodes to a lone surrogate: not text, and
# it cannot be encoded as UTF-8 (the database and every response would fail on it).
_SURROGATE = re.compile(r"[\ud800-\udfff]")


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


def _number(text: str) -> int | float:
    """JSON numbers written with a fraction or exponent: a whole one is an integer, as in JSON
    Schema (447.0 is the integer 447), kept exact; others stay floats (no field takes one)."""
    value = float(text)
    if value.is_integer() and abs(value) < 2**63:  # bounded, so the exact conversion is cheap
        return int(Decimal(text))
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python's extension, not JSON


def parse_json(text: str | bytes) -> Any:
    """Decode JSON text the way every door takes input: strict UTF-8, no NaN or Infinity, no
    lone surrogate escape anywhere (keys included), at most MAX_JSON_DEPTH levels of nesting,
    and whole numbers as int whatever their notation. Anything else raises Invalid with code
    ``invalid_json`` before any other code sees the value."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        value = json.loads(text, parse_float=_number, parse_constant=_no_constant)
    except RecursionError:
        raise Invalid(f"JSON may be nested at most {MAX_JSON_DEPTH} levels deep", code="invalid_json") from None
    except ValueError:  # JSONDecodeError, UnicodeDecodeError, over-long integer literals
        raise Invalid("the JSON sent is not valid", code="invalid_json") from None
    _check_decoded(value)
    return value


def _check_decoded(value: Any) -> None:
    # Iterative, so the walk itself never runs out of stack.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise Invalid("JSON strings must be Unicode text (an unpaired surrogate escape was sent)",
                              code="invalid_json")
        elif isinstance(item, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise Invalid(f"JSON may be nested at most {MAX_JSON_DEPTH} levels deep", code="invalid_json")
            if isinstance(item, dict):
                pending.extend((key, depth) for key in item)
                pending.extend((v, depth + 1) for v in item.values())
            else:
                pending.extend((v, depth + 1) for v in item)
