from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class PendingJob(Model):
    """A job written in the same transaction as the change that causes it (the outbox).

    Once that transaction commits, the row is handed to the job queue and deleted in one
    transaction (``core/jobs.relay``); rows a crash left behind are handed over by the next
    sweep. A rolled-back transaction leaves no row, so it queues nothing.
    """

    __tablename__ = "pending_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kwargs: Mapped[str] = mapped_column(Text)  # JSON object
    run_at: Mapped[datetime | None] = mapped_column()  # UTC; None: as soon as possible
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FailedJob(Model):
    """A job that failed on its last attempt: kept for `flask --app app jobs` to show and retry."""

    __tablename__ = "failed_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kwargs: Mapped[str] = mapped_column(Text)  # JSON object
    attempts: Mapped[int] = mapped_column()
    error: Mapped[str] = mapped_column(Text)  # the exception and its traceback
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
