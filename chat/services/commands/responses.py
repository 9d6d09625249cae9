"""A custom slash command's answers: the immediate one (the body its request was answered with)
and the later ones, POSTed to the run's ``response_url``, as Slack takes them.

An answer is Slack's message: ``text`` (mrkdwn), ``blocks``, ``attachments`` and
``response_type``: ``ephemeral`` (the default) is shown to the caller alone, where they ran the
command; ``in_channel`` is posted in the conversation through ``send_message`` by the command's
bot, after the command as the caller typed it, posted once as theirs (as Slack shows it). An
immediate answer may also be plain text (shown to the caller) or empty (nothing is shown).
``replace_original``, ``delete_original`` and ``thread_ts`` are read and ignored: an answer is
always a new message, where the command was run. In a direct conversation an ``in_channel``
answer is shown to the caller alone: the command's bot may not join a conversation whose
members are exactly its people.

The ``response_url`` is ``/hooks/commands/<secret>``: the secret (only its SHA-256 digest is
kept) is the only credential. It takes RESPONSE_URL_USES answers within RESPONSE_URL_MINUTES,
then answers ``used_url`` or ``expired_url``; an unknown secret is ``no_service``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from chat.core import limits
from chat.core.actor import Actor
from chat.core.concurrency import lock_row
from chat.core.errors import Forbidden, NotFound
from chat.core.transactions import atomic
from chat.extensions import db
from chat.models import Channel, CommandInvocation, SlashCommand, User
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services import channels, messages
from chat.services.access import access_channels
from chat.services.integrations.slack_payload import SlackPayloadError
from chat.services.messages import MessageContent, ephemeral
from chat.services.payloads import author_payload

# The fields of an answer read besides the message's own; the rest are ignored.
RESPONSE_TYPES = ("ephemeral", "in_channel")
IGNORED = ("replace_original", "delete_original", "thread_ts", "unfurl_links", "unfurl_media", "metadata")


class NoService(NotFound):
    """No run has this response_url."""

    code = "no_service"


class ExpiredUrl(NotFound):
    code = "expired_url"


class UsedUrl(NotFound):
    code = "used_url"


class ActionProhibited(Forbidden):
    """The caller may no longer post where they ran the command (an in_channel answer)."""

    code = "action_prohibited"


AnswerError = SlackPayloadError


@dataclass(frozen=True)
class Answer:
    """A checked answer: where it goes and what it shows (None: nothing, such as a lone
    ``delete_original``)."""

    in_channel: bool
    content: MessageContent | None


def parse_answer(body: bytes, content_type: str) -> Answer | None:
    """The immediate answer to a command's request: JSON (Slack's message), plain text, or
    nothing (None). ``AnswerError`` with Slack's error name for a message Slack would refuse."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None
    mimetype = content_type.split(";", 1)[0].strip().lower()
    if mimetype == "application/json" or text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return check_answer(data)
        if mimetype == "application/json":
            raise AnswerError("the answer is not a JSON object")
    return check_answer({"text": text, "mrkdwn": True})


def check_answer(data: Any) -> Answer:
    """Slack's message with its ``response_type``, checked (``SlackPayloadError``)."""
    if not isinstance(data, dict):
        raise AnswerError("the answer must be a JSON object")
    response_type = data.get("response_type", "ephemeral")
    if response_type not in RESPONSE_TYPES:
        raise AnswerError("response_type is ephemeral or in_channel", field="response_type")
    message = {k: v for k, v in data.items() if k in ("text", "blocks", "attachments", "mrkdwn")}
    if not any(message.get(k) for k in ("text", "blocks", "attachments")) and any(data.get(k) for k in IGNORED):
        return Answer(response_type == "in_channel", None)  # e.g. delete_original alone: nothing to show
    return Answer(response_type == "in_channel", MessageContent.slack(message))


def _bot(run: CommandInvocation) -> User | None:
    """The command's bot account (None once the command is deleted)."""
    if run.command_id is None:
        return None
    bot_user_id = db.session.scalar(select(SlashCommand.bot_user_id).where(SlashCommand.id == run.command_id))
    return db.session.get(User, bot_user_id) if bot_user_id is not None else None


def show_answer(run: CommandInvocation, answer: Answer) -> dict[str, Any] | None:
    """Inside the caller's transaction: show the answer to the caller, or post it in the
    conversation. Returns the ephemeral or stored message's payload (None: nothing to show)."""
    if answer.content is None:
        return None
    bot = _bot(run)
    # A deleted command's late answers are notes to the caller; so are in_channel answers in a
    # direct conversation, whose members are exactly its people (the bot may not join it).
    direct = db.session.get_one(Channel, run.channel_id).kind.is_direct
    if not answer.in_channel or bot is None or direct:
        author = author_payload(bot.id, bot.username, bot.display_name, bot.kind) if bot is not None else None
        return ephemeral.show(run.user_id, run.workspace_id, run.channel_id, author=author, content=answer.content,
                              thread_root_id=run.thread_root_id)
    caller = db.session.get(User, run.user_id)
    standing = access_channels({(run.user_id, run.channel_id)}).get((run.user_id, run.channel_id))
    if caller is None or standing is None or not rules.can_post_in_channel.allows(standing.standing):
        raise ActionProhibited("the command's answer cannot be posted there any more")
    # The command's bot posts where the command was run (it has no token: this lets it read nothing).
    channels.enroll(run.channel_id, bot.id, can_post=True)
    if not run.echoed:
        run.echoed = True
        messages.send_message(Actor.job(caller), run.channel_id, f"/{run.command} {run.text}".strip(),
                              thread_root_id=run.thread_root_id)
    payload, _ = messages.send_message(Actor.job(bot), run.channel_id, None, content=answer.content,
                                       thread_root_id=run.thread_root_id)
    return payload


def tell_failure(run: CommandInvocation, note: str) -> None:
    """Show the caller what went wrong, where they ran the command (if they still may read it)."""
    standing = access_channels({(run.user_id, run.channel_id)}).get((run.user_id, run.channel_id))
    if standing is None:
        return
    ephemeral.show(run.user_id, run.workspace_id, run.channel_id, author=None, body=note,
                   thread_root_id=run.thread_root_id)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def find_run(secret: str) -> CommandInvocation:
    """The run of this response_url (digest lookup, compared in constant time), else NoService."""
    wanted = digest(secret)
    run = db.session.scalar(select(CommandInvocation).where(CommandInvocation.response_digest == wanted))
    if run is None or not hmac.compare_digest(run.response_digest, wanted):
        raise NoService("no such response_url")
    return run


def respond(secret: str, data: Any) -> None:
    """A later answer POSTed to a run's response_url: checked, then shown or posted, counted
    against the URL's RESPONSE_URL_USES. Refusals (nothing is counted): ``no_service``,
    ``expired_url``, ``used_url``, Slack's payload errors, ``action_prohibited``."""
    run = find_run(secret)
    _usable(run)
    answer = check_answer(data)
    with atomic():
        lock_row(CommandInvocation, run.id)
        db.session.refresh(run)
        _usable(run)
        show_answer(run, answer)
        run.responses += 1


def _usable(run: CommandInvocation) -> None:
    if run.expires_at <= utcnow():
        raise ExpiredUrl(f"a response_url works for {limits.RESPONSE_URL_MINUTES} minutes")
    if run.responses >= limits.RESPONSE_URL_USES:
        raise UsedUrl(f"a response_url takes {limits.RESPONSE_URL_USES} answers")

