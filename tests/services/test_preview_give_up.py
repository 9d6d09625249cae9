"""A preview job that fails for good (its retries spent) leaves no file waiting: the job's
give-up handler records the preview ``failed``, as for a file no worker could preview."""
from __future__ import annotations

import io

from sqlalchemy import select

from chat.core.actor import Actor
from chat.extensions import db
from chat.models import File, PreviewState
from chat.services import accounts, channels, files, workspaces
from chat.services.files import previews
from tests.files.samples import png


def test_giving_up_on_a_preview_marks_the_pending_file_failed(app) -> None:
    alice = Actor.cli(accounts.sign_up("gu@example.test", "password123", "Give Up", "giveup"))
    ws = workspaces.create_workspace(alice, "Give up")
    general = channels.list_my_channels(alice, ws.id)[0]["id"]
    [uploaded] = files.upload_files(alice, general, [("shot.png", io.BytesIO(png(64, 48)))])
    stored = db.session.scalars(select(File).where(File.public_id == uploaded["id"])).one()
    assert stored.preview_state == PreviewState.pending  # no worker runs in this app

    previews.give_up(stored.id)
    db.session.expire_all()
    assert db.session.get_one(File, stored.id).preview_state == PreviewState.failed
    assert files.get_file(alice, uploaded["id"])["preview"]["state"] == "failed"

    previews.give_up(stored.id)  # a second give-up (a retried job failing again) changes nothing
    db.session.expire_all()
    assert db.session.get_one(File, stored.id).preview_state == PreviewState.failed
