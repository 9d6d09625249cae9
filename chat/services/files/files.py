"""Files shared in conversations: upload, send with a message, read, list, search and delete.

Who may read a file is decided here and only here: whoever can read the conversation it was
shared in; before it is sent in a message, only the person who uploaded it. Everything else
(HTTP routes, the socket, bots) comes through these functions.

Bytes are kept once per content (SHA-256) in storage. Rows that share content take a lock on it
(``_lock_content``) while they are added or removed, so removing the last file with some content
can never race with a new upload of the same content.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import IO, Any, cast

from flask import current_app
from sqlalchemy import CursorResult, Select, func, or_, select, text, update

from chat.core import events, jobs, limits, validation
from chat.core.actor import Actor
from chat.core.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from chat.core.transactions import atomic, on_commit, on_rollback
from chat.core.validation import check_limit, check_one_of, check_optional_id, check_text
from chat.extensions import db, run_offloaded
from chat.models import File, FileKind, Message, PreviewState, Workspace
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services.access import access_admin, access_channel, access_membership
from chat.services.files.filetypes import check_file_name, sniff
from chat.services.payloads import file_payloads, message_payload, message_payloads
from chat.storage import Staged, TooBig, storage

MAX_FILES_PER_MESSAGE = limits.FILES_PER_MESSAGE
_PREVIEWABLE = (FileKind.pdf, FileKind.image)
_CONTENT_LOCK_CLASS = 7246  # pg_advisory_xact_lock(class, key) namespace for file content


def blob_key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def thumbnail_key(sha256: str) -> str:
    return f"thumbnails/{sha256[:2]}/{sha256}.webp"


def file_size_ceiling() -> int:
    return current_app.config["FILE_MAX_BYTES"]


def max_file_size(workspace: Workspace) -> int:
    return workspace.max_file_size or file_size_ceiling()


def upload_request_limit() -> int:
    """The most bytes one upload request may carry (before the per-file check)."""
    return file_size_ceiling() * MAX_FILES_PER_MESSAGE + 1024 * 1024


def check_max_file_size(value: Any) -> int | None:
    """None restores the server default; anything else is a byte count up to the server's ceiling."""
    return validation.check_max_file_size(value, file_size_ceiling())


def _lock_content(sha256s: Iterable[str]) -> None:
    """Serialize writers touching the same content until commit (SQLite: atomic() already does)."""
    if db.engine.dialect.name != "postgresql":
        return
    for sha in sorted(set(sha256s)):  # one order everywhere: no deadlocks
        db.session.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"),
                           {"c": _CONTENT_LOCK_CLASS, "k": int(sha[:7], 16)})


def human_size(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:g} {unit}" if unit == "bytes" else f"{size:.1f} {unit}".replace(".0 ", " ")
        size /= 1024
    return str(size)


# --- upload ------------------------------------------------------------------------------------
#
# Two doors upload: the REST API (``upload_files``, several files for one conversation) and the
# Web API's upload URLs (``upload_urls.receive_upload``, one file, shared later). Both stage the
# bytes with ``stage`` inside ``staging()`` and add the rows with ``add_files``: one place decides
# how bytes are received, sized, typed, kept and previewed.

def upload_files(uploader: Actor, channel_id: int, uploads: list[tuple[Any, IO[bytes]]]) -> list[dict[str, Any]]:
    """Keep the uploaded files for the uploader to send in ``channel_id``. Nothing is kept unless
    every file is acceptable. A preview job is queued for each file that gets one."""
    if not uploads:
        raise Invalid("send one or more files in the multipart field 'file'", code="no_files", field="file")
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise Invalid(f"send at most {MAX_FILES_PER_MESSAGE} files at once", code="too_many_files", field="file")
    names = [check_file_name(name) for name, _ in uploads]
    access = access_channel(uploader.id, channel_id)
    rules.can_post_in_channel.check(access.standing)
    limit = max_file_size(db.session.get_one(Workspace, access.channel.workspace_id))
    with staging() as staged:
        for name, (_, stream) in zip(names, uploads, strict=True):
            item = stage(staged, stream, limit, f"{name} is larger than this workspace's limit of {human_size(limit)}")
            if item.size == 0:
                raise Invalid(f"{name} is empty", code="empty_file", field="file")
        files = add_files(uploader.id, access.channel.workspace_id, channel_id, names, staged)
    return file_payloads(files)


