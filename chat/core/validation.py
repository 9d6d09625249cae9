"""check_* helpers: validate plain input values and raise Invalid with a clear message; the
strict JSON parser. Each rule is written once, here: the typed request models of the doors
(core/requests.py) and the services call the same functions, and the limits come from
core/limits.py."""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from chat.core import limits
from chat.core.errors import Invalid

# C0/C1 controls except tab, newline and carriage return, which multi-line messages need.
CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
SINGLE_LINE_CONTROL_CHARS = r"\x00-\x1f\x7f-\x9f"
# Controls, plus every character str.strip() removes: text must have something else.
UNICODE_SPACE_CHARS = r"\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
BLANK_CHARS = r"\x00-\x20\x7f-\xa0" + UNICODE_SPACE_CHARS
_CONTROL = re.compile(f"[{CONTROL_CHARS}]")
_CONTROL_SINGLE_LINE = re.compile(f"[{SINGLE_LINE_CONTROL_CHARS}]")


@cache
def _hidden_bmp_chars() -> str:
    """The single-line refusals below as a character class body, for the characters of the
    Basic Multilingual Plane (what a regular expression without Unicode mode can name), less
    the joiners, which are allowed between visible characters. Made once (a walk over 65,536
    characters, ~11 ms): every single-line field's schema pattern asks for it at import."""
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


def text_pattern(*, allow_empty: bool = False, multiline: bool = False, max_length: int | None = None) -> str:
    """check_text's character rules as one regular expression (ECMA-262 and Python alike), for
    the OpenAPI document: no control characters (single-line: nor the hidden characters of the
    Basic Multilingual Plane, see below), and unless empty text is allowed, something besides
    whitespace.

    With ``max_length``, the length too, counted as check_text counts it: once the whitespace
    around the text is stripped (so " name " is as long as "name"), which a schema's maxLength
    cannot say. NFC normalisation, which rarely changes a length, is left out."""
    refused = CONTROL_CHARS if multiline else SINGLE_LINE_CONTROL_CHARS + _hidden_bmp_chars()
    allowed, visible = f"[^{refused}]", f"[^{refused}{BLANK_CHARS}]"
    if max_length is None:
        return f"^{allowed}*$" if allow_empty else f"^{allowed}*{visible}{allowed}*$"
    # The characters str.strip() removes that check_text lets through.
    line_breaks = r"\t\n\r" if multiline else ""
    around = f"[{line_breaks} \\xa0{UNICODE_SPACE_CHARS}]"
    core = visible if max_length == 1 else f"{visible}(?:{allowed}{{0,{max_length - 2}}}{visible})?"
    return f"^{around}*{f'(?:{core})?' if allow_empty else core}{around}*$"


# Request bodies and socket payloads are flat objects with a list or two: nothing legitimate
# comes close, and deeper input only costs stack (at ~1,000 levels the decoder itself fails).
MAX_JSON_DEPTH = limits.JSON_DEPTH
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


def check_changes(changes: dict[str, Any], allowed: Sequence[str]) -> None:
    """A PATCH's changes: one or more, each of ``allowed``; else Invalid naming the first
    unknown field."""
    unknown = set(changes) - set(allowed)
    if unknown or not changes:
        raise Invalid(f"give one or more of {', '.join(allowed)}", field=sorted(unknown)[0] if unknown else None)


def check_id(value: Any, field: str) -> int:
    # bool is an int subclass; "true" is never a valid id.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= limits.MAX_ID:
        raise Invalid(f"{field} must be a positive integer", field=field)
    return value


def check_optional_id(value: Any, field: str) -> int | None:
    return None if value is None else check_id(value, field)


def check_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"{field} must be true or false", field=field)
    return value


def check_limit(value: Any, page: limits.Page = limits.HISTORY_PAGE) -> int:
    """A page size: ``page.default`` when absent, else an integer from 1 to ``page.maximum``."""
    if value is None:
        return page.default
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= page.maximum:
        raise Invalid(f"limit must be an integer from 1 to {page.maximum}", field="limit")
    return value


def check_cursor(value: Any, field: str = "since") -> int:
    """An event id to resume after: 0 (before the first event) to 2^63-1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limits.MAX_ID:
        raise Invalid(f"{field} must be an event id: an integer from 0 to 2^63-1", field=field)
    return value


def check_one_of(value: Any, field: str, choices: Iterable[str]) -> str:
    """One of ``choices`` (role names, file kinds, query flags), spelled exactly."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise Invalid(f"{field} must be one of {', '.join(choices)}", field=field)
    return value


