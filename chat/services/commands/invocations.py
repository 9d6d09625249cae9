"""Running a slash command: ``/name text`` typed in a conversation.

``run_command`` checks the command, the text and that the caller may post in the conversation,
then runs a built-in in the server (``builtins``) or sends a custom command's request: Slack's
slash-command form (``token``, ``team_id``, ``team_domain``, ``channel_id``, ``channel_name``,
``user_id``, ``user_name``, ``command``, ``text``, ``api_app_id``, ``response_url``,
``trigger_id``...), signed with Slack's v0 scheme, as a delivery of kind ``slash_command``
(services/integrations/deliveries.py): queued in the transaction that records the run, sent by
a background job within ANSWER_SECONDS (3 s, Slack's limit), never retried (the person
is waiting; a late answer is no answer). Nothing here waits for it: the chat goes on.

How it ended comes back through ``command_answered`` (the kind's ``on_finished``): an answer
with a message (``responses.parse_answer``) is shown to the caller or posted in the channel
(``responses.show_answer``); a failure shows the caller Slack's "/deploy failed with the error
..." note. Later answers come through the run's ``response_url`` (``responses.respond``).
An unknown command shows the caller Slack's "/xyz is not a valid command" note.
"""
from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import delete, select

from chat.core import limits
from chat.core.actor import Actor
from chat.core.errors import ChatError
from chat.core.transactions import atomic
from chat.core.validation import check_command_name, check_optional_id, check_text
from chat.extensions import db
from chat.models import (
    Channel,
    ChannelKind,
    CommandInvocation,
    DeliveryAttempt,
    DeliveryStatus,
    SlashCommand,
    Workspace,
)
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services import integrations
from chat.services.access import ChannelAccess, access_channel
from chat.services.commands import commands, responses
from chat.services.commands.builtins import BUILTINS, Context, Ran
from chat.services.integrations import slack_ids
from chat.services.messages import ephemeral

SLASH_COMMAND_KIND = "slash_command"
ANSWER_SECONDS = 3.0  # Slack's limit for a command's answer, whatever OUTBOUND_TIMEOUT_SECONDS allows others
PRUNE_JOB = "housekeeping.prune-command-runs"
RESPONSE_PATH = "/hooks/commands/"
SECRET_BYTES = 32
# Kept a day past their response_url's end, so a late answer is told "expired_url", not "no_service".
KEEP_AFTER_EXPIRY = timedelta(days=1)

# Slack's words for why a command failed (the delivery's last attempt's reason).
FAILURES = {"http_timeout": "operation_timeout", "connection_failed": "dispatch_failed",
            "refused_address": "dispatch_failed", "invalid_url": "dispatch_failed", "ssl_error": "dispatch_failed",
            "too_many_redirects": "dispatch_failed", "response_too_large": "http_service_error"}


def check_text_of(value: Any) -> str:
    """What follows the command's name: up to COMMAND_TEXT_LENGTH, lines allowed."""
    return check_text("" if value is None else value, "text", max_length=limits.COMMAND_TEXT_LENGTH,
                      allow_empty=True, multiline=True)


def run_command(actor: Actor, channel_id: int, command: Any, text: Any = "", *, thread_root_id: Any = None,
                base_url: str) -> Ran:
    """Run ``command`` (``/deploy``) with ``text`` in a conversation the actor may post in
    (and in a thread of it, with ``thread_root_id``). ``base_url``: where this server is
    reached, for a custom command's ``response_url``. The channel's refusals are the send
    path's (NotFound, ``not_in_channel``, ``channel_archived``, ``broadcast_only``); a
    built-in's, its service's."""
    name = check_command_name(command, "command")
    text = check_text_of(text)
    thread_root_id = check_optional_id(thread_root_id, "thread_root_id")
    access = access_channel(actor.id, channel_id)
    rules.can_post_in_channel.check(access.standing)
    root = ephemeral.check_thread(channel_id, thread_root_id)
    workspace_id = access.channel.workspace_id
    builtin = BUILTINS.get(name)
    if builtin is not None:
        return builtin.run(Context(actor, access, text, root, lambda: commands.listed(workspace_id)))
    custom = commands.find_command(workspace_id, name)
    if custom is None:
        return Ran(ephemeral=ephemeral.show(
            actor.id, workspace_id, channel_id, author=None, thread_root_id=root,
            body=f"`/{name}` is not a valid command. All messages that start with `/` are commands: to send "
                 "text that starts with a slash, begin it with `//` (or a space). `/help` lists the commands."))
    _request(actor, access, custom, text, root, base_url)
    return Ran(status="sent")


