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
