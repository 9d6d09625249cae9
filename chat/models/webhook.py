from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class IncomingWebhook(Model):
    """An incoming webhook: a secret URL that posts into one channel of a workspace as a bot
    account of its own (``bot_user_id``: a users row of kind bot with its bots row, member of
    the channel), never with more rights than the person who made it (``created_by``).

    Only a SHA-256 digest of the secret is kept (the URL is shown once); a new secret replaces
    it, so the old URL stops working. ``name`` and ``icon_url`` are the bot's own: a webhook's
    name is its bot's display name."""

    __tablename__ = "incoming_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    bot_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    secret_digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the secret's first characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    secret_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class TriggerWhen(str, enum.Enum):
    """How an outgoing webhook's trigger words match a message's first word (case aside)."""

    first_word = "first_word"     # it is one of them
    starts_with = "starts_with"   # it starts with one of them


class HookContentType(str, enum.Enum):
    """How an outgoing webhook's requests are encoded."""

    json = "application/json"
    form = "application/x-www-form-urlencoded"


class OutgoingWebhook(Model):
    """An outgoing webhook (Mattermost's and Slack's): a message in its channels, or starting
    with one of its trigger words, is POSTed to its callback URLs, with its ``token`` for the
    receiver to check; a JSON reply is posted back as its bot (``bot_user_id``: a users row of
    kind bot with its bots row, named and pictured as the webhook), never where the person who
    made it (``created_by``) may not post.

    Its channels are ``OutgoingWebhookChannel`` rows; none means any public channel of the
    workspace, and then it needs trigger words. ``token`` is kept as it is: it is sent with
    every request and shown to the workspace's admins (a new one replaces it)."""

    __tablename__ = "outgoing_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    bot_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(250), default="")
    trigger_words: Mapped[list[str]] = mapped_column(JSON)
    trigger_when: Mapped[str] = mapped_column(String(16))  # a TriggerWhen value
    callback_urls: Mapped[list[str]] = mapped_column(JSON)
    content_type: Mapped[str] = mapped_column(String(40))  # a HookContentType value
    # Not sent bots' messages (its own never), so it cannot answer another bot forever.
    ignore_bots: Mapped[bool] = mapped_column(default=True)
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    token_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutgoingWebhookChannel(Model):
    """A channel an outgoing webhook listens to."""

    __tablename__ = "outgoing_webhook_channels"

    webhook_id: Mapped[int] = mapped_column(ForeignKey("outgoing_webhooks.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