def _request(actor: Actor, access: ChannelAccess, command: SlashCommand, text: str, root: int | None,
             base_url: str) -> None:
    """Record the run and queue its signed request, in one transaction."""
    channel = access.channel
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = utcnow()
    with atomic():
        run = CommandInvocation(workspace_id=channel.workspace_id, command_id=command.id, command=command.name,
                                user_id=actor.id, channel_id=channel.id, thread_root_id=root, text=text,
                                response_digest=responses.digest(secret), created_at=now,
                                expires_at=now + timedelta(minutes=limits.RESPONSE_URL_MINUTES))
        db.session.add(run)
        db.session.flush()
        form = {
            "token": command.token,
            "team_id": slack_ids.team_id(channel.workspace_id),
            "team_domain": team_domain(db.session.get_one(Workspace, channel.workspace_id).name),
            "channel_id": slack_ids.encode(_CONVERSATION_KINDS.get(channel.kind, slack_ids.SlackIdKind.channel),
                                           channel.id),
            "channel_name": _channel_name(channel),
            "user_id": slack_ids.user_id(actor.id),
            "user_name": actor.username,
            "command": f"/{command.name}",
            "text": text,
            "api_app_id": slack_ids.app_id(command.app_bot_id or command.id),
            "is_enterprise_install": "false",
            "response_url": f"{base_url.rstrip('/')}{RESPONSE_PATH}{secret}",
            "trigger_id": f"{run.id}.{int(time.time())}.{secrets.token_hex(16)}",
        }
        delivery = integrations.enqueue_delivery(
            workspace_id=channel.workspace_id, kind=SLASH_COMMAND_KIND, integration_id=command.id,
            event=f"/{command.name}", url=command.url, body=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        run.delivery_id = delivery.id


_CONVERSATION_KINDS = {ChannelKind.dm: slack_ids.SlackIdKind.dm, ChannelKind.group: slack_ids.SlackIdKind.group}


def team_domain(name: str) -> str:
    """A workspace's name as Slack's ``team_domain`` (lower case, dashes), as the Web API's
    ``team.info`` spells it (api/slack/shapes.py ``domain``: a door, which services do not import)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "team"


def _channel_name(channel: Channel) -> str:
    """Slack's ``channel_name``: the name, or ``directmessage`` / ``privategroup`` for
    conversations without one."""
    if channel.kind == ChannelKind.dm:
        return "directmessage"
    if channel.kind == ChannelKind.group:
        return "privategroup"
    return channel.name or ""


# --- how it ended ---------------------------------------------------------------------------------

def command_answered(outcome: integrations.Outcome) -> None:
    """The ``slash_command`` kind's ``on_finished``: show or post the integration's answer, or
    tell the caller it failed. A replayed delivery (from the log) belongs to no run: ignored."""
    run = db.session.scalar(select(CommandInvocation).where(CommandInvocation.delivery_id == outcome.delivery_id))
    if run is None:
        return
    if outcome.status == DeliveryStatus.delivered and outcome.answer is not None:
        try:
            answer = responses.parse_answer(outcome.answer.body, outcome.answer.headers.get("content-type", ""))
        except responses.AnswerError as err:
            responses.tell_failure(run, f"/{run.command} answered with a message that cannot be shown ({err.code}: "
                                        f"{err.message})")
            return
        if answer is not None:
            try:
                with atomic():
                    responses.show_answer(run, answer)
            except ChatError as err:
                db.session.rollback()
                responses.tell_failure(run, f"/{run.command}'s answer could not be posted: {err.message}")
        return
    responses.tell_failure(run, f'/{run.command} failed with the error "{_failure(outcome)}"')


def _failure(outcome: integrations.Outcome) -> str:
    """Slack's name for why: ``operation_timeout``, ``dispatch_failed``, ``http_service_error``..."""
    row = db.session.execute(select(DeliveryAttempt.reason, DeliveryAttempt.status_code)
                             .where(DeliveryAttempt.delivery_id == outcome.delivery_id)
                             .order_by(DeliveryAttempt.number.desc()).limit(1)).first()
    reason, status = (row[0], row[1]) if row else (None, None)
    if reason == "http_error" and status is not None:
        return "http_client_error" if 400 <= status < 500 else "http_service_error"
    return FAILURES.get(reason or "", "dispatch_failed")


def signer() -> integrations.Signer:
    """Slack's v0 signature with the command's secret (its app bot's, or its own), read at
    each attempt."""
    return integrations.slack_v0_signer(commands.signing_secret_of)


def prune() -> int:
    """Forget runs whose response_url ended more than a day ago. Returns how many."""
    with atomic():
        result = db.session.execute(delete(CommandInvocation).where(
            CommandInvocation.expires_at < utcnow() - KEEP_AFTER_EXPIRY))
    return int(getattr(result, "rowcount", 0) or 0)
