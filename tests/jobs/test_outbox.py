"""The outbox, in process against a real database and a real queue: a job is queued with the
transaction that causes it, so a rollback queues nothing and a commit hands it over."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from chat import create_app
from chat.core import jobs
from chat.core.transactions import atomic
from chat.database import upgrade_schema
from chat.extensions import db
from chat.models import PendingJob


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    folder = Path(tmp_path_factory.mktemp("outbox"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'chat.db'}", "INSTANCE_DIR": str(folder),
                      "CHAT_ASYNC_MODE": "threading", "MESSAGE_QUEUE_URL": None})
    upgrade_schema(app)
    with app.app_context():
        yield app


def _queued() -> list[tuple[str, dict]]:
    return [(task.args[0], task.args[1]) for task in jobs.queue().huey.pending()]


def _outbox() -> int:
    return db.session.scalar(select(func.count()).select_from(PendingJob)) or 0


def test_the_embedded_queue_is_a_file_next_to_the_database(app: Flask) -> None:
    assert jobs.queue().url == f"sqlite:///{Path(app.config['INSTANCE_DIR']) / 'chat.jobs.db'}"


def test_a_rolled_back_transaction_queues_nothing(app: Flask) -> None:
    def change_that_fails() -> None:
        with atomic():
            jobs.enqueue("housekeeping.prune-events")
            assert _outbox() == 1  # written with the change...
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError, match="the change fails"):
        change_that_fails()
    assert _outbox() == 0 and _queued() == []  # ... and gone with it


def test_a_committed_job_is_handed_to_the_queue_and_leaves_the_outbox(app: Flask) -> None:
    with atomic():
        jobs.enqueue("previews.make", file_id=41)
        jobs.enqueue("previews.make", file_id=42)
        assert _queued() == []  # nothing leaves before the commit
    assert _outbox() == 0
    assert _queued() == [("previews.make", {"file_id": 41}), ("previews.make", {"file_id": 42})]
    jobs.queue().huey.flush()


def test_a_job_is_queued_only_inside_a_transaction(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="inside atomic"):
        jobs.enqueue("housekeeping.prune-events")
    with pytest.raises(KeyError), atomic():
        jobs.enqueue("no.such-job")