CLIENT_MSG_ID_PATTERN = f"^[A-Za-z0-9_.:-]{{1,{limits.CLIENT_MSG_ID_LENGTH}}}$"
_CLIENT_ID = re.compile(CLIENT_MSG_ID_PATTERN)


def check_client_msg_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _CLIENT_ID.match(value):
        raise Invalid(f"client_msg_id must be 1-{limits.CLIENT_MSG_ID_LENGTH} letters, digits or _.:-",
                      field="client_msg_id")
    return value


def check_message_body(value: Any, *, allow_empty: bool = False) -> str:
    if value is None and allow_empty:
        return ""
    return check_text(value, "body", max_length=limits.MESSAGE_LENGTH, multiline=True, allow_empty=allow_empty)


def check_id_list(value: Any, field: str) -> list[int]:
    """A non-empty JSON list of ids (the people of a direct conversation)."""
    if not isinstance(value, list) or not value:
        raise Invalid(f"{field} must be a non-empty list of user ids", field=field)
    return [check_id(v, field) for v in value]


# --- accounts -----------------------------------------------------------------------------------

EMAIL_PATTERN = r"^[^@\s\x00-\x1f\x7f-\x9f]+@[^@\s\x00-\x1f\x7f-\x9f]+\.[^@\s\x00-\x1f\x7f-\x9f]+$"
_EMAIL = re.compile(EMAIL_PATTERN)
_USERNAME = re.compile(f"^[a-z0-9][a-z0-9_.-]{{{limits.USERNAME_LENGTH[0] - 1},{limits.USERNAME_LENGTH[1] - 1}}}$")
# What check_username takes before lower-casing it, for the OpenAPI document.
USERNAME_INPUT_PATTERN = _USERNAME.pattern.replace("a-z", "A-Za-z")


def check_email(value: Any, field: str = "email") -> str:
    email = check_text(value, field, max_length=limits.EMAIL_LENGTH).lower()
    if not _EMAIL.match(email):
        raise Invalid(f"{field} is not a valid address", field=field)
    return email


def check_password(value: Any, field: str = "password") -> str:
    shortest, longest = limits.PASSWORD_LENGTH
    if not isinstance(value, str) or not shortest <= len(value) <= longest:
        raise Invalid(f"{field} must be {shortest} to {longest} characters", field=field)
    return value


def check_username(value: Any, field: str = "username") -> str:
    shortest, longest = limits.USERNAME_LENGTH
    name = check_text(value, field, max_length=longest).lower()
    if not _USERNAME.match(name):
        raise Invalid(f"{field} must be {shortest}-{longest} lower-case letters, digits or _.-", field=field)
    return name


# An absolute http(s) URL in printable ASCII (RFC 3986: other characters are percent-encoded),
# with a host (a name or an IPv4 address: no IPv6 literal, no user:password@) and an optional
# port. check_http_url takes exactly what this admits, so the OpenAPI document says the truth.
HTTP_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9._~%!$&'()*+,;=-]+(?::[0-9]*)?(?:[/?#][!-~]*)?$"
_HTTP_URL = re.compile(HTTP_URL_PATTERN)


def check_http_url(value: Any, field: str) -> str:
    """An absolute http(s) URL as HTTP_URL_PATTERN describes it, at most URL_LENGTH characters."""
    if not isinstance(value, str) or len(value) > limits.URL_LENGTH or not _HTTP_URL.fullmatch(value):
        raise Invalid(f"{field} must be an http:// or https:// URL (printable ASCII, at most "
                      f"{limits.URL_LENGTH} characters)", field=field)
    try:
        host = urlsplit(value).hostname
    except ValueError:  # urlsplit's own refusals; the pattern should leave none
        host = None
    if not host:
        raise Invalid(f"{field} must be an http:// or https:// URL with a host", field=field)
    return value


# --- channels and messages ----------------------------------------------------------------------

def check_http_urls(value: Any, field: str, *, max_items: int) -> list[str]:
    """A non-empty JSON list of http(s) URLs (``check_http_url``), at most ``max_items``,
    repeats dropped."""
    if not isinstance(value, list) or not value or len(value) > max_items:
        raise Invalid(f"{field} must be a list of 1 to {max_items} http(s) URLs", field=field)
    return list(dict.fromkeys(check_http_url(v, field) for v in value))


# One word: no spaces, no control or hidden characters (as given: nothing is stripped).
TRIGGER_WORD_PATTERN = (f"^[^{SINGLE_LINE_CONTROL_CHARS}{BLANK_CHARS}{_hidden_bmp_chars()}]"
                        f"{{1,{limits.TRIGGER_WORD_LENGTH}}}$")
