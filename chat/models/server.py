from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class ChatServer(Model):
    """A server process that holds sockets, and when it last said it was alive.

    Connection rows of a process silent for longer than PRESENCE_SERVER_TIMEOUT_SECONDS no
    longer count for presence, and the next live process's heartbeat removes them: a process
    killed without a goodbye cannot leave its people online.
    """

    __tablename__ = "servers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SocketConnection.server_id
    last_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)
