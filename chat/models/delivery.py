from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chat.extensions import Model
from chat.models._time import utcnow


class DeliveryStatus(str, enum.Enum):
    pending = "pending"      # not yet delivered; an attempt is due at next_attempt_at (or running)
    delivered = "delivered"  # a 2xx answer
    failed = "failed"        # a failure no retry can fix (an invalid or refused URL): not retried
    given_up = "given_up"    # every attempt of the retry schedule failed


class Delivery(Model):
    """One request to an integration for one event (services/integrations/deliveries.py).

    Generic over integrations: ``kind`` names the integration's table and how its requests are
    signed, ``integration_id`` its row there (no foreign key: the kinds' tables come with them).
    The body and headers are kept as they will be sent; the signature headers are made at each
    attempt, with a fresh timestamp. Kept, with its attempts, for DELIVERY_LOG_MAX_AGE_DAYS.
    """

    __tablename__ = "integration_deliveries"
    __table_args__ = (
        Index("ix_integration_deliveries_integration", "kind", "integration_id", "id"),
        Index("ix_integration_deliveries_workspace", "workspace_id", "id"),
        Index("ix_integration_deliveries_due", "status", "claimed_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    integration_id: Mapped[int] = mapped_column()
    event: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[str] = mapped_column(Text)  # JSON object of the headers sent with every attempt
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, native_enum=False, length=20), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)  # finished attempts
    next_attempt_at: Mapped[datetime | None] = mapped_column()  # UTC; None once finished
    # While an attempt runs: when it is considered lost (its process died) and retried.
    claimed_until: Mapped[datetime | None] = mapped_column()
    replay_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("integration_deliveries.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column()

    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        order_by="DeliveryAttempt.number", cascade="all, delete-orphan", passive_deletes=True, lazy="raise")


class DeliveryAttempt(Model):
    """One try of a delivery: when, how long, what came back, what went wrong."""

    __tablename__ = "integration_delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("integration_deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first try
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()  # None while it runs
    duration_ms: Mapped[int | None] = mapped_column()
    status_code: Mapped[int | None] = mapped_column()  # the HTTP status, when an answer came
    error: Mapped[str | None] = mapped_column(String(300))  # None: delivered
    reason: Mapped[str | None] = mapped_column(String(40))  # Slack's retry reason for the failure
    response_excerpt: Mapped[str | None] = mapped_column(Text)  # the answer's first bytes, capped