_TRIGGER_WORD = re.compile(TRIGGER_WORD_PATTERN)


def check_trigger_words(value: Any, field: str = "trigger_words") -> list[str]:
    """A JSON list of at most TRIGGER_WORDS single words (an outgoing webhook's), each at most
    TRIGGER_WORD_LENGTH characters with no space, control or hidden character, kept as NFC;
    repeats dropped; may be empty."""
    if not isinstance(value, list) or len(value) > limits.TRIGGER_WORDS:
        raise Invalid(f"{field} must be a list of at most {limits.TRIGGER_WORDS} words", field=field)
    words = []
    for item in value:
        if not isinstance(item, str) or not _TRIGGER_WORD.fullmatch(item) or hidden_characters(item):
            raise Invalid(f"{field}: each trigger word is one word of at most {limits.TRIGGER_WORD_LENGTH} "
                          "characters, without spaces", field=field)
        words.append(check_text(item, field, max_length=limits.TRIGGER_WORD_LENGTH))
    return list(dict.fromkeys(words))


def check_id_set(value: Any, field: str, *, max_items: int) -> list[int]:
    """A JSON list of at most ``max_items`` ids (may be empty), repeats dropped."""
    if not isinstance(value, list) or len(value) > max_items:
        raise Invalid(f"{field} must be a list of at most {max_items} ids", field=field)
    return list(dict.fromkeys(check_id(v, field) for v in value))


CHANNEL_NAME_PATTERN = f"^[a-z0-9][a-z0-9_-]{{0,{limits.NAME_LENGTH - 1}}}$"
_CHANNEL_NAME = re.compile(CHANNEL_NAME_PATTERN)
# What check_channel_name takes, for the OpenAPI document: ASCII letters of either case, digits,
# _, - and spaces (which become -), starting with a letter or digit, NAME_LENGTH at most once
# the spaces around it are stripped.
_SPACES = f"[ \\xa0{UNICODE_SPACE_CHARS}]"
CHANNEL_NAME_INPUT_PATTERN = (f"^{_SPACES}*[A-Za-z0-9](?:[A-Za-z0-9_ -]{{0,{limits.NAME_LENGTH - 2}}}[A-Za-z0-9_-])?"
                              f"{_SPACES}*$")


def check_channel_name(value: Any, field: str = "name") -> str:
    """Lower-cased, spaces become dashes; then letters, digits, - and _."""
    name = check_text(value, field, max_length=limits.NAME_LENGTH).lower().replace(" ", "-")
    if not _CHANNEL_NAME.match(name):
        raise Invalid(f"channel names use lower-case letters, digits, - and _ (at most {limits.NAME_LENGTH})",
                      field=field)
    return name


COMMAND_NAME_PATTERN = f"^/?[A-Za-z0-9][A-Za-z0-9_-]{{0,{limits.COMMAND_NAME_LENGTH - 1}}}$"
_COMMAND_NAME = re.compile(COMMAND_NAME_PATTERN)


def check_command_name(value: Any, field: str = "name") -> str:
    """A slash command's name, with or without its slash (``/deploy``, ``deploy``): letters,
    digits, - and _, starting with a letter or digit, at most COMMAND_NAME_LENGTH. Returned
    lower-cased, without the slash."""
    if not isinstance(value, str) or not _COMMAND_NAME.fullmatch(value):
        raise Invalid(f"a command is a / and up to {limits.COMMAND_NAME_LENGTH} letters, digits, - or _ "
                      "(such as /deploy)", field=field)
    return value.removeprefix("/").lower()


EMOJI_SHORTCODE_PATTERN = f"^[a-z0-9_+-]{{1,{limits.EMOJI_LENGTH}}}$"
_EMOJI_SHORTCODE = re.compile(EMOJI_SHORTCODE_PATTERN)
# check_emoji as one regular expression, for the OpenAPI document: a short name, or text with
# something beyond ASCII and no whitespace or control characters.
EMOJI_PATTERN = (f"^(?:[a-z0-9_+-]+|[^{BLANK_CHARS}]*[^\\x00-\\xa0{UNICODE_SPACE_CHARS}][^{BLANK_CHARS}]*)$")


def check_emoji(value: Any, field: str = "emoji") -> str:
    emoji = check_text(value, field, max_length=limits.EMOJI_LENGTH)
    if any(ch.isspace() for ch in emoji):
        raise Invalid(f"{field} must not contain spaces", field=field)
    if emoji.isascii() and not _EMOJI_SHORTCODE.match(emoji):
        raise Invalid(f"{field} must be an emoji character or a short name like thumbsup", field=field)
    return emoji


