"""A post to an incoming webhook's secret URL: Slack's and Mattermost's payloads, one message.

``post(secret, data, ...)`` finds the webhook by the digest of its secret, counts the post
against the webhook's rate limit, checks the payload (``MessageContent``: Slack's limits and
error names), resolves where it goes (its channel, or the ``channel`` override: a channel by
name, ``#name`` or id, or ``@username`` for a direct message from the webhook's bot) and asks
whether the webhook's owner may post there, then sends it through ``send_message`` as the
webhook's bot. Every refusal is a ``ChatError`` whose ``code`` is Slack's error name and whose
status is Slack's, raised before anything is written.

Which format: Mattermost's when the payload has ``props`` or ``root_id`` (or the caller says
so), else Slack's. The difference is the text: mrkdwn for Slack, Markdown for Mattermost.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, select

from chat.core import ratelimits
from chat.core.actor import Actor, Via
from chat.core.errors import ChatError, Forbidden, Gone, NotFound
from chat.core.prepared import Prepared
from chat.core.transactions import atomic
from chat.extensions import db
from chat.models import Bot, Channel, IncomingWebhook, Membership, User, Workspace
from chat.services import access as rules
from chat.services import channels, messages
from chat.services.integrations import slack_ids, slack_ts
from chat.services.integrations.slack_payload import SlackPayloadError
from chat.services.messages import MessageContent
from chat.services.messages.content import requested_overrides
from chat.services.webhooks.webhooks import digest, is_poster, owner_may_post

MATTERMOST_KEYS = ("props", "root_id")


class NoService(NotFound):
    """No live webhook has this secret (unknown, regenerated or revoked): Slack's answer."""

    code = "no_service"


class ChannelNotFound(NotFound):
    code = "channel_not_found"


class ChannelIsArchived(Gone):
    code = "channel_is_archived"


class ActionProhibited(Forbidden):
    code = "action_prohibited"


class ThreadNotFound(NotFound):
    code = "thread_not_found"


@dataclass(frozen=True, slots=True)
class _Hook:
    """What a post needs of its webhook, its bot, its owner and its workspace: read in one
    query of plain columns (the ORM's loading of four rows cost more than the post's send)."""
    id: int
    workspace_id: int
    channel_id: int
    created_by: int | None
    overrides: bool              # the workspace lets posts override the name and icon
    owner_active: bool           # the owner is still an active member of the workspace
    bot_active: bool
    icon_url: str | None
    # The bot's account, as ``Actor.of`` reads a person.
    bot_user_id: int
    username: str
    display_name: str
    email: str


# Prepared (core/prepared): run on the driver, so values come back raw (booleans as 0/1).
_HOOK_FACTS = Prepared(
    select(IncomingWebhook.id, IncomingWebhook.workspace_id, IncomingWebhook.channel_id, IncomingWebhook.created_by,
           Workspace.webhook_overrides, Membership.active, Bot.deactivated_at, Bot.icon_url,
           IncomingWebhook.bot_user_id, User.username, User.display_name, User.email, IncomingWebhook.secret_digest,
           IncomingWebhook.revoked_at)
    .join(Workspace, Workspace.id == IncomingWebhook.workspace_id)
    .join(Bot, Bot.user_id == IncomingWebhook.bot_user_id)
    .join(User, User.id == IncomingWebhook.bot_user_id)
    .outerjoin(Membership, and_(Membership.workspace_id == IncomingWebhook.workspace_id,
                                Membership.user_id == IncomingWebhook.created_by))
    .where(IncomingWebhook.secret_digest == bindparam("digest")))


