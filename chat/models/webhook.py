from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
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