FILE_ID_PATTERN = f"^[A-Za-z0-9_-]{{1,{limits.FILE_ID_LENGTH}}}$"


def check_file_ids(value: Any, field: str = "file_ids") -> list[str]:
    """The uploads a message carries ([] when absent): distinct file ids, at most FILES_PER_MESSAGE."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= limits.FILE_ID_LENGTH
                                              for v in value):
        raise Invalid(f"{field} must be a list of file ids", field=field)
    if len(value) > limits.FILES_PER_MESSAGE:
        raise Invalid(f"a message carries at most {limits.FILES_PER_MESSAGE} files", field=field)
    if len(set(value)) != len(value):
        raise Invalid(f"{field} lists a file twice", field=field)
    return value


# --- workspaces ---------------------------------------------------------------------------------

def check_max_file_size(value: Any, ceiling: int, field: str = "max_file_size") -> int | None:
    """None restores the server default; anything else is a byte count up to ``ceiling`` (the
    server's FILE_MAX_BYTES)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= ceiling:
        raise Invalid(f"{field} must be an integer from 1 to {ceiling} bytes, or null", field=field)
    return value


def check_invite_hours(value: Any, field: str = "expires_in_hours") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limits.INVITE_HOURS:
        raise Invalid(f"{field} must be an integer from 1 to {limits.INVITE_HOURS}", field=field)
    return value


# --- query strings ------------------------------------------------------------------------------

# Python's int() also takes "1_000", " 5 ", "+5" and other scripts' digits ("𝟚"); a query
# integer is ASCII digits, with a minus sign only so that a negative value gets the range message.
_QUERY_INT = re.compile(r"-?[0-9]+")


def check_query_int(raw: Any, field: str, *, minimum: int = 1, maximum: int = limits.MAX_ID) -> int | None:
    """An integer query parameter (None when absent), refused when it is empty, not decimal
    digits, or outside minimum..maximum (by default an id: 1 to 2^63-1)."""
    if raw is None:
        return None
    if not isinstance(raw, str) or not _QUERY_INT.fullmatch(raw):
        raise Invalid(f"{field} must be an integer written in decimal digits", field=field)
    # More digits than any bound has are out of range (and int() refuses over 4,300 of them).
    if len(raw) > 20 or not minimum <= int(raw) <= maximum:
        raise Invalid(f"{field} must be from {minimum} to {maximum}", field=field)
    return int(raw)


INTEGRATION_KIND_PATTERN = f"^[a-z0-9][a-z0-9_.-]{{0,{limits.INTEGRATION_KIND_LENGTH - 1}}}$"
_INTEGRATION_KIND = re.compile(INTEGRATION_KIND_PATTERN)


def check_integration_kind(value: Any, field: str = "kind") -> str:
    """An integration kind as deliveries name it (``events_api``, ``outgoing_webhook``, ...):
    lower-case letters, digits and ``_.-``, at most INTEGRATION_KIND_LENGTH."""
    if not isinstance(value, str) or not _INTEGRATION_KIND.fullmatch(value):
        raise Invalid(f"{field} must be 1-{limits.INTEGRATION_KIND_LENGTH} lower-case letters, digits or _.- "
                      "(an integration kind such as events_api)", field=field)
    return value


USER_ID_LIST_PATTERN = "^0*[1-9][0-9]*(,0*[1-9][0-9]*)*$"


def check_user_id_list(raw: Any, field: str = "user_ids") -> list[int] | None:
    """A comma-separated list of user ids (a query parameter), at most PRESENCE_USER_IDS; None if
    absent. Numbers beyond any id name nobody and are left out."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise Invalid(f"{field} must be a comma-separated list of ids", field=field)
    parts = [p for p in raw.split(",") if p.strip()]
    if len(parts) > limits.PRESENCE_USER_IDS:
        raise Invalid(f"at most {limits.PRESENCE_USER_IDS} user ids", field=field)
    ids = []
    for part in parts:
        # ASCII digits only (int() fails on "²", which isdigit() takes), and no 0.
        digits = part.strip().lstrip("0")
        if not (digits.isascii() and digits.isdigit()):
            raise Invalid(f"{field} must be a comma-separated list of ids", field=field)
        if len(digits) <= 19 and int(digits) <= limits.MAX_ID:
            ids.append(int(digits))
    return ids


# --- JSON ---------------------------------------------------------------------------------------

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