def _find_hook(secret: str) -> _Hook:
    """The live webhook whose secret this is, else NoService. Looked up by the secret's digest
    (an index lookup that learns nothing from how much of a guess was right), then the digests
    compared in constant time."""
    wanted = digest(secret)
    rows = _HOOK_FACTS.rows({"digest": wanted})
    if not rows:
        raise NoService("no such webhook")
    (hook_id, workspace_id, channel_id, created_by, overrides, owner_active, bot_deactivated_at, icon_url, bot_user_id,
     username, display_name, email, secret_digest, revoked_at) = rows[0]
    if not hmac.compare_digest(secret_digest, wanted) or revoked_at is not None:
        raise NoService("no such webhook")
    return _Hook(id=hook_id, workspace_id=workspace_id, channel_id=channel_id, created_by=created_by,
                 overrides=bool(overrides), owner_active=bool(owner_active), bot_active=bot_deactivated_at is None,
                 icon_url=icon_url, bot_user_id=bot_user_id, username=username, display_name=display_name,
                 email=email)


def find_webhook(secret: str) -> int:
    """The id of the live webhook whose secret this is, else NoService."""
    return _find_hook(secret).id


def is_mattermost(data: dict[str, Any]) -> bool:
    return any(key in data for key in MATTERMOST_KEYS)


def post(secret: str, data: Any, *, address: str | None = None, mattermost: bool | None = None) -> dict[str, Any]:
    """Post ``data`` (a decoded payload) through the webhook of ``secret``; the message payload."""
    hook = _find_hook(secret)
    ratelimits.hit("RATE_LIMIT_WEBHOOK_POSTS", "webhook", hook.id)
    if not isinstance(data, dict):
        raise SlackPayloadError("the payload must be a JSON object")
    if not hook.bot_active or hook.created_by is None:
        raise NoService("this webhook no longer posts")
    if not hook.owner_active:
        raise ActionProhibited("the webhook's owner is no longer a member of the workspace")
    mattermost = is_mattermost(data) if mattermost is None else mattermost
    content = _content(data, mattermost, hook)
    thread = data.get("root_id") if mattermost else data.get("thread_ts")
    actor = Actor.of(_BotAccount(hook), Via.webhook, address=address)
    override = data.get("channel")
    if (override is None or override == "") and thread in (None, ""):
        # The usual case, first and cheapest: the webhook's own channel, where its bot posts.
        return _post_to_own_channel(hook, actor, content)

    target = _target(hook, override)
    if isinstance(target, User):
        # A direct message from the webhook's bot to that person (opened on first use).
        channel_id = channels.open_direct(actor, hook.workspace_id, [target.id]).id
        root_id = _thread(thread, db.session.get_one(Channel, channel_id)) if thread not in (None, "") else None
        return _send(actor, channel_id, content, root_id)
    _check_owner(_owner_standing(hook, target))
    thread_root_id = _thread(thread, target)
    if is_poster(hook.bot_user_id, target):
        return _send(actor, target.id, content, thread_root_id)  # the group-committed path
    return _enroll_and_send(hook, actor, target.id, content, thread_root_id)


@dataclass(frozen=True, slots=True)
class _BotAccount:
    """A webhook's bot as ``Actor.of`` reads a person."""
    hook: _Hook

    @property
    def id(self) -> int:
        return self.hook.bot_user_id

    @property
    def username(self) -> str:
        return self.hook.username

    @property
    def display_name(self) -> str:
        return self.hook.display_name

    @property
    def email(self) -> str:
        return self.hook.email

    @property
    def is_bot(self) -> bool:
        return True


def _post_to_own_channel(hook: _Hook, actor: Actor, content: MessageContent) -> dict[str, Any]:
    """A post to the webhook's channel: the owner's and the bot's standing there in one query
    (``posters``, as a batch of sends reads them), then the group-committed send."""
    owner_id = hook.created_by or 0
    found = rules.posters({(owner_id, hook.channel_id), (hook.bot_user_id, hook.channel_id)})
    owner = found.get((owner_id, hook.channel_id))
    _check_owner(owner.standing if owner is not None else None)
    bot = found.get((hook.bot_user_id, hook.channel_id))
    if bot is not None and rules.can_post_in_channel.allows(bot.standing):
        return _send(actor, hook.channel_id, content, None)
    return _enroll_and_send(hook, actor, hook.channel_id, content, None)


