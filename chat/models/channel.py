from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class ChannelKind(str, enum.Enum):
    public = "public"
    private = "private"
    dm = "dm"          # direct message between two people (or a note to self)
    group = "group"    # group direct message

    @property
    def is_direct(self) -> bool:
        return self in (ChannelKind.dm, ChannelKind.group)


class Channel(Model):
    __tablename__ = "channels"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        UniqueConstraint("workspace_id", "direct_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChannelKind] = mapped_column(Enum(ChannelKind, native_enum=False, length=16))
    # Named channels have a unique name; direct conversations have none but a unique member key.
    name: Mapped[str | None] = mapped_column(String(80))
    direct_key: Mapped[str | None] = mapped_column(String(400))
    topic: Mapped[str] = mapped_column(String(250), default="")
    purpose: Mapped[str] = mapped_column(String(250), default="")
    # Broadcast: everyone reads, only admins and members with can_post write.
    broadcast: Mapped[bool] = mapped_column(default=False)
    is_default: Mapped[bool] = mapped_column(default=False)
    archived_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_id: Mapped[int | None]


class ChannelMember(Model):
    __tablename__ = "channel_members"
    __table_args__ = (
        UniqueConstraint("channel_id", "user_id"),
        Index("ix_channel_members_user_workspace", "user_id", "workspace_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # The read position lives on the server so it follows the person across tabs and devices.
    last_read_id: Mapped[int] = mapped_column(default=0)
    can_post: Mapped[bool] = mapped_column(default=False)
    # Muted by the person (/mute): shown dimmed, its unread messages make no badge or
    # notification; mentions still do.
    muted: Mapped[bool] = mapped_column(default=False, server_default="0")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
