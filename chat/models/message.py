from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class Message(Model):
    __tablename__ = "messages"
    __table_args__ = (
        # History (top level or one thread) newest first, and unread counts, walk this index.
        Index("ix_messages_channel_thread_id", "channel_id", "thread_root_id", "id"),
        # A retried send with the same client id returns the stored message.
        UniqueConstraint("user_id", "client_msg_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    thread_root_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    mentions_channel: Mapped[bool] = mapped_column(default=False)
    # Integration content (Slack- or Mattermost-format messages: webhooks, the Web API): the
    # source it was rendered from and how its poster asked to be shown; NULL for everything
    # else. Its shape: services/messages/content.py (``MessageContent.props``).
    props: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    reply_count: Mapped[int] = mapped_column(default=0)
    last_reply_at: Mapped[datetime | None]
    pinned_at: Mapped[datetime | None]
    pinned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class Mention(Model):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("message_id", "user_id"),
        Index("ix_mentions_user_channel_message", "user_id", "channel_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))


class Reaction(Model):
    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("message_id", "user_id", "emoji"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    emoji: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
