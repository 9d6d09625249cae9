from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class SocketConnection(Model):
    """One open Socket.IO connection (a tab or device), shared by all server processes.

    Presence is derived from these rows, so several tabs count correctly, and deactivation can
    find and close every socket of a person whichever process holds it.
    """

    __tablename__ = "socket_connections"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    server_id: Mapped[str] = mapped_column(String(64), index=True)
    away: Mapped[bool] = mapped_column(default=False)
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
