from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class Bot(Model):
    """What only a bot has, beside its ``users`` row (``kind`` = bot, same id): the one
    workspace it belongs to, the admin who made it, how it looks and how events reach it.

    Its @handle and name are the user row's ``username`` and ``display_name``; its membership
    of the workspace is a ``memberships`` row like anyone's (role member, inactive while the
    bot is deactivated)."""

    __tablename__ = "bots"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    description: Mapped[str] = mapped_column(String(250), default="")
    icon_url: Mapped[str | None] = mapped_column(String(2048))
    # Not sent other bots' messages (event delivery), so two bots can never answer each other forever.
    ignore_bots: Mapped[bool] = mapped_column(default=True)
    # Signs the requests we make to the bot (Slack's v0 scheme): HMAC needs the secret itself,
    # so it is stored as it is, and shown to the workspace's admins.
    signing_secret: Mapped[str] = mapped_column(String(64))
    # Where Events API envelopes go; set with the Events API, NULL until then.
    events_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]
