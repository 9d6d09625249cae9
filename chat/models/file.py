from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class FileKind(str, enum.Enum):
    """What the content is, decided from its bytes, never from its name."""

    pdf = "pdf"
    image = "image"
    other = "other"


class PreviewState(str, enum.Enum):
    pending = "pending"  # a preview is being made
    ready = "ready"
    none = "none"        # this kind of file gets no preview
    failed = "failed"    # broken, encrypted, too big or too slow to preview


class File(Model):
    """A file shared in a conversation. Its bytes live in storage under their SHA-256, so the
    same content uploaded twice is kept once; ``public_id`` is the unguessable name in URLs."""

    __tablename__ = "files"
    __table_args__ = (
        # Files panels: a conversation's or a workspace's files, newest first.
        Index("ix_files_channel_id_id", "channel_id", "id"),
        Index("ix_files_workspace_id_id", "workspace_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # NULL for an upload through the Web API's upload URL (files.getUploadURLExternal) that no
    # message shares yet: the message that shares it gives it its channel.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # NULL until the upload is sent in a message; until then only the uploader sees it.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # Slack's title (files.completeUploadExternal); NULL: the name is the title.
    title: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    kind: Mapped[FileKind] = mapped_column(Enum(FileKind, native_enum=False, length=16))
    preview_state: Mapped[PreviewState] = mapped_column(Enum(PreviewState, native_enum=False, length=16))
    page_count: Mapped[int | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    has_thumbnail: Mapped[bool] = mapped_column(default=False)
    # Text inside a PDF, extracted once for search.
    text: Mapped[str | None] = mapped_column(Text)
    # Kept by its uploader without sharing it (files.completeUploadExternal without a channel,
    # as Slack keeps such a file private): housekeeping does not forget it as an unsent upload.
    kept: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
