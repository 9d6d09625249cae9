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
from typing import Any

from sqlalchemy import select

from chat.core import ratelimits
from chat.core.actor import Actor, Via
from chat.core.errors import ChatError, Forbidden, Gone, NotFound
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


def find_webhook(secret: str) -> IncomingWebhook:
    """The live webhook whose secret this is, else NoService. Looked up by the secret's digest
    (an index lookup that learns nothing from how much of a guess was right), then the digests
    compared in constant time."""
    wanted = digest(secret)
    webhook = db.session.scalar(select(IncomingWebhook).where(IncomingWebhook.secret_digest == wanted))
    if webhook is None or not hmac.compare_digest(webhook.secret_digest, wanted) or webhook.revoked_at is not None:
        raise NoService("no such webhook")
    return webhook


def is_mattermost(data: dict[str, Any]) -> bool:
    return any(key in data for key in MATTERMOST_KEYS)


def post(secret: str, data: Any, *, address: str | None = None, mattermost: bool | None = None) -> dict[str, Any]:
    """Post ``data`` (a decoded payload) through the webhook of ``secret``; the message payload."""
    webhook = find_webhook(secret)
    ratelimits.hit("RATE_LIMIT_WEBHOOK_POSTS", "webhook", webhook.id)
    if not isinstance(data, dict):
        raise SlackPayloadError("the payload must be a JSON object")
    workspace = db.session.get_one(Workspace, webhook.workspace_id)
    bot_user = db.session.get_one(User, webhook.bot_user_id)
    bot = db.session.get_one(Bot, webhook.bot_user_id)
    if bot.deactivated_at is not None or webhook.created_by is None:
        raise NoService("this webhook no longer posts")
    if not db.session.scalar(select(Membership.active).where(Membership.workspace_id == webhook.workspace_id,
                                                             Membership.user_id == webhook.created_by)):
        raise ActionProhibited("the webhook's owner is no longer a member of the workspace")
    mattermost = is_mattermost(data) if mattermost is None else mattermost
    content = _content(data, mattermost, webhook, bot, overrides=workspace.webhook_overrides)
    target = _target(webhook, data.get("channel"))
    thread = data.get("root_id") if mattermost else data.get("thread_ts")

    actor = Actor.of(bot_user, Via.webhook, address=address)
    if isinstance(target, User):
        # A direct message from the webhook's bot to that person (opened on first use).
        channel_id = channels.open_direct(actor, webhook.workspace_id, [target.id]).id
        root_id = _thread(thread, db.session.get_one(Channel, channel_id)) if thread not in (None, "") else None
        return _send(actor, channel_id, content, root_id)
    _owner_standing(webhook, target)
    thread_root_id = _thread(thread, target)
    if target.id == webhook.channel_id and is_poster(webhook.bot_user_id, target):
        return _send(actor, target.id, content, thread_root_id)  # the usual case: the group-committed path
    with atomic():
        # The owner may post here (checked above): so may their webhook's bot, from now on.
        channels.enroll(target.id, webhook.bot_user_id, can_post=True)
        return _send(actor, target.id, content, thread_root_id)


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


def _content(data: dict[str, Any], mattermost: bool, webhook: IncomingWebhook, bot: Bot, *,
             overrides: bool) -> MessageContent:
    display: dict[str, Any] = {"webhook_id": webhook.id, "icon_url": bot.icon_url}
    display.update(requested_overrides(data, allowed=overrides)[0])
    # The keys that are not the message (channel, username...) are ignored by the models.
    return MessageContent.mattermost(data, **display) if mattermost else MessageContent.slack(data, **display)


def _target(webhook: IncomingWebhook, override: Any) -> Channel | User:
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


def _owner_standing(webhook: IncomingWebhook, channel: Channel) -> rules.Standing:
    """What the webhook's owner may do in ``channel``: ChannelNotFound if they may not read it
    (as for no channel at all), ChannelIsArchived, ActionProhibited if they may not post."""
    try:
        access = rules.access_channel(webhook.created_by or 0, channel.id)
    except NotFound:
        raise ChannelNotFound("channel not found") from None
    standing = owner_may_post(access.standing)
    if standing.archived:
        raise ChannelIsArchived("the channel is archived")
    if not rules.can_post_in_channel.allows(standing):
        raise ActionProhibited("the webhook's owner may not post in this channel")
    return standing


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
