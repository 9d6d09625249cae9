"""Outgoing webhooks (Mattermost's and Slack's): made, listed, changed, given a new token and
deleted by a workspace's admins; and their replies, posted back.

A hook watches channels (``channel_ids``; none: any public channel, then it needs trigger
words) and/or trigger words (the message's first word equals one, ``first_word``, or starts with
one, ``starts_with``; case aside). What a matching message sends to its callback URLs, and how
the send path finds hooks (one query per batch, with the Events API's bots), is
``integrations/outgoing.py`` and ``integrations/listeners.py``; the requests are deliveries of
kind ``outgoing_webhook`` (retries, the log, replay), registered here.

Each hook posts as a bot account of its own (``bots.create_integration_bot``), named and
pictured as the hook, so its replies carry the BOT tag and go through ``send_message`` like
anyone's. It never hears or posts more than the admin who made it may: it hears a channel only
while they may read it, and a reply is posted only where they may post. A 2xx JSON answer with
``text`` (or attachments, blocks, Mattermost's ``props.card``) is posted as the hook in the
message's channel, or in its thread with ``"response_type": "comment"``; Slack's or Mattermost's
format, told apart as for incoming webhooks; ``username`` and ``icon_url``/``icon_emoji`` only
where the workspace allows overrides. An answer that is not JSON, or a reply that cannot be
posted (too long, invalid attachments), fails the delivery (logged, nothing posted).
"""
from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from chat.core import limits, outbound
from chat.core.actor import Actor, Via
from chat.core.concurrency import lock_row
from chat.core.errors import ChatError, Conflict, Invalid, NotFound
from chat.core.transactions import atomic
from chat.core.validation import (
    check_bool,
    check_changes,
    check_http_url,
    check_http_urls,
    check_id_set,
    check_one_of,
    check_text,
    check_trigger_words,
)
from chat.extensions import db
from chat.models import (
    Bot,
    Channel,
    DeliveryStatus,
    HookContentType,
    Message,
    OutgoingWebhook,
    OutgoingWebhookChannel,
    TriggerWhen,
    User,
    Workspace,
)
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services import bots, channels, messages
from chat.services.access import access_admin, access_channel
from chat.services.integrations import listeners, register_kind
from chat.services.integrations.deliveries import Outcome
from chat.services.integrations.outgoing import KIND, read_body
from chat.services.integrations.slack_payload import SlackPayloadError
from chat.services.messages import MessageContent
from chat.services.messages.content import requested_overrides
from chat.services.webhooks.incoming import is_mattermost
from chat.services.webhooks.webhooks import is_poster, owner_may_post

log = logging.getLogger(__name__)

CHANGEABLE = ("name", "description", "icon_url", "channel_ids", "trigger_words", "trigger_when", "callback_urls",
              "content_type", "ignore_bots")
TRIGGER_WHEN = [t.value for t in TriggerWhen]
CONTENT_TYPES = [t.value for t in HookContentType]
TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
TOKEN_LENGTH = 26  # as Mattermost's
# What a reply must carry to be posted (Slack's and Mattermost's message fields).
REPLY_FIELDS = ("text", "attachments", "blocks", "props")


@dataclass(frozen=True)
class OutgoingWebhookView:
    """A hook with the channels it watches, its bot's account (its name) and bot row (its icon)."""

    webhook: OutgoingWebhook
    channel_ids: list[int]
    user: User
    bot: Bot

    @property
    def id(self) -> int:
        return self.webhook.id


def _new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


# --- checks ----------------------------------------------------------------------------------------

def _check_name(value: Any) -> str:
    return check_text(value, "name", max_length=limits.NAME_LENGTH)


def _check_description(value: Any) -> str:
    return check_text(value, "description", max_length=limits.BOT_DESCRIPTION_LENGTH, allow_empty=True)


def _check_icon(value: Any) -> str | None:
    return None if value is None else check_http_url(value, "icon_url")


def _check_urls(value: Any) -> list[str]:
    return check_http_urls(value, "callback_urls", max_items=limits.OUTGOING_WEBHOOK_URLS)


