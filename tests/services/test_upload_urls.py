"""The Web API's upload URLs, in process (chat/services/files/upload_urls.py): what housekeeping
forgets (an upload never completed) and keeps (one completed without a conversation), and a
ticket is only ever read back as it was signed."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from chat.core.actor import Actor
from chat.core.errors import NotFound
from chat.extensions import db
from chat.models import File
from chat.services import accounts, channels, files, workspaces


def _upload(actor: Actor, workspace_id: int, body: bytes, name: str = "a.txt") -> str:
    ticket, public_id = files.start_upload(actor, workspace_id, name, len(body))
    stream = io.BytesIO(body)
    files.receive_upload(files.read_upload_url(ticket), files.UploadBody(len(body), lambda: stream))
    return public_id


def test_housekeeping_forgets_uploads_never_completed_and_keeps_completed_private_ones(app) -> None:
    alice = Actor.cli(accounts.sign_up("uu@example.test", "password123", "Up Loader", "uploader"))
    ws = workspaces.create_workspace(alice, "Uploads")
    general = channels.list_my_channels(alice, ws.id)[0]["id"]
    pending = _upload(alice, ws.id, b"never completed")
    kept = _upload(alice, ws.id, b"kept for me")
    shared = _upload(alice, ws.id, b"shared")
    files.complete_upload(alice, ws.id, [(kept, "Mine")], channel_id=None)
    files.complete_upload(alice, ws.id, [(shared, None)], channel_id=general, body="here")
    [unsent] = files.upload_files(alice, general, [("rest.txt", io.BytesIO(b"rest, not sent"))])

    assert files.forget_unsent(older_than=timedelta(0)) == 2
    db.session.expire_all()
    live = {f.public_id: f for f in db.session.scalars(select(File).where(File.deleted_at.is_(None)))}
    assert pending not in live and unsent["id"] not in live
    assert live[kept].kept and live[kept].title == "Mine" and live[kept].channel_id is None
    assert live[shared].channel_id == general and live[shared].message_id is not None
    assert files.get_file(alice, kept)["title"] == "Mine"


def test_a_ticket_is_read_only_as_signed(app) -> None:
    bob = Actor.cli(accounts.sign_up("tk@example.test", "password123", "Tick Et", "ticket"))
    ws = workspaces.create_workspace(bob, "Tickets")
    ticket, public_id = files.start_upload(bob, ws.id, "b.txt", 3)
    read = files.read_upload_url(ticket)
    assert (read.uploader_id, read.workspace_id, read.public_id, read.length, read.name) == (
        bob.id, ws.id, public_id, 3, "b.txt")
    payload, signature = ticket.split(".")
    # Every altered part, and what is no ticket at all, names nothing.
    for forged in (f"{payload}.{signature[::-1]}", f"{payload[:-1]}A.{signature}", f"{payload}x.{signature}",
                   payload, "", None, 7):
        with pytest.raises(NotFound):
            files.read_upload_url(forged)
    app.config["SECRET_KEY"], key = "another-servers-key", app.config["SECRET_KEY"]
    try:
        with pytest.raises(NotFound):
            files.read_upload_url(ticket)
    finally:
        app.config["SECRET_KEY"] = key