def _enroll_and_send(hook: _Hook, actor: Actor, channel_id: int, content: MessageContent,
                     thread_root_id: int | None) -> dict[str, Any]:
    with atomic():
        # The owner may post here (checked by the caller): so may their webhook's bot, from now on.
        channels.enroll(channel_id, hook.bot_user_id, can_post=True)
        return _send(actor, channel_id, content, thread_root_id)


def _send(actor: Actor, channel_id: int, content: MessageContent, thread_root_id: int | None) -> dict[str, Any]:
    try:
        payload, _ = messages.send_message(actor, channel_id, None, content=content, thread_root_id=thread_root_id)
    except ChatError as err:
        if err.code == "thread_not_found":
            raise ThreadNotFound(err.message) from None
        if err.code == "channel_archived":
            raise ChannelIsArchived("the channel is archived") from None
        if err.status == 404:
            raise ChannelNotFound("channel not found") from None
        if err.status == 403:
            raise ActionProhibited(err.message) from None
        raise
    return payload


def _content(data: dict[str, Any], mattermost: bool, hook: _Hook) -> MessageContent:
    display: dict[str, Any] = {"webhook_id": hook.id, "icon_url": hook.icon_url}
    display.update(requested_overrides(data, allowed=hook.overrides)[0])
    # The keys that are not the message (channel, username...) are ignored by the models.
    return MessageContent.mattermost(data, **display) if mattermost else MessageContent.slack(data, **display)


def _target(webhook: _Hook, override: Any) -> Channel | User:
    """The webhook's channel, or the one ``override`` names in its workspace (a person for
    ``@username``); ChannelNotFound for anything else, another workspace's included."""
    if override is None or override == "":
        return db.session.get_one(Channel, webhook.channel_id)
    if not isinstance(override, str) or len(override) > 100:
        raise ChannelNotFound("channel not found")
    name = override.strip()
    if name.startswith("@"):
        person = db.session.scalar(
            select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == webhook.workspace_id, Membership.active,
                   User.username == name[1:].lower()))
        if person is None or person.id == webhook.bot_user_id:
            raise ChannelNotFound("channel not found")
        return person
    channel_id = slack_ids.parse_id(name, slack_ids.SlackIdKind.channel)
    query = select(Channel).where(Channel.workspace_id == webhook.workspace_id, Channel.direct_key.is_(None))
    query = query.where(Channel.id == channel_id) if channel_id is not None else \
        query.where(Channel.name == name.removeprefix("#").lower())
    channel = db.session.scalar(query)
    if channel is None:
        raise ChannelNotFound("channel not found")
    return channel


def _owner_standing(hook: _Hook, channel: Channel) -> rules.Standing | None:
    """The webhook owner's standing in ``channel``, None if they may not read it."""
    try:
        return rules.access_channel(hook.created_by or 0, channel.id).standing
    except NotFound:
        return None


def _check_owner(standing: rules.Standing | None) -> None:
    """Whether the webhook's owner, with this standing in the target channel (None: they may not
    read it), may post there through the webhook: ChannelNotFound if they may not read it (as
    for no channel at all), ChannelIsArchived, ActionProhibited if they may not post."""
    if standing is None:
        raise ChannelNotFound("channel not found")
    standing = owner_may_post(standing)
    if standing.archived:
        raise ChannelIsArchived("the channel is archived")
    if not rules.can_post_in_channel.allows(standing):
        raise ActionProhibited("the webhook's owner may not post in this channel")


def _thread(value: Any, channel: Channel) -> int | None:
    """``thread_ts``/``root_id`` in ``channel``: a Slack ``ts`` of one of its messages (as the
    Web API gives them), or our message id, as text or a number; anything else names no
    thread here (send_message checks that the message is in the channel)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and "." in value:
        found = slack_ts.in_channel(channel, value)
        if found is None:
            raise ThreadNotFound("thread not found")
        return found
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 18:
        raise ThreadNotFound("thread not found")
    return int(text)
