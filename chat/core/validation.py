"""check_* helpers: validate plain input values and raise Invalid with a clear message."""
from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

from chat.core.errors import Invalid

MAX_MESSAGE_LENGTH = 8000
# C0/C1 controls except tab, newline and carriage return, which multi-line messages need.
CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
SINGLE_LINE_CONTROL_CHARS = r"\x00-\x1f\x7f-\x9f"
# Controls, plus every character str.strip() removes: text must have something else.
UNICODE_SPACE_CHARS = r"\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
BLANK_CHARS = r"\x00-\x20\x7f-\xa0" + UNICODE_SPACE_CHARS
_CONTROL = re.compile(f"[{CONTROL_CHARS}]")
_CONTROL_SINGLE_LINE = re.compile(f"[{SINGLE_LINE_CONTROL_CHARS}]")


def _hidden_bmp_chars() -> str:
    """The single-line refusals below as a character class body, for the characters of the
    Basic Multilingual Plane (what a regular expression without Unicode mode can name), less
    the joiners, which are allowed between visible characters."""
    hidden = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF
              and (unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp") or chr(c) in _FILLERS)
              and chr(c) not in _JOINERS]
    ranges: list[tuple[int, int]] = []
    for c in hidden:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)


def text_pattern(*, allow_empty: bool = False, multiline: bool = False) -> str:
    """check_text's character rules as one regular expression (ECMA-262 and Python alike), for
    the OpenAPI document: no control characters (single-line: nor the hidden characters of the
    Basic Multilingual Plane, see below), and unless empty text is allowed, something besides
    whitespace."""
    refused = CONTROL_CHARS if multiline else SINGLE_LINE_CONTROL_CHARS + _hidden_bmp_chars()
    allowed = f"[^{refused}]*"
    return f"^{allowed}$" if allow_empty else f"^{allowed}[^{refused}{BLANK_CHARS}]{allowed}$"


# Request bodies and socket payloads are flat objects with a list or two: nothing legitimate
# comes close, and deeper input only costs stack (at ~1,000 levels the decoder itself fails).
MAX_JSON_DEPTH = 32
# A \uD800-\uDFFF escape that is not half of a pair decodes to a lone surrogate: not text, and
# it cannot be encoded as UTF-8 (the database and every response would fail on it).
_SURROGATE = re.compile(r"[\ud800-\udfff]")


# Single-line text (names, topics, purposes, emoji, file names) is shown inline beside other
# text, where characters that are invisible or change the direction of what follows can only
# disguise: "exe.\u202etxt.exe" shows as "exe.exe.txt", "admin\u200b" looks like "admin". Refused:
# every Unicode format character (Cf: the bidi embeddings, overrides, isolates and marks
# U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C; zero-width space U+200B, word joiner and
# invisible operators U+2060-2064, U+FEFF, U+180E, the soft hyphen U+00AD, the tag characters
# and the rest), the line and paragraph separators U+2028/U+2029 and the Hangul fillers that
# render as blank letters. Two exceptions, because real text needs them and neither can reorder
# anything: the zero-width (non-)joiners U+200C/U+200D between two visible characters (emoji
# sequences such as 👩‍💻, Persian and Indic words), and tag characters that spell out a flag
# after U+1F3F4 (🏴 of Scotland).
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
_JOINERS = frozenset("\u200c\u200d")
# A subdivision flag: U+1F3F4, its code in tag letters and digits, the cancel tag.
_FLAG_TAGS = re.compile("\U0001f3f4([\U000e0030-\U000e0039\U000e0061-\U000e007a]{1,6}\U000e007f)")


def _visible(ch: str) -> bool:
    return unicodedata.category(ch)[0] not in "ZC" and ch not in _FILLERS


def hidden_characters(value: str) -> list[int]:
    """Positions of the characters single-line text may not contain (see above)."""
    if value.isascii():
        return []
    flags = {i for m in _FLAG_TAGS.finditer(value) for i in range(m.start(1), m.end(1))}
    found = []
    for i, ch in enumerate(value):
        if ch in _JOINERS:
            if not (0 < i < len(value) - 1 and _visible(value[i - 1]) and _visible(value[i + 1])):
                found.append(i)
        elif (unicodedata.category(ch) in ("Cf", "Zl", "Zp") or ch in _FILLERS) and i not in flags:
            found.append(i)
    return found


def strip_hidden(value: str) -> str:
    """``value`` without the characters single-line text may not contain (for file names,
    which are neutralised rather than refused: an upload should not fail over its name)."""
    positions = set(hidden_characters(value))
    return "".join(ch for i, ch in enumerate(value) if i not in positions) if positions else value


def check_text(value: Any, field: str, *, max_length: int, allow_empty: bool = False,
               multiline: bool = False) -> str:
    """``value`` as NFC without surrounding space, or Invalid (with ``field``). Multi-line text
    (message bodies) may hold tabs and line breaks; single-line text may not, nor hidden or
    direction-changing characters (above)."""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string", field=field)
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    if pattern.search(value):
        raise Invalid(f"{field} contains control characters", field=field)
    value = unicodedata.normalize("NFC", value).strip()
    if not multiline:
        hidden = hidden_characters(value)
        if hidden:
            raise Invalid(f"{field} contains an invisible or text-direction character "
                          f"(U+{ord(value[hidden[0]]):04X})", field=field)
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
