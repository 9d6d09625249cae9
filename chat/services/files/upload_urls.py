"""Uploads in Slack's three steps, for the Web API's ``files_upload_v2`` (docs/integrations.md):

1. ``start_upload``: a file id and an **upload URL** for one file of a declared name and length
   (``files.getUploadURLExternal``);
2. ``receive_upload``: the bytes, POSTed to that URL (``POST /api/v1/uploads/<ticket>``) with no
   other credential: the file is kept, private to its uploader and in no conversation yet;
3. ``complete_upload``: a title for each, and either one message sharing them all through
   ``send_message`` or, without a conversation, the files kept private
   (``files.completeUploadExternal``).

The ticket in the URL is its own credential: unpadded base64url of
``[1, uploader, workspace, file id, length, expires, name]`` (JSON), a dot, and the unpadded
base64url of its HMAC-SHA256 under a key derived from SECRET_KEY for this one purpose
(HMAC-SHA256(SECRET_KEY, "chat.upload-url.v1")). Nothing is stored until the bytes arrive:

- *unguessable and unalterable*: the signature covers every field; a changed byte is 404;
- *bound*: to the uploader (who must still be an active member of the workspace), the workspace,
  the file id and the length: a body of another length is refused, whatever it says;
- *short-lived*: FILE_UPLOAD_URL_SECONDS (10 minutes) to start sending the bytes;
- *one-time*: the file id is the new row's unique ``public_id``, so a second upload to the same
  URL finds it taken (409), also when two race (the unique index decides).

The bytes go through the same staging, size limit, type sniffing, storage and preview queue as
the REST API's uploads (``files.stage`` and ``files.add_files``).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chat.core import limits
from chat.core.actor import Actor
from chat.core.errors import Conflict, Gone, Invalid, NotFound, TooLarge
from chat.core.transactions import atomic
from chat.core.validation import check_text
from chat.extensions import db
from chat.models import File, Workspace
from chat.services.access import access_membership
from chat.services.files.files import add_files, human_size, max_file_size, stage, staging
from chat.services.files.filetypes import check_file_name
from chat.services.payloads import file_payloads

UPLOAD_URL_PATH = "/api/v1/uploads"  # the door: chat/api/files.py, receive_upload
_KEY_LABEL = b"chat.upload-url.v1"
_VERSION = 1
# The payload holds a name of at most 255 characters (4 bytes each in UTF-8, at worst).
TICKET_PATTERN = r"^[A-Za-z0-9_-]{1,1600}\.[A-Za-z0-9_-]{43}$"
_TICKET = re.compile(TICKET_PATTERN)
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{24}")


@dataclass(frozen=True)
class UploadUrl:
    """What a valid ticket says (its signature checked, nothing else yet)."""

    uploader_id: int
    workspace_id: int
    public_id: str   # the file's id once uploaded
    length: int      # the bytes the body must hold, exactly
    expires_at: int  # Unix time
    name: str


@dataclass(frozen=True)
class UploadBody:
    """The body of a request to an upload URL: its size when the request says it (a raw body
    with Content-Length), and how to open its bytes, called once the URL is found valid (so a
    refused request is answered before its body is read)."""

    size: int | None
    open: Callable[[], IO[bytes]]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _signature(payload: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    key = hmac.new(secret.encode() if isinstance(secret, str) else secret, _KEY_LABEL, hashlib.sha256).digest()
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def _ticket(upload: UploadUrl) -> str:
    payload = _b64(json.dumps([_VERSION, upload.uploader_id, upload.workspace_id, upload.public_id, upload.length,
                               upload.expires_at, upload.name], ensure_ascii=False, separators=(",", ":")).encode())
    return f"{payload}.{_signature(payload)}"


def _no_such_url() -> NotFound:
    return NotFound("no such upload URL: ask files.getUploadURLExternal for one")


# --- 1. the URL ----------------------------------------------------------------------------------

def start_upload(actor: Actor, workspace_id: int, name: Any, length: Any) -> tuple[str, str]:
    """(ticket, file id) for one file of ``name`` and ``length`` bytes that ``actor`` will upload
    in ``workspace_id``. Refuses a length over the workspace's file size limit (``file_too_large``)."""
    access_membership(actor.id, workspace_id)
    name = check_file_name(name)
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise Invalid("length must be the file's size in bytes, at least 1", field="length")
    limit = max_file_size(db.session.get_one(Workspace, workspace_id))
    if length > limit:
        raise TooLarge(f"{name} is larger than this workspace's limit of {human_size(limit)}", code="file_too_large")
    public_id = secrets.token_urlsafe(18)
    expires_at = int(time.time()) + current_app.config["FILE_UPLOAD_URL_SECONDS"]
    return _ticket(UploadUrl(actor.id, workspace_id, public_id, length, expires_at, name)), public_id


