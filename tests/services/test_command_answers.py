"""How the immediate answer to a slash command's request is read (services/commands/responses.py):
as Slack reads it. Pure functions, no server: what an empty answer does (nothing) cannot be
shown by waiting for something not to appear."""
from __future__ import annotations

import pytest

from chat.services.commands.responses import AnswerError, parse_answer
from chat.services.integrations.slack_payload import SlackMessage


@pytest.mark.parametrize("body", [b"", b"  \n", b"\r\n"])
def test_an_empty_answer_shows_nothing(body: bytes) -> None:
    assert parse_answer(body, "text/plain") is None
    assert parse_answer(body, "application/json") is None


def test_plain_text_is_shown_to_the_caller_as_mrkdwn() -> None:
    answer = parse_answer(b"Deploying *prod*...", "text/plain; charset=utf-8")
    assert answer is not None and answer.in_channel is False and answer.content is not None
    assert isinstance(answer.content.message, SlackMessage) and answer.content.message.mrkdwn
    assert answer.content.message.text == "Deploying *prod*..."


def test_json_says_where_it_goes() -> None:
    answer = parse_answer(b'{"response_type": "in_channel", "text": "done", "attachments": [{"text": "x"}]}',
                          "application/json")
    assert answer is not None and answer.in_channel and answer.content is not None
    assert len(answer.content.message.attachments) == 1
    ephemeral = parse_answer(b'{"text": "just you"}', "")  # JSON without its content type, as curl sends it
    assert ephemeral is not None and not ephemeral.in_channel
    assert parse_answer(b'{"delete_original": true}', "application/json") == ephemeral.__class__(False, None)


@pytest.mark.parametrize(("body", "code"), [
    (b'{"text": "x", "response_type": "everyone"}', "invalid_payload"),
    (b'{"blocks": [{"type": "section"}]}', "invalid_blocks"),
    (b"{}", "no_text"),
    (b"[1, 2]", "invalid_payload"),
    (b'{"text": "' + b"y" * 8001 + b'"}', "msg_too_long"),
])
def test_a_message_slack_would_refuse_is_an_error_with_slacks_name(body: bytes, code: str) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_answer(body, "application/json")
    assert caught.value.code == code


def test_text_that_only_looks_like_json_is_text() -> None:
    answer = parse_answer(b"{not json at all", "text/plain")
    assert answer is not None and answer.content is not None
    assert answer.content.message.text == "{not json at all"
