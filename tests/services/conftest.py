"""In-process service tests: one app and SQLite file per test module, no server process."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chat import create_app
from chat.database import upgrade_schema


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch):
    folder = tmp_path_factory.mktemp("inproc")
    monkeypatch_module.setenv("CHAT_INSTANCE_DIR", str(folder))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'q.db'}",
                      "CHAT_ASYNC_MODE": "threading", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024,
                      "MESSAGE_QUEUE_URL": None})
    upgrade_schema(app)
    with app.app_context():
        yield app


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp
