"""Previews, made by a background job so a shared file's message appears at once.

An upload queues one ``previews.make`` job per previewable file, in the transaction that adds
the file (``files.upload_files``); the job (``chat/jobs/previews.py``) calls ``make_preview``.
Each file is previewed by ``chat/previews/worker.py`` in a child process that caps its own
memory and CPU time; the job also kills it after a wall-clock timeout, and at most
PREVIEW_CONCURRENCY run at once per process. Whatever happens to the worker, the file keeps its
card: a failed preview is recorded as ``failed``, never as an error to the sender. The result
is published as ``message.updated`` (or ``file.updated`` to the uploader, for a file not sent
yet), so open conversations show the thumbnail when it is ready.
"""
from __future__ import annotations

import json
import logging
import secrets
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from chat.core import events
from chat.core.transactions import atomic
from chat.extensions import db
from chat.models import File, Message, PreviewState
from chat.services.files.files import blob_key, thumbnail_key
from chat.services.payloads import file_payloads, message_payload
from chat.storage import storage

log = logging.getLogger(__name__)

PREVIEW_JOB = "previews.make"  # its handler: chat/jobs/previews.py
WORKER = Path(__file__).resolve().parents[2] / "previews" / "worker.py"
_slots: threading.BoundedSemaphore | None = None
_slots_guard = threading.Lock()


def _slot() -> threading.BoundedSemaphore:
    global _slots
    with _slots_guard:
        if _slots is None:
            _slots = threading.BoundedSemaphore(current_app.config["PREVIEW_CONCURRENCY"])
    return _slots


def make_preview(file_id: int) -> None:
    """Preview one file (and every pending file with the same content)."""
    f = db.session.get(File, file_id)
    if f is None or f.preview_state != PreviewState.pending or f.deleted_at is not None:
        return
    sha, kind = f.sha256, f.kind.value
    db.session.rollback()  # hold no database snapshot during the slow part
    source = storage().path(blob_key(sha))
    result, thumbnail = _run_worker(kind, source) if source is not None else (None, None)
    _record(sha, result, thumbnail)


def give_up(file_id: int) -> None:
    """The preview job failed for good: a file still pending (and those with the same content)
    is recorded ``failed``, and its readers are told, as for a file no worker could preview."""
    f = db.session.get(File, file_id)
    if f is None or f.preview_state != PreviewState.pending:
        return
    sha = f.sha256
    db.session.rollback()
    _record(sha, None, None)


def _run_worker(kind: str, source: Path) -> tuple[dict[str, Any] | None, Path | None]:
    config = current_app.config
    out = storage().scratch() / f"preview-{secrets.token_hex(8)}.webp"
    command = [sys.executable, "-I", str(WORKER), kind, str(source), str(out),
               "--memory", str(config["PREVIEW_MEMORY_BYTES"]), "--cpu", str(config["PREVIEW_CPU_SECONDS"])]
    # subprocess is cooperative under eventlet and gevent (app.py monkey-patches it).
    with _slot():
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            stdout, stderr = proc.communicate(timeout=config["PREVIEW_TIMEOUT_SECONDS"])
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            log.warning("preview of %s took too long; gave up", source.name)
            out.unlink(missing_ok=True)
            return None, None
    try:
        result = json.loads(stdout) if proc.returncode == 0 else None
    except ValueError:
        result = None
    if result is None:
        log.info("no preview for %s (exit %s): %s", source.name, proc.returncode,
                 (stdout or stderr)[-300:].decode(errors="replace").strip())
        out.unlink(missing_ok=True)
        return None, None
    return result, out


def _record(sha: str, result: dict[str, Any] | None, thumbnail: Path | None) -> None:
    store = storage()
    if thumbnail is not None:
        store.put(thumbnail, thumbnail_key(sha))
    values: dict[str, Any] = {"preview_state": PreviewState.failed}
    if result is not None:
        values = {"preview_state": PreviewState.ready, "has_thumbnail": thumbnail is not None,
                  "page_count": result.get("page_count"), "width": result.get("width"),
                  "height": result.get("height"), "text": result.get("text") or None}
    with atomic():
        changed = db.session.execute(
            update(File).where(File.sha256 == sha, File.preview_state == PreviewState.pending,
                               File.deleted_at.is_(None))
            .values(**values).returning(File.id, File.message_id)).all()
        for message_id in sorted({m for _, m in changed if m is not None}):
            message = db.session.get_one(Message, message_id)
            events.record(message.workspace_id, events.MESSAGE_UPDATED, message_payload(message),
                          channel_id=message.channel_id)
        unsent = [i for i, m in changed if m is None]
        if unsent:
            for payload in file_payloads(list(db.session.scalars(select(File).where(File.id.in_(unsent))))):
                events.notify(events.FILE_UPDATED, payload, events.user_room(payload["uploader"]["id"]))
    if not changed and thumbnail is not None:
        # Every file with this content went away while we worked.
        live = db.session.scalar(select(func.count()).select_from(File).where(
            File.sha256 == sha, File.deleted_at.is_(None)))
        if not live:
            store.delete(thumbnail_key(sha))