def read_upload_url(ticket: Any) -> UploadUrl:
    """What the ticket of an upload URL says, when its signature is ours; NotFound otherwise
    (a made-up, altered or truncated URL names nothing)."""
    if not isinstance(ticket, str) or not _TICKET.fullmatch(ticket):
        raise _no_such_url()
    payload, signature = ticket.split(".")
    if not hmac.compare_digest(_signature(payload).encode(), signature.encode()):
        raise _no_such_url()
    try:
        version, uploader_id, workspace_id, public_id, length, expires_at, name = json.loads(_unb64(payload))
    except (binascii.Error, ValueError, TypeError):
        raise _no_such_url() from None
    if version != _VERSION:  # signed by us, so only a future format could differ
        raise _no_such_url()
    return UploadUrl(uploader_id, workspace_id, public_id, length, expires_at, name)


# --- 2. the bytes --------------------------------------------------------------------------------

def receive_upload(upload: UploadUrl, body: UploadBody) -> dict[str, Any]:
    """Keep the body as the upload URL's file, private to its uploader, in no conversation yet.

    Refused, with nothing kept and in this order: an expired URL (410 ``upload_url_expired``), a
    used one (409 ``upload_url_used``), an uploader no longer in the workspace (404), a body
    longer than the declared length (413 ``file_too_large``, before reading it when its size is
    known) or shorter (400 ``length_mismatch``), a file over the workspace's limit, lowered
    since (413 ``file_too_large``)."""
    if time.time() > upload.expires_at:
        raise Gone("this upload URL has expired: ask files.getUploadURLExternal for a new one",
                   code="upload_url_expired")
    if db.session.scalar(select(File.id).where(File.public_id == upload.public_id)) is not None:
        raise _used()
    try:
        access_membership(upload.uploader_id, upload.workspace_id)
    except NotFound:
        raise _no_such_url() from None
    too_long = (f"the body is longer than the {upload.length} bytes declared to files.getUploadURLExternal; "
                "ask for an upload URL with the right length")
    if body.size is not None and body.size > upload.length:
        raise TooLarge(too_long, code="file_too_large")
    if body.size is not None and body.size < upload.length:
        raise _mismatch(body.size, upload.length)
    limit = max_file_size(db.session.get_one(Workspace, upload.workspace_id))
    with staging() as staged:
        item = stage(staged, body.open(), upload.length, too_long)
        if item.size != upload.length:
            raise _mismatch(item.size, upload.length)
        if item.size > limit:
            raise TooLarge(f"{upload.name} is larger than this workspace's limit of {human_size(limit)}",
                           code="file_too_large")
        try:
            files = add_files(upload.uploader_id, upload.workspace_id, None, [upload.name], staged,
                              public_ids=[upload.public_id])
        except IntegrityError:  # the same URL, used at the same moment by another request
            raise _used() from None
    return file_payloads(files)[0]


def _used() -> Conflict:
    return Conflict("this upload URL was used already: each takes one file", code="upload_url_used")


def _mismatch(size: int, length: int) -> Invalid:
    return Invalid(f"the body holds {size} bytes, not the {length} declared to files.getUploadURLExternal",
                   code="length_mismatch")


# --- 3. completing -------------------------------------------------------------------------------

def complete_upload(actor: Actor, workspace_id: int, items: list[tuple[Any, Any]], *, channel_id: int | None,
                    body: str | None = None, thread_root_id: int | None = None
                    ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Finish the actor's uploads ``items`` ((file id, title or None), in the order given):
    with ``channel_id``, share them all in one message sent with ``send_message`` (``body`` its
    text, ``thread_root_id`` its thread), which checks everything a send checks; without, keep
    them private to the actor. Returns (the files, the message or None). A file that is not the
    actor's upload to a URL of this workspace is ``file_not_found``; one completed before,
    ``file_already_sent``. All or nothing: a refusal changes no title."""
    from chat.services import messages  # messages imports the files package

    if not items or len(items) > limits.FILES_PER_MESSAGE:
        raise Invalid(f"complete from 1 to {limits.FILES_PER_MESSAGE} files at once", field="files")
    ids = [public_id for public_id, _ in items]
    if not all(isinstance(i, str) and _PUBLIC_ID.fullmatch(i) for i in ids):
        raise NotFound("file not found", code="file_not_found")
    if len(set(ids)) != len(ids):
        raise Invalid("files lists a file twice", field="files")
    titles = [None if title in (None, "") else check_text(title, "title", max_length=limits.FILE_NAME_LENGTH)
              for _, title in items]
    with atomic():
        rows = {f.public_id: f for f in db.session.scalars(select(File).where(
            File.public_id.in_(ids), File.uploader_id == actor.id, File.workspace_id == workspace_id,
            File.deleted_at.is_(None)))}
        for public_id, title in zip(ids, titles, strict=True):
            f = rows.get(public_id)
            if f is not None and (f.message_id is not None or f.kept):
                raise Conflict("this upload was completed already", code="file_already_sent")
            if f is None or f.channel_id is not None:  # an upload of the REST API's is no upload URL's
                raise NotFound("file not found: upload its bytes to the upload URL first", code="file_not_found")
            if title is not None:
                f.title = title
        files = [rows[public_id] for public_id in ids]
        if channel_id is None:
            for f in files:
                f.kept = True
            return file_payloads(files), None
        # Inside this transaction, so a refused send leaves the titles as they were.
        message, _ = messages.send_message(actor, channel_id, body or "", file_ids=ids, thread_root_id=thread_root_id)
    return message["files"], message
