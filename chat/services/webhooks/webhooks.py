"""Incoming webhooks: made, listed, renamed, given a new secret and revoked.

A webhook posts into one channel of a workspace as a bot account of its own (a users row of
kind bot with its bots row, ``bots.create_integration_bot``), so its posts carry the BOT tag,
count in unread badges and go through ``send_message`` like anyone's. The bot is a member of
its channel; what it may post where is decided at every post by the standing of the person who
made the webhook (``incoming.post``), so a webhook never has more rights than its owner.

Workspace admins make webhooks; members too when the workspace allows it
(``members_create_webhooks``); guests and bots never. The secret (the URL's last part) is shown
once; only its SHA-256 digest is kept. Admins manage every webhook of their workspace, the
person who made one manages theirs; anyone else is told it does not exist.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select

from chat.core import limits, ratelimits
from chat.core.actor import Actor
from chat.core.errors import Forbidden, Invalid, NotFound
from chat.core.transactions import atomic
from chat.core.validation import check_changes, check_http_url, check_id, check_text
from chat.extensions import db
from chat.models import Bot, Channel, ChannelMember, IncomingWebhook, User
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services import bots, channels
from chat.services.access import access_channel, access_membership, access_webhook_maker

# What update_webhook changes.
CHANGEABLE = ("name", "icon_url")
SECRET_BYTES = 32  # token_urlsafe: 43 characters


@dataclass(frozen=True)
class WebhookView:
    """A webhook with its bot's account (its name) and bot row (its icon)."""

    webhook: IncomingWebhook
    user: User
    bot: Bot

    @property
    def id(self) -> int:
        return self.webhook.id


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def _check_name(value: Any) -> str:
    return check_text(value, "name", max_length=limits.NAME_LENGTH)


def _check_icon(value: Any) -> str | None:
    return None if value is None else check_http_url(value, "icon_url")


def owner_may_post(standing: rules.Standing) -> rules.Standing:
    """The standing a webhook's owner posts with: in a public channel they may join, as if
    they had joined it (a webhook for #alerts does not make its maker read #alerts)."""
    if rules.can_join_channel.allows(standing):
        return replace(standing, joined=True)
    return standing


def is_poster(bot_user_id: int, channel: Channel) -> bool:
    """Whether an integration's bot is in the channel (and, in a broadcast one, a named
    poster): it may post there as it is, without being enrolled first."""
    member = db.session.execute(select(ChannelMember.can_post).where(
        ChannelMember.channel_id == channel.id, ChannelMember.user_id == bot_user_id)).first()
    return member is not None and (member[0] or not channel.broadcast)


def create_webhook(actor: Actor, workspace_id: int, channel_id: Any, name: Any, *,
                   icon_url: Any = None) -> tuple[WebhookView, str]:
    """A new webhook posting to ``channel_id`` (a channel of the workspace the actor may post
    in), its bot a member of that channel; returns it and its secret (shown this once)."""
    access_webhook_maker(actor, workspace_id)
    channel_id = check_id(channel_id, "channel_id")
    name, icon_url = _check_name(name), _check_icon(icon_url)
    access = access_channel(actor.id, channel_id)
    if access.channel.workspace_id != workspace_id:
        raise NotFound("channel not found")
    if access.channel.kind.is_direct:
        raise Invalid("webhooks post to channels, not direct conversations", field="channel_id")
    rules.can_post_in_channel.check(owner_may_post(access.standing))
    ratelimits.for_person("RATE_LIMIT_WEBHOOKS", actor.id, workspace_id)
    secret = _new_secret()
    with atomic():
        view = bots.create_integration_bot(workspace_id, actor.id, name, icon_url=icon_url,
                                           description="incoming webhook")
        channels.enroll(channel_id, view.user.id, can_post=True)
        webhook = IncomingWebhook(workspace_id=workspace_id, channel_id=channel_id, bot_user_id=view.user.id,
                                  created_by=actor.id, secret_digest=digest(secret), prefix=secret[:8])
        db.session.add(webhook)
        db.session.flush()
    return WebhookView(webhook, view.user, view.bot), secret


def _views(webhooks: list[IncomingWebhook]) -> list[WebhookView]:
    ids = [w.bot_user_id for w in webhooks]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    bot_rows = {b.user_id: b for b in db.session.scalars(select(Bot).where(Bot.user_id.in_(ids)))} if ids else {}
    return [WebhookView(w, users[w.bot_user_id], bot_rows[w.bot_user_id]) for w in webhooks]


def _manageable(actor: Actor, webhook_id: int) -> IncomingWebhook:
    """The webhook if the actor is an admin of its workspace or made it; NotFound otherwise."""
    webhook = db.session.get(IncomingWebhook, webhook_id)
    if webhook is None:
        raise NotFound("webhook not found")
    try:
        membership = access_membership(actor.id, webhook.workspace_id)
    except NotFound:
        raise NotFound("webhook not found") from None
    if not membership.role.is_admin and webhook.created_by != actor.id:
        raise NotFound("webhook not found")
    return webhook


def list_webhooks(actor: Actor, workspace_id: int) -> list[WebhookView]:
    """Admins: the workspace's webhooks; others: the ones they made. Revoked ones too, oldest first."""
    membership = access_membership(actor.id, workspace_id)
    query = select(IncomingWebhook).where(IncomingWebhook.workspace_id == workspace_id).order_by(IncomingWebhook.id)
    if not membership.role.is_admin:
        query = query.where(IncomingWebhook.created_by == actor.id)
    return _views(list(db.session.scalars(query)))


def get_webhook(actor: Actor, webhook_id: int) -> WebhookView:
    return _views([_manageable(actor, webhook_id)])[0]


def update_webhook(actor: Actor, webhook_id: int, changes: dict[str, Any]) -> WebhookView:
    """Its name or icon (null: none): those of its bot, shown on its posts from now on."""
    webhook = _manageable(actor, webhook_id)
    check_changes(changes, CHANGEABLE)
    name = _check_name(changes["name"]) if "name" in changes else None
    icon_url = _check_icon(changes["icon_url"]) if "icon_url" in changes else None
    with atomic():
        bots.restyle_integration_bot(webhook.bot_user_id, name=name, icon_url=icon_url,
                                     clear_icon="icon_url" in changes and icon_url is None)
    return get_webhook(actor, webhook_id)


def regenerate_secret(actor: Actor, webhook_id: int) -> tuple[WebhookView, str]:
    """A new secret; the old URL stops working at once. A revoked webhook stays revoked."""
    webhook = _manageable(actor, webhook_id)
    if webhook.revoked_at is not None:
        raise Forbidden("this webhook was revoked", code="webhook_revoked")
    secret = _new_secret()
    with atomic():
        webhook.secret_digest, webhook.prefix, webhook.secret_changed_at = digest(secret), secret[:8], utcnow()
    return get_webhook(actor, webhook_id), secret


def revoke_webhook(actor: Actor, webhook_id: int) -> WebhookView:
    """Its URL stops working for good (repeating is harmless); its posts stay."""
    webhook = _manageable(actor, webhook_id)
    if webhook.revoked_at is None:
        with atomic():
            webhook.revoked_at = utcnow()
    return get_webhook(actor, webhook_id)


# --- the command line ------------------------------------------------------------------------

def channel_workspace(channel_id: int) -> int:
    """The workspace of a channel (the command line names only the channel)."""
    workspace_id = db.session.scalar(select(Channel.workspace_id).where(Channel.id == check_id(channel_id,
                                                                                                 "channel_id")))
    if workspace_id is None:
        raise NotFound("channel not found")
    return workspace_id
