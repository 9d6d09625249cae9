"""Slack-style string ids for our integer ids, for the Slack-compatible doors (the Web API,
incoming webhooks, the Events API).

An id is a one-letter prefix naming the kind of thing, then the integer in base 36 (digits and
upper-case letters), zero-padded to at least 8 characters so it looks like Slack's
(``U0000002S`` is user 100). Every integer has exactly one spelling: parsing refuses lower
case, another padding, a wrong prefix, zero and anything past our largest id, so an id that
parses always prints back the same (``encode(kind, parse(...))`` is the text that was parsed)
and two spellings of one row can never be told apart by a cache or a client.

The ids are not secret and not obfuscated: they carry the same integer the REST API shows.

=========  ======  =================================================
prefix     kind    what
=========  ======  =================================================
``U``      user    a person (and a bot's user account)
``B``      bot     a bot or an incoming webhook, as ``bot_id``
``C``      channel a public or private channel
``D``      dm      a direct conversation of two
``G``      group   a group conversation (multi-person DM)
``T``      team    a workspace
``A``      app     a bot, as the Slack app it stands for (``api_app_id`` of its Events API envelopes and
                   of the slash commands that answer as it); a command with no bot, by its own id
=========  ======  =================================================
"""
from __future__ import annotations

import re
from enum import Enum

from chat.core import limits
from chat.core.errors import Invalid

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WIDTH = 8  # Slack's ids are 9 to 11 characters; ours are 9 until 36**8 (2.8e12)
_MAX_WIDTH = 13  # 2**63-1 in base 36
_SHAPE = re.compile(f"[ABCDGTU][0-9A-Z]{{{_WIDTH},{_MAX_WIDTH}}}")


class SlackIdKind(str, Enum):
    """The kind of thing an id names: its value is the id's prefix."""

    user = "U"
    bot = "B"
    channel = "C"
    dm = "D"
    group = "G"
    team = "T"
    app = "A"


# Conversations, as conversations.* methods take them: any of these prefixes names a channel row.
CONVERSATION_KINDS = (SlackIdKind.channel, SlackIdKind.dm, SlackIdKind.group)


class MalformedSlackId(Invalid):
    """Not an id of the expected kind: the Slack doors answer it as their ``*_not_found``
    error (Slack answers a malformed id as an unknown one), never as a hint of what exists."""

    code = "malformed_slack_id"


def encode(kind: SlackIdKind, value: int) -> str:
    """The Slack id of row ``value`` of ``kind`` (ValueError for anything but an id)."""
    check: object = value  # callers may pass anything at run time
    if isinstance(check, bool) or not isinstance(check, int) or not 0 < value <= limits.MAX_ID:
        raise ValueError(f"not an id: {value!r}")
    digits = []
    while value:
        value, rest = divmod(value, 36)
        digits.append(_DIGITS[rest])
    return kind.value + "".join(reversed(digits)).rjust(_WIDTH, "0")


def parse(text: object, *kinds: SlackIdKind) -> tuple[SlackIdKind, int] | None:
    """``(kind, integer id)`` of ``text`` if it is the canonical spelling of an id of one of
    ``kinds`` (any kind when none are given), else None."""
    if not isinstance(text, str) or not _SHAPE.fullmatch(text):
        return None
    kind = SlackIdKind(text[0])
    if kinds and kind not in kinds:
        return None
    value = int(text[1:], 36)
    if not 0 < value <= limits.MAX_ID or encode(kind, value) != text:
        return None  # zero, too large, or padded differently from how we print it
    return kind, value


def parse_id(text: object, kind: SlackIdKind) -> int | None:
    """The integer id of ``text`` if it is an id of ``kind``, else None."""
    parsed = parse(text, kind)
    return parsed[1] if parsed else None


def decode(text: object, *kinds: SlackIdKind, field: str = "id") -> tuple[SlackIdKind, int]:
    """As ``parse``, raising MalformedSlackId (with ``field``) instead of returning None."""
    parsed = parse(text, *kinds)
    if parsed is None:
        expected = "/".join(k.value for k in kinds) if kinds else "U/B/C/D/G/T/A"
        raise MalformedSlackId(f"{field} must be a {expected} id", field=field)
    return parsed


def user_id(value: int) -> str:
    return encode(SlackIdKind.user, value)


def bot_id(value: int) -> str:
    return encode(SlackIdKind.bot, value)


def channel_id(value: int) -> str:
    return encode(SlackIdKind.channel, value)


def team_id(value: int) -> str:
    return encode(SlackIdKind.team, value)


def app_id(value: int) -> str:
    return encode(SlackIdKind.app, value)
