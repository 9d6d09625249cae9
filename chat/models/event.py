from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class Event(Model):
    """The durable event log a reconnecting client replays from its cursor.

    Events are written in the same transaction as the change they describe, and writers are
    serialized, so ids grow in commit order. Each event belongs to one *stream*, its audience
    (a channel's readers, or one person), and ``prev_id`` links it to the stream's previous
    event: a client that did not apply that one knows it has a hole to fill.

    The log keeps facts, not old content: once a message changes again or is deleted, its
    earlier events keep their place but their content is replaced (``redacted``).
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_channel_id", "channel_id", "id"),
        Index("ix_events_target_user_id", "target_user_id", "id"),
        Index("ix_events_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    # Exactly one audience: the readers of a channel, or one person.
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The previous event of the same audience (0: none left in the log).
    prev_id: Mapped[int] = mapped_column(server_default="0")
    # The message a message.* event is about: its older events are redacted when it changes.
    message_id: Mapped[int | None] = mapped_column()
    redacted: Mapped[bool] = mapped_column(server_default=false())
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventLogState(Model):
    """One row: how far the log has been pruned. A cursor below it may have missed events."""

    __tablename__ = "event_log_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    pruned_through: Mapped[int] = mapped_column(default=0)