def _check_channels(actor: Actor, workspace_id: int, value: Any) -> list[int]:
    """Channels of the workspace the admin may read (not direct conversations); NotFound for
    any other, another workspace's included."""
    ids = check_id_set(value, "channel_ids", max_items=limits.OUTGOING_WEBHOOK_CHANNELS)
    for channel_id in ids:
        channel = access_channel(actor.id, channel_id).channel
        if channel.workspace_id != workspace_id:
            raise NotFound("channel not found")
        if channel.kind.is_direct:
            raise Invalid("outgoing webhooks watch channels, not direct conversations", field="channel_ids")
    return ids


def _check_watches(channel_ids: list[int], trigger_words: list[str], *, change: bool = False) -> None:
    """A hook for any public channel needs trigger words: Invalid for a new hook, Conflict for
    a change that would leave it with neither channels nor trigger words."""
    if not channel_ids and not trigger_words:
        if change:
            raise Conflict("the hook would watch every message of every public channel: keep channel_ids or "
                           "trigger_words", code="nothing_to_match", field="trigger_words")
        raise Invalid("give channel_ids, trigger_words or both: a hook for any public channel needs trigger words",
                      field="trigger_words")


# --- making and managing ------------------------------------------------------------------------

def create_outgoing_webhook(actor: Actor, workspace_id: int, *, name: Any, callback_urls: Any,
                            channel_ids: Any = None, trigger_words: Any = None,
                            trigger_when: Any = TriggerWhen.first_word.value,
                            content_type: Any = HookContentType.json.value, description: Any = "",
                            icon_url: Any = None, ignore_bots: Any = True) -> OutgoingWebhookView:
    """Admins: a new hook of the workspace, its bot made now, its token made now (shown to the
    workspace's admins, sent with every request)."""
    access_admin(actor.id, workspace_id)
    name, description, icon_url = _check_name(name), _check_description(description), _check_icon(icon_url)
    urls = _check_urls(callback_urls)
    words = check_trigger_words([] if trigger_words is None else trigger_words)
    when = check_one_of(trigger_when, "trigger_when", TRIGGER_WHEN)
    kind = check_one_of(content_type, "content_type", CONTENT_TYPES)
    ignore_bots = check_bool(ignore_bots, "ignore_bots")
    watched = _check_channels(actor, workspace_id, [] if channel_ids is None else channel_ids)
    _check_watches(watched, words)
    with atomic():
        lock_row(Workspace, workspace_id)  # before the bot's events: listeners.refresh locks it too
        view = bots.create_integration_bot(workspace_id, actor.id, name, icon_url=icon_url,
                                           description="outgoing webhook")
        hook = OutgoingWebhook(workspace_id=workspace_id, bot_user_id=view.user.id, created_by=actor.id,
                               description=description, trigger_words=words, trigger_when=when, callback_urls=urls,
                               content_type=kind, ignore_bots=ignore_bots, token=_new_token())
        db.session.add(hook)
        db.session.flush()
        _set_channels(hook, watched)
        listeners.refresh(workspace_id)
        hook_id = hook.id
    return _view(db.session.get_one(OutgoingWebhook, hook_id))


def _set_channels(hook: OutgoingWebhook, channel_ids: list[int]) -> None:
    db.session.execute(delete(OutgoingWebhookChannel).where(OutgoingWebhookChannel.webhook_id == hook.id))
    for channel_id in channel_ids:
        db.session.add(OutgoingWebhookChannel(webhook_id=hook.id, channel_id=channel_id,
                                              workspace_id=hook.workspace_id))
    db.session.flush()


def _views(hooks: list[OutgoingWebhook]) -> list[OutgoingWebhookView]:
    ids = [h.id for h in hooks]
    bot_ids = [h.bot_user_id for h in hooks]
    watched: dict[int, list[int]] = {h.id: [] for h in hooks}
    if ids:
        for webhook_id, channel_id in db.session.execute(
                select(OutgoingWebhookChannel.webhook_id, OutgoingWebhookChannel.channel_id)
                .where(OutgoingWebhookChannel.webhook_id.in_(ids)).order_by(OutgoingWebhookChannel.channel_id)):
            watched[webhook_id].append(channel_id)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(bot_ids)))} if ids else {}
    bot_rows = {b.user_id: b for b in db.session.scalars(select(Bot).where(Bot.user_id.in_(bot_ids)))} if ids else {}
    return [OutgoingWebhookView(h, watched[h.id], users[h.bot_user_id], bot_rows[h.bot_user_id]) for h in hooks]


