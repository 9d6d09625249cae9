"""Slack-style ids: every integer id has one spelling, which reads back to it; anything else
(another kind, lower case, other padding, zero, too large, junk) reads as nothing."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.core import limits
from chat.services.integrations import slack_ids
from chat.services.integrations.slack_ids import MalformedSlackId, SlackIdKind


@given(st.sampled_from(list(SlackIdKind)), st.integers(1, limits.MAX_ID))
def test_every_id_round_trips(kind: SlackIdKind, value: int) -> None:
    text = slack_ids.encode(kind, value)
    assert text[0] == kind.value and text.isalnum() and text == text.upper() and 9 <= len(text) <= 14
    assert slack_ids.parse(text) == (kind, value)
    assert slack_ids.parse_id(text, kind) == value


def test_the_shapes() -> None:
    assert slack_ids.user_id(100) == "U0000002S"
    assert slack_ids.channel_id(1) == "C00000001"
    assert slack_ids.bot_id(36) == "B00000010"
    assert slack_ids.team_id(limits.MAX_ID) == "T1Y2P0IJ32E8E7"


@pytest.mark.parametrize("text", [
    "u0000002S", "U0000002s", "U00000002S", "U000002S", "U00000000", "X0000002S", "U0000002S ", " U0000002S",
    "U-000002S", "U1Y2P0IJ32E8E8", "U" + "Z" * 13, "", "U", 100, None, ["U0000002S"], "U0000002\u0405",
])
def test_malformed_ids_parse_as_nothing(text: object) -> None:
    assert slack_ids.parse(text) is None
    with pytest.raises(MalformedSlackId) as raised:
        slack_ids.decode(text, field="user")
    assert raised.value.code == "malformed_slack_id" and raised.value.field == "user"


def test_the_kind_must_be_one_asked_for() -> None:
    assert slack_ids.parse_id("C0000002S", SlackIdKind.user) is None
    assert slack_ids.parse("D0000002S", *slack_ids.CONVERSATION_KINDS) == (SlackIdKind.dm, 100)
    assert slack_ids.parse("U0000002S", *slack_ids.CONVERSATION_KINDS) is None


@pytest.mark.parametrize("value", [0, -1, limits.MAX_ID + 1, True, "5", 1.0])
def test_only_ids_encode(value: object) -> None:
    with pytest.raises(ValueError, match="not an id"):
        slack_ids.encode(SlackIdKind.user, value)  # type: ignore[arg-type]
