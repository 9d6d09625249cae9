from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chat.extensions import Model
from chat.models._time import utcnow

if TYPE_CHECKING:
    from chat.models.bot import Bot


class UserKind(str, enum.Enum):
    """What an account is. A bot is an account of its own kind: the same ``users`` row (so
    messages, memberships, reactions, files, tokens and sockets work unchanged), plus its
    ``bots`` row (chat/models/bot.py). A kind never changes."""

    person = "person"
    bot = "bot"


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[UserKind] = mapped_column(Enum(UserKind, native_enum=False, length=16), default=UserKind.person,
                                           server_default=UserKind.person.value)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    # Empty for bots: they have no password and never sign in (accounts.authenticate).
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped to log out every session at once (password change, sign-out everywhere).
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A bot's own row (None for people); read on first use, so only ask it of bots.
    bot: Mapped[Bot | None] = relationship(primaryjoin="User.id == Bot.user_id", foreign_keys="Bot.user_id",
                                           uselist=False, viewonly=True)

    @property
    def is_bot(self) -> bool:
        return self.kind == UserKind.bot

    def get_id(self) -> str:
        # Flask-Login keeps this in the session; the epoch makes old sessions invalid.
        return f"{self.id}:{self.session_epoch}"


class ApiToken(Model):
    """A personal API token, or a bot's token when its owner is a bot. Only a SHA-256 digest of
    the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
