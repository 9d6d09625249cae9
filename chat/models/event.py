from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import db
from chat.models._time import utcnow


class Event(db.Model):
    """The durable event log a reconnecting client replays from its last seen id.

    Events are written in the same transaction as the change they describe, and writers are
    serialized, so ids grow in commit order and a client that resumes after id N misses nothing.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_channel_id", "channel_id", "id"),
        Index("ix_events_target_user_id", "target_user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # Exactly one audience: the readers of a channel, or one person.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