@contextmanager
def staging() -> Iterator[list[Staged]]:
    """A list for ``stage`` to fill; whatever it holds is discarded at the end (kept bytes are
    linked under their key by then, refused ones go)."""
    staged: list[Staged] = []
    try:
        yield staged
    finally:
        store = storage()
        for item in staged:
            store.discard(item)


def stage(staged: list[Staged], stream: IO[bytes], limit: int, too_large: str) -> Staged:
    """Receive ``stream`` into a temporary place (added to ``staged``), hashing it; past
    ``limit`` bytes, ``TooLarge`` (``file_too_large``) with the message ``too_large``."""
    try:
        # Hashing and writing a large file is slow disk work: keep it off the event loop.
        item = run_offloaded(storage().stage, stream, limit)
    except TooBig:
        raise TooLarge(too_large, code="file_too_large") from None
    staged.append(item)
    return item


def add_files(uploader_id: int, workspace_id: int, channel_id: int | None, names: list[str],
              staged: list[Staged], *, public_ids: list[str] | None = None) -> list[File]:
    """Add a row for each staged file (``channel_id`` None: an upload URL's, not shared yet; its
    ``public_ids`` chosen beforehand) and keep its bytes once committed; queue the previews.
    Raises ``IntegrityError`` for a public id already taken, with nothing written."""
    from chat.services.files import previews  # previews imports this module

    files = []
    with atomic():
        _lock_content(item.sha256 for item in staged)
        # Content seen before keeps the preview made for it.
        known = {f.sha256: f for f in db.session.scalars(select(File).where(
            File.sha256.in_({item.sha256 for item in staged}),
            File.preview_state.in_([PreviewState.ready, PreviewState.failed])))}
        for i, (name, item) in enumerate(zip(names, staged, strict=True)):
            kind, content_type = sniff(item.head)
            f = File(public_id=public_ids[i] if public_ids else secrets.token_urlsafe(18), workspace_id=workspace_id,
                     channel_id=channel_id, uploader_id=uploader_id, name=name, size=item.size,
                     sha256=item.sha256, content_type=content_type, kind=kind,
                     preview_state=PreviewState.pending if kind in _PREVIEWABLE else PreviewState.none)
            twin = known.get(item.sha256)
            if kind in _PREVIEWABLE and twin is not None:
                f.preview_state, f.page_count, f.width, f.height = (twin.preview_state, twin.page_count,
                                                                    twin.width, twin.height)
                f.has_thumbnail, f.text = twin.has_thumbnail, twin.text
            db.session.add(f)
            files.append(f)
        db.session.flush()
        for f in files:
            if f.preview_state == PreviewState.pending:
                jobs.enqueue(previews.PREVIEW_JOB, file_id=f.id)
        # The bytes are kept once the rows are committed, so a concurrent delete of the same
        # content either finished before our rows existed (we put the bytes back) or will see
        # our rows; and before the preview jobs are handed to the queue (after_commit), so a
        # job finds them.
        store = storage()

        def keep_bytes() -> None:
            for item in staged:
                store.keep(item, blob_key(item.sha256))

        on_commit(keep_bytes)
    return files


# --- sending with a message ----------------------------------------------------------------------

def check_sendable(sender_id: int, workspace_id: int, channel_id: int, file_ids: list[str]) -> list[File]:
    """The sender's own uploads, not yet sent, in the order given: uploaded to this channel, or
    to an upload URL of its workspace (no channel yet: sending gives them this one)."""
    if not file_ids:
        return []
    rows = {f.public_id: f for f in db.session.scalars(select(File).where(
        File.public_id.in_(file_ids), File.uploader_id == sender_id, File.deleted_at.is_(None)))}
    for public_id in file_ids:
        f = rows.get(public_id)
        if f is None or not (f.channel_id == channel_id or (f.channel_id is None and f.workspace_id == workspace_id)):
            raise NotFound("file not found: upload it to this conversation first", code="file_not_found")
        if f.message_id is not None:
            raise Conflict("this file was already sent", code="file_already_sent")
    return [rows[public_id] for public_id in file_ids]


def attach(files: list[File], message_id: int, channel_id: int) -> None:
    """Inside the sending transaction: the files become part of the message (and of its
    channel, for an upload URL's)."""
    if not files:
        return
    # An UPDATE without RETURNING gives a CursorResult (SQLAlchemy types Session.execute more loosely).
    result = cast(CursorResult[Any], db.session.execute(update(File).where(
        File.id.in_([f.id for f in files]), File.message_id.is_(None), File.deleted_at.is_(None))
        .values(message_id=message_id, channel_id=channel_id).execution_options(synchronize_session="fetch")))
    if result.rowcount != len(files):  # another send took one of them meanwhile
        raise Conflict("this file was already sent", code="file_already_sent")


