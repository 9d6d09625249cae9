"""The typed request models (chat/core/requests.py), in process: they refuse exactly what the
services' own checks refuse, with the same code, message and field, in the order the doors
always checked; and the JSON Schema the API document is generated from says the same."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chat.core import limits
from chat.core.errors import ChatError
from chat.core.requests import (
    ChangePassword,
    CreateChannel,
    EditMessage,
    EventsQuery,
    FilesQuery,
    HistoryQuery,
    MembersQuery,
    OpenDirect,
    React,
    ReadEvent,
    SendMessage,
    SendMessageEvent,
    SignIn,
    SignUp,
    SyncEvent,
    TypingEvent,
    UpdateChannel,
    json_schema,
    parse,
)
from chat.core.validation import CHANNEL_NAME_INPUT_PATTERN, check_channel_name, check_emoji, check_text, text_pattern

# Characters that exercise every text rule: spaces stripped or kept, controls, hidden and
# direction characters, joiners, letters that NFC composes, an emoji beyond the BMP.
TRICKY = st.text(st.sampled_from(list(" \t\n\xa0\u3000\u2028\u200b\u202e\u200d\x01\x7f-_aZé\u0301👍1")), max_size=12)


def error_of(model: type, data: dict[str, Any]) -> tuple[str, str, str | None] | None:
    try:
        parse(model, data)
    except ChatError as err:
        return err.code, err.message, err.field
    return None


def refusal(check: Any, *args: Any, **kwargs: Any) -> tuple[str, str, str | None] | None:
    """What a check function of core/validation.py answers: its error, or None."""
    try:
        check(*args, **kwargs)
    except ChatError as err:
        return err.code, err.message, err.field
    return None


@pytest.mark.parametrize(("model", "field"), [
    (SendMessage, "body"), (EditMessage, "body"), (React, "emoji"), (OpenDirect, "user_ids"),
    (CreateChannel, "name"), (SignUp, "email"), (SignIn, "email"), (SyncEvent, "since"), (ReadEvent, "channel_id"),
])
def test_a_missing_field_answers_as_null_does(model: type, field: str) -> None:
    base = {"channel_id": 1, "message_id": 1, "email": "a@example.test", "password": "long enough",
            "display_name": "A", "name": "n", "since": 0, "body": "b", "emoji": "eyes", "user_ids": [1]}
    present = {k: v for k, v in base.items() if k in model.model_fields and k != field}
    missing = error_of(model, present)
    assert missing is not None and missing == error_of(model, {**present, field: None})


def test_fields_are_checked_in_order_with_a_socket_events_ids_first() -> None:
    assert list(SendMessageEvent.model_fields)[:2] == ["channel_id", "file_ids"]
    assert error_of(SendMessageEvent, {"channel_id": True, "body": 5}) == (
        "invalid", "channel_id must be a positive integer", "channel_id")
    assert error_of(SendMessage, {"file_ids": ["a", "a"], "body": 5}) == (
        "invalid", "file_ids lists a file twice", "file_ids")
    # Files first: with them the body may be empty.
    assert parse(SendMessage, {"file_ids": ["a"]}).body == ""
    assert error_of(SendMessage, {}) == ("invalid", "body must be a string", "body")
    assert error_of(SignIn, {"password": "x"}) == ("invalid", "email and password are required", None)
    assert error_of(TypingEvent, {"channel_id": 1, "thread_root_id": 0}) == (
        "invalid", "thread_root_id must be a positive integer", "thread_root_id")


@settings(max_examples=300, deadline=None)
@given(TRICKY)
def test_text_fields_refuse_what_check_text_refuses(text: str) -> None:
    assert error_of(CreateChannel, {"name": "ok", "topic": text}) == refusal(
        check_text, text, "topic", max_length=limits.TOPIC_LENGTH, allow_empty=True)
    assert error_of(CreateChannel, {"name": text}) == refusal(check_channel_name, text)
    assert error_of(React, {"emoji": text}) == refusal(check_emoji, text)


def _schema_of(model: type, field: str) -> dict[str, Any]:
    return json_schema(model)["properties"][field]


@settings(max_examples=500, deadline=None)
@given(TRICKY, st.sampled_from([1, 2, 5]), st.booleans(), st.booleans())
def test_text_patterns_say_what_check_text_takes(text: str, max_length: int, multiline: bool, empty: bool) -> None:
    """Surrounding whitespace is stripped before the length is counted, and the pattern says so.
    Left out, as the document says: NFC normalisation and where a joiner stands."""
    if unicodedata.normalize("NFC", text) != text or "\u200d" in text:
        return
    pattern = re.compile(text_pattern(allow_empty=empty, multiline=multiline, max_length=max_length))
    refused = refusal(check_text, text, "f", max_length=max_length, allow_empty=empty, multiline=multiline)
    assert bool(pattern.fullmatch(text)) == (refused is None)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list(" \xa0\u3000aZ9_- é\u212a")), max_size=limits.NAME_LENGTH + 3))
def test_the_channel_name_pattern_says_what_check_channel_name_takes(text: str) -> None:
    if "\u212a" in text:  # the Kelvin sign lower-cases to k: taken, though the pattern says ASCII
        return
    assert bool(re.fullmatch(CHANNEL_NAME_INPUT_PATTERN, text)) == (refusal(check_channel_name, text) is None)


def test_query_strings_take_ascii_decimal_integers_in_range() -> None:
    assert parse(HistoryQuery, {"before": "12", "limit": "200"}).model_dump() == {
        "before": 12, "after": None, "limit": 200}
    assert error_of(HistoryQuery, {"limit": "201"}) == ("invalid", "limit must be an integer from 1 to 200", "limit")
    assert error_of(HistoryQuery, {"after": "𝟚"}) == (
        "invalid", "after must be an integer written in decimal digits", "after")
    assert error_of(EventsQuery, {"since": str(2**63)}) == (
        "invalid", f"since must be from 0 to {2**63 - 1}", "since")
    assert parse(EventsQuery, {"since": "0"}).since == 0
    assert error_of(FilesQuery, {"kind": "video"}) == ("invalid", "kind must be one of pdf, image, other", "kind")
    assert parse(MembersQuery, {}).include_inactive is False
    assert parse(MembersQuery, {"include_inactive": "true"}).include_inactive is True
    assert error_of(MembersQuery, {"include_inactive": "yes"}) == (
        "invalid", "include_inactive must be one of 0, 1, false, true", "include_inactive")


def test_a_patch_hands_on_unknown_fields_for_the_service_to_refuse_after_its_access_check() -> None:
    changes = parse(UpdateChannel, {"topic": " Q3 ", "colour": "red"}).changes()
    assert changes == {"topic": "Q3", "colour": "red"}
    assert parse(UpdateChannel, {}).changes() == {}
    schema = json_schema(UpdateChannel)
    assert schema["additionalProperties"] is False and schema["minProperties"] == 1


def test_the_current_password_goes_to_the_service_as_sent() -> None:
    """Anything but the right password is 403 wrong_password there, absent or not a string too."""
    assert parse(ChangePassword, {"new_password": "long enough"}).current_password is None
    assert parse(ChangePassword, {"current_password": 5, "new_password": "long enough"}).current_password == 5
    assert json_schema(ChangePassword)["required"] == ["current_password", "new_password"]


def test_the_schemas_carry_the_limits() -> None:
    send = json_schema(SendMessage)
    assert send["properties"]["file_ids"]["maxItems"] == limits.FILES_PER_MESSAGE
    assert f"{{0,{limits.MESSAGE_LENGTH - 2}}}" in send["properties"]["body"]["pattern"]
    assert json_schema(OpenDirect)["properties"]["user_ids"]["maxItems"] == limits.GROUP_SIZE
    assert _schema_of(HistoryQuery, "limit")["maximum"] == limits.HISTORY_PAGE.maximum
    assert _schema_of(HistoryQuery, "limit")["default"] == limits.HISTORY_PAGE.default
    assert _schema_of(SignUp, "password")["maxLength"] == limits.PASSWORD_LENGTH[1]