def _view(hook: OutgoingWebhook) -> OutgoingWebhookView:
    return _views([hook])[0]


def _manageable(actor: Actor, webhook_id: int) -> OutgoingWebhook:
    """The hook if the actor administers its workspace: NotFound for anyone outside it (as for
    no hook at all), Forbidden (``admin_only``) for its other members."""
    hook = db.session.get(OutgoingWebhook, webhook_id)
    if hook is None:
        raise NotFound("outgoing webhook not found")
    try:
        rules.access_membership(actor.id, hook.workspace_id)
    except NotFound:
        raise NotFound("outgoing webhook not found") from None
    access_admin(actor.id, hook.workspace_id)
    return hook


def list_outgoing_webhooks(actor: Actor, workspace_id: int) -> list[OutgoingWebhookView]:
    """Admins: the workspace's outgoing webhooks, oldest first, with their tokens."""
    access_admin(actor.id, workspace_id)
    return _views(list(db.session.scalars(select(OutgoingWebhook).where(OutgoingWebhook.workspace_id == workspace_id)
                                          .order_by(OutgoingWebhook.id))))


def get_outgoing_webhook(actor: Actor, webhook_id: int) -> OutgoingWebhookView:
    return _view(_manageable(actor, webhook_id))


def update_outgoing_webhook(actor: Actor, webhook_id: int, changes: dict[str, Any]) -> OutgoingWebhookView:
    """Admins: change any of ``CHANGEABLE``; a new channel list replaces the old one (empty:
    any public channel, which needs trigger words)."""
    hook = _manageable(actor, webhook_id)
    check_changes(changes, CHANGEABLE)
    name = _check_name(changes["name"]) if "name" in changes else None
    icon_url = _check_icon(changes["icon_url"]) if "icon_url" in changes else None
    values: dict[str, Any] = {}
    if "description" in changes:
        values["description"] = _check_description(changes["description"])
    if "callback_urls" in changes:
        values["callback_urls"] = _check_urls(changes["callback_urls"])
    if "trigger_words" in changes:
        values["trigger_words"] = check_trigger_words(changes["trigger_words"])
    if "trigger_when" in changes:
        values["trigger_when"] = check_one_of(changes["trigger_when"], "trigger_when", TRIGGER_WHEN)
    if "content_type" in changes:
        values["content_type"] = check_one_of(changes["content_type"], "content_type", CONTENT_TYPES)
    if "ignore_bots" in changes:
        values["ignore_bots"] = check_bool(changes["ignore_bots"], "ignore_bots")
    watched = _check_channels(actor, hook.workspace_id, changes["channel_ids"]) if "channel_ids" in changes \
        else _view(hook).channel_ids
    _check_watches(watched, values.get("trigger_words", hook.trigger_words), change=True)
    with atomic():
        for key, value in values.items():
            setattr(hook, key, value)
        if "channel_ids" in changes:
            _set_channels(hook, watched)
        if name is not None or "icon_url" in changes:
            bots.restyle_integration_bot(hook.bot_user_id, name=name, icon_url=icon_url,
                                         clear_icon="icon_url" in changes and icon_url is None)
        db.session.flush()
    return get_outgoing_webhook(actor, webhook_id)


def regenerate_token(actor: Actor, webhook_id: int) -> OutgoingWebhookView:
    """Admins: a new token, sent with every request from now on (deliveries already queued
    keep the old one in their body)."""
    hook = _manageable(actor, webhook_id)
    with atomic():
        hook.token, hook.token_changed_at = _new_token(), utcnow()
    return get_outgoing_webhook(actor, webhook_id)