# --- reading -----------------------------------------------------------------------------------

def access_file(user_id: int, public_id: Any) -> File:
    """The file if the person may read it, else NotFound (also for files of other workspaces)."""
    f = None
    if isinstance(public_id, str) and 0 < len(public_id) <= 32:
        f = db.session.scalar(select(File).where(File.public_id == public_id, File.deleted_at.is_(None)))
    if f is None:
        raise NotFound("file not found")
    try:
        if f.message_id is None:
            access_membership(user_id, f.workspace_id)
            if f.uploader_id != user_id:
                raise NotFound("file not found")
        else:
            access_channel(user_id, cast(int, f.channel_id))  # a sent file has its message's channel
    except NotFound:
        raise NotFound("file not found") from None
    return f


def get_file(actor: Actor, public_id: Any) -> dict[str, Any]:
    return file_payloads([access_file(actor.id, public_id)])[0]


def file_content(actor: Actor, public_id: Any, *, thumbnail: bool = False) -> tuple[File, str]:
    """The file and the storage path of its bytes (or of its thumbnail)."""
    f = access_file(actor.id, public_id)
    if thumbnail and not (f.preview_state == PreviewState.ready and f.has_thumbnail):
        raise NotFound("this file has no preview", code="no_preview")
    path = storage().path(thumbnail_key(f.sha256) if thumbnail else blob_key(f.sha256))
    if path is None:
        raise NotFound("the file's content is missing", code="content_missing")
    return f, str(path)


def _check_kind(value: Any) -> FileKind | None:
    return None if value is None else FileKind(check_one_of(value, "kind", [k.value for k in FileKind]))


