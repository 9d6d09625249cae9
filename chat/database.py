"""Database wiring: SQLite tuning and running migrations on start."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; NORMAL sync is durable across app
    # crashes (not power loss) and keeps commits cheap; the busy timeout covers writers in
    # other processes (CLI, a second server).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def upgrade_schema(app: Flask) -> None:
    """Bring the schema to the newest migration, keeping existing data."""
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
