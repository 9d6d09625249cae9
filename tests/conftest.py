"""Fixtures: real server processes on 127.0.0.1 over SQLite and PostgreSQL (+ Redis), and the
named cast. Tests share one server per configuration and keep apart by creating their own
people and workspaces, which also means every test runs beside other tenants' data."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from tests.support import Cast, Server, make_cast, start_server

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database of its own on the PostgreSQL server behind TEST_POSTGRES_URL (by default
    the `test` database's server), dropped at the end: runs never see each other's data."""
    admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"chat_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    yield sqlalchemy.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def server_for(backend: str, folder: Path, request: pytest.FixtureRequest, *, async_mode: str = "eventlet",
               extra_env: dict[str, str] | None = None) -> Server:
    """A server in ``folder`` on ``backend``: "sqlite", or "postgresql" (a database of this run's
    own) with the Redis queue; for module fixtures parametrized over both."""
    if backend == "sqlite":
        return start_server(folder, async_mode=async_mode, extra_env=extra_env)
    return start_server(folder, database_url=request.getfixturevalue("postgres_url"), async_mode=async_mode,
                        message_queue=REDIS_URL, extra_env=extra_env)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The server under eventlet, on SQLite and on PostgreSQL with the Redis queue."""
    srv = server_for(request.param, tmp_path_factory.mktemp("srv") / f"{request.param}-eventlet", request)
    yield srv
    srv.stop()


@pytest.fixture(scope="session", params=["threading", "gevent"])
def other_mode_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The same server under the other async modes (SQLite), for the live-delivery tests."""
    srv = server_for("sqlite", tmp_path_factory.mktemp("mode") / f"sqlite-{request.param}", request,
                     async_mode=request.param)
    yield srv
    srv.stop()


@pytest.fixture
def cast(server: Server) -> Cast:
    return make_cast(server.url)