def _page(query: Select[tuple[File]], *, kind: Any, user_id: Any, before: Any,
          limit: Any) -> tuple[list[File], bool]:
    kind, user_id, before = (_check_kind(kind), check_optional_id(user_id, "user_id"),
                             check_optional_id(before, "before"))
    limit = check_limit(limit, limits.FILES_PAGE)
    if kind is not None:
        query = query.where(File.kind == kind)
    if user_id is not None:
        query = query.where(File.uploader_id == user_id)
    if before is not None:
        query = query.where(File.id < before)
    rows = list(db.session.scalars(query.order_by(File.id.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def _shared() -> Select[tuple[File]]:
    return select(File).where(File.message_id.is_not(None), File.deleted_at.is_(None))


def list_channel_files(actor: Actor, channel_id: int, *, kind: Any = None, user_id: Any = None,
                       before: Any = None, limit: Any = None) -> dict[str, Any]:
    """Files shared in one conversation, newest first. ``before`` is a file's ``position``."""
    access_channel(actor.id, channel_id)
    rows, has_more = _page(_shared().where(File.channel_id == channel_id),
                           kind=kind, user_id=user_id, before=before, limit=limit)
    return {"files": _with_position(rows), "has_more": has_more}


def list_workspace_files(actor: Actor, workspace_id: int, *, kind: Any = None, user_id: Any = None,
                         before: Any = None, limit: Any = None) -> dict[str, Any]:
    """Files shared in every conversation of the workspace the person can read, newest first."""
    access_membership(actor.id, workspace_id)
    query = _shared().where(File.workspace_id == workspace_id,
                            File.channel_id.in_(rules.channel_ids(rules.can_read_channel, actor.id, [workspace_id])))
    rows, has_more = _page(query, kind=kind, user_id=user_id, before=before, limit=limit)
    return {"files": _with_position(rows), "has_more": has_more}


def _with_position(rows: list[File]) -> list[dict[str, Any]]:
    # The numeric row id is the pagination cursor; the public id stays the only handle on content.
    return [{**payload, "position": f.id} for f, payload in zip(rows, file_payloads(rows), strict=True)]


def search_files(actor: Actor, workspace_id: int, q: Any, *, limit: Any = None) -> dict[str, Any]:
    """Files whose name or PDF text contains ``q`` (case-insensitive), each with the message that
    shared it and a snippet of the matching text."""
    access_membership(actor.id, workspace_id)
    q = check_text(q, "q", max_length=limits.SEARCH_LENGTH)
    limit = check_limit(limit, limits.SEARCH_PAGE)
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = list(db.session.scalars(
        _shared().where(File.workspace_id == workspace_id,
                        File.channel_id.in_(rules.channel_ids(rules.can_read_channel, actor.id, [workspace_id])),
                        or_(File.name.ilike(pattern, escape="\\"), File.text.ilike(pattern, escape="\\")))
        .order_by(File.id.desc()).limit(limit)))
    messages = {m["id"]: m for m in message_payloads(list(db.session.scalars(
        select(Message).where(Message.id.in_({f.message_id for f in rows})))))}
    return {"results": [{"file": payload, "message": messages[f.message_id], "snippet": _snippet(f.text, q)}
                        for f, payload in zip(rows, file_payloads(rows), strict=True)]}


def _snippet(body: str | None, q: str, around: int = 80) -> str | None:
    if not body:
        return None
    at = body.lower().find(q.lower())
    if at < 0:
        return None
    start, end = max(0, at - around), min(len(body), at + len(q) + around)
    snippet = " ".join(body[start:end].split())
    return ("…" if start else "") + snippet + ("…" if end < len(body) else "")


# --- removing ----------------------------------------------------------------------------------

def delete_file(actor: Actor, public_id: Any) -> dict[str, Any]:
    """Remove a file for everyone: its uploader or a workspace admin. A message that was only
    this file goes with it."""
    from chat.services import messages  # messages imports this module

    f = access_file(actor.id, public_id)
    membership = access_membership(actor.id, f.workspace_id)
    if f.uploader_id != actor.id and not membership.role.is_admin:
        raise Forbidden("only the person who shared a file or an admin can delete it", code="not_uploader")
    message = db.session.get(Message, f.message_id) if f.message_id is not None else None
    if message is not None and not message.body:
        others = db.session.scalar(select(func.count()).select_from(File).where(
            File.message_id == message.id, File.deleted_at.is_(None), File.id != f.id))
        if not others:
            messages.delete_message(actor, message.id)
            return {"id": f.public_id, "deleted": True, "message_deleted": True}
    with atomic():
        release([f])
        if message is not None:
            events.record(message.workspace_id, events.MESSAGE_UPDATED, message_payload(message),
                          channel_id=message.channel_id)
    return {"id": f.public_id, "deleted": True, "message_deleted": False}


def release(files: list[File]) -> None:
    """Inside a transaction: mark the files deleted and drop content no live file still uses.

    The bytes move aside at once and are removed after the commit, or moved back if the
    transaction rolls back, so a failed delete loses nothing.
    """
    if not files:
        return
    now = utcnow()
    for f in files:
        f.deleted_at = now
    db.session.flush()
    shas = {f.sha256 for f in files}
    _lock_content(shas)
    still_used = set(db.session.scalars(select(File.sha256).where(
        File.sha256.in_(shas), File.deleted_at.is_(None)).distinct()))
    store = storage()
    for sha in shas - still_used:
        for key in (blob_key(sha), thumbnail_key(sha)):
            trash = f"trash/{secrets.token_hex(8)}"
            if store.rename(key, trash):
                on_commit(partial(store.delete, trash))
                on_rollback(partial(store.rename, trash, key))


def forget_unsent(older_than: timedelta = timedelta(hours=24)) -> int:
    """Delete uploads nobody sent within ``older_than`` (a closed tab, a cancelled message, an
    upload URL's file never completed); files their uploader kept stay."""
    stale = list(db.session.scalars(select(File).where(
        File.message_id.is_(None), File.deleted_at.is_(None), File.kept.is_(False),
        File.created_at < utcnow() - older_than)))
    if stale:
        with atomic():
            release(stale)
    return len(stale)


# --- administration ----------------------------------------------------------------------------

def storage_usage(actor: Actor, workspace_id: int) -> dict[str, Any]:
    """What the workspace's files take up (admins)."""
    access_admin(actor.id, workspace_id)
    used, count = db.session.execute(select(func.coalesce(func.sum(File.size), 0), func.count())
                                     .where(File.workspace_id == workspace_id, File.deleted_at.is_(None))).one()
    workspace = db.session.get_one(Workspace, workspace_id)
    return {"workspace_id": workspace_id, "used_bytes": int(used), "file_count": count,
            "max_file_size": max_file_size(workspace), "max_file_size_ceiling": file_size_ceiling()}
