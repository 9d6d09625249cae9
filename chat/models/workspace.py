from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chat.extensions import Model
from chat.models._time import utcnow


class Role(str, enum.Enum):
    owner = "owner"
    admin = "admin"
    member = "member"
    guest = "guest"

    @property
    def is_admin(self) -> bool:
        return self in (Role.owner, Role.admin)


class Workspace(Model):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Largest file a member may share, in bytes; NULL means the server's FILE_MAX_BYTES.
    max_file_size: Mapped[int | None] = mapped_column(BigInteger)
    # Members (not only admins) may make incoming webhooks for channels they may post in.
    members_create_webhooks: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Webhook posts may set their own username, icon_url and icon_emoji (else they are ignored).
    webhook_overrides: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Something may listen to its channels (a bot with an Events API URL): the send path looks
    # for listeners only then, so a workspace without integrations pays nothing for them. Kept
    # by services/integrations/listeners.py (``refresh``); never False while something listens.
    has_listeners: Mapped[bool] = mapped_column(default=False, server_default="0")


class Membership(Model):
    """A person's place in a workspace. Deactivated members keep their history but lose access."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    active: Mapped[bool] = mapped_column(default=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(Model):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(43), unique=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(default=0)
