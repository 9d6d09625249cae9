"""Extensions, created unbound and bound to the app in create_app()."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names make Alembic migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    if TYPE_CHECKING:
        # Every model maps one Table (SQLAlchemy types __table__ as any FromClause).
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)
# Models subclass this. db.Model is made at run time from Base's body (adding Flask-SQLAlchemy's
# mixins), and a type checker cannot take an attribute as a base class: it sees Base instead.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
socketio = SocketIO()
csrf = CSRFProtect()
# Counters and storage (memory, or Redis shared by every process); the limits themselves are
# configuration, counted through chat.core.ratelimits by HTTP and socket doors alike.
limiter = Limiter(get_remote_address)


def _run_inline(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


# CPU-heavy work (password hashing) goes through this hook so it does not stall every
# socket. app.py points it at the async framework's OS-thread pool; the default runs inline.
offload: Callable[..., Any] = _run_inline


def set_offload(fn: Callable[..., Any]) -> None:
    global offload
    offload = fn


def run_offloaded(fn: Callable[..., Any], *args: Any) -> Any:
    return offload(fn, *args)