def delete_outgoing_webhook(actor: Actor, webhook_id: int) -> None:
    """Admins: the hook is gone (nothing more is sent, no reply posted); its bot stays,
    deactivated, so its replies keep their author. Its delivery log stays too."""
    hook = _manageable(actor, webhook_id)
    workspace_id, bot_user_id = hook.workspace_id, hook.bot_user_id
    with atomic():
        lock_row(Workspace, workspace_id)
        db.session.execute(delete(OutgoingWebhookChannel).where(OutgoingWebhookChannel.webhook_id == webhook_id))
        db.session.execute(delete(OutgoingWebhook).where(OutgoingWebhook.id == webhook_id))
        bots.retire_integration_bot(bot_user_id)
        listeners.refresh(workspace_id)


# --- replies -------------------------------------------------------------------------------------

class ReplyError(ValueError):
    """An answer that cannot be posted, and why."""


def _reply_of(body: bytes) -> dict[str, Any] | None:
    """The reply an answer's body carries: None for none (empty, or JSON without any message
    field: the receiver has nothing to say); ReplyError for one that is not a JSON object."""
    text = body.strip()
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        raise ReplyError("the answer is not JSON") from None
    if not isinstance(data, dict):
        raise ReplyError("the answer is not a JSON object")
    return data if any(data.get(name) not in (None, "", [], {}) for name in REPLY_FIELDS) else None


def _content(data: dict[str, Any], display: dict[str, Any]) -> MessageContent:
    try:
        if is_mattermost(data):
            return MessageContent.mattermost(data, **display)
        return MessageContent.slack(data, **display)
    except SlackPayloadError as err:
        raise ReplyError(f"the reply cannot be posted: {err.code}: {err.message}") from None


def check_reply(answer: outbound.Response) -> str | None:
    """Deliveries' ``accept`` for this kind: why a 2xx answer cannot be posted (not JSON, a
    message Slack or Mattermost would refuse), or None."""
    try:
        data = _reply_of(answer.body)
        if data is not None:
            _content(data, {})
    except ReplyError as err:
        return str(err)
    return None


def post_reply(outcome: Outcome) -> None:
    """Deliveries' ``on_finished`` for this kind: a delivered request's reply, posted as the
    hook in the message's channel (or thread, for ``response_type: comment``), where the
    hook's maker may still post. Nothing when the hook is gone or the message was deleted;
    what cannot be posted is logged."""
    if outcome.status != DeliveryStatus.delivered or outcome.answer is None:
        return
    data = _reply_of(outcome.answer.body)
    hook = db.session.get(OutgoingWebhook, outcome.integration_id)
    if data is None or hook is None or hook.created_by is None:
        return
    post_id = read_body(hook.content_type, outcome.body).get("post_id", "")
    message = db.session.get(Message, int(post_id)) if post_id.isdigit() else None
    bot = db.session.get_one(Bot, hook.bot_user_id)
    if message is None or message.deleted_at is not None or bot.deactivated_at is not None:
        return
    channel = db.session.get_one(Channel, message.channel_id)
    try:
        owner = rules.access_channel(hook.created_by, channel.id)
    except NotFound:
        log.info("outgoing webhook %s: its maker may no longer read channel %s; reply dropped", hook.id, channel.id)
        return
    if not rules.can_post_in_channel.allows(owner_may_post(owner.standing)):
        log.info("outgoing webhook %s: its maker may not post in channel %s; reply dropped", hook.id, channel.id)
        return
    workspace = db.session.get_one(Workspace, hook.workspace_id)
    display: dict[str, Any] = {"icon_url": bot.icon_url}
    display.update(requested_overrides(data, allowed=workspace.webhook_overrides)[0])
    thread_root_id = (message.thread_root_id or message.id) if data.get("response_type") == "comment" else None
    actor = Actor.of(db.session.get_one(User, bot.user_id), Via.webhook)
    try:
        content = _content(data, display)
        if is_poster(bot.user_id, channel):
            messages.send_message(actor, channel.id, None, content=content, thread_root_id=thread_root_id)
        else:
            with atomic():  # the maker may post here (checked above): so may the hook's bot, from now on
                channels.enroll(channel.id, bot.user_id, can_post=True)
                messages.send_message(actor, channel.id, None, content=content, thread_root_id=thread_root_id)
    except (ReplyError, ChatError) as err:
        log.warning("outgoing webhook %s: reply to message %s not posted: %s", hook.id, message.id, err)


register_kind(KIND, on_finished=post_reply, accept=check_reply)
