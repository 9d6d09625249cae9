"""Files: multipart upload, metadata, lists, search and downloads (with Range, for PDF viewers)."""
from __future__ import annotations

import tempfile
from typing import IO, cast

from flask import Response, jsonify, request, send_file
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_range_header

from chat.api import actor, api, with_query
from chat.api.openapi import operation
from chat.api.schemas import BINARY, array, ref, wrapped
from chat.core import limits, ratelimits
from chat.core.errors import Invalid, TooLarge
from chat.core.requests import DownloadQuery, FilesQuery, Schema, SearchQuery
from chat.models import FileKind
from chat.services import files

# Raster images and PDFs may open in the browser; anything else is always a download.
_INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}
# Served bytes can never run script from our origin: no scripts at all, and for anything that is
# not an image or a PDF, a sandbox on top (Chromium's PDF viewer does not load in a sandbox).
_CSP_INLINE = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
_CSP_SANDBOX = "default-src 'none'; sandbox; frame-ancestors 'none'"

UPLOAD: Schema = {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["file"], "properties": {
        "file": array(BINARY, minItems=1, maxItems=limits.FILES_PER_MESSAGE)}},
    "encoding": {"file": {"contentType": "application/octet-stream"}}}}}
# An upload URL takes the bytes as they are (what slack_sdk sends), or one file part of a form.
UPLOAD_URL_BODY: Schema = {"required": True, "content": {
    "application/octet-stream": {"schema": BINARY},
    "multipart/form-data": {"schema": {"type": "object", "required": ["filename"], "properties": {
        "filename": BINARY}}, "encoding": {"filename": {"contentType": "application/octet-stream"}}}}}
# Room for a multipart form's boundaries and part headers around the declared bytes.
MULTIPART_ROOM = 64 * 1024
# A raw body is read in chunks of this size, kept in memory up to SPOOL_IN_MEMORY, then on disk.
SPOOL_CHUNK = 256 * 1024
SPOOL_IN_MEMORY = 1024 * 1024
_BYTES: Schema = {"*/*": {"schema": BINARY}}
BYTES: dict[str, Schema] = {"200": {"description": "The bytes", "content": _BYTES},
         "206": {"description": "The part asked for with a Range header", "content": _BYTES},
         "304": {"description": "Not modified (If-None-Match matched the ETag)"}}


@api.post("/channels/<int:channel_id>/files")
@operation("files", status=201, ok=wrapped("files", array(ref("File"))), request_body=UPLOAD,
           ok_description="Kept; send them with POST /channels/{channel_id}/messages and `file_ids`",
           errors={400: ["invalid", "no_files", "too_many_files", "invalid_file_name", "empty_file"],
                   403: ["channel_archived", "not_in_channel", "broadcast_only"], 404: ["not_found"],
                   413: ["too_large", "file_too_large"]})
def upload_files(channel_id: int) -> ResponseReturnValue:
    """Upload files to send in a conversation

    One request may carry as many files as a message (`file` parts). Each must be within the workspace's
    `max_file_size`; if any file is refused, none is kept. The type is decided from the content.
    Previews (PDF first page, images) follow in the background.
    """
    # The request size limit for this endpoint is raised in api._authenticate, before the body is read.
    uploads = [(item.filename, item.stream) for item in request.files.getlist("file")]
    return jsonify({"files": files.upload_files(actor(), channel_id, uploads)}), 201


@api.post("/uploads/<ticket>")
@operation("files", ok=ref("File"), request_body=UPLOAD_URL_BODY,
           ok_description="Kept, private to the uploader until `files.completeUploadExternal` shares it",
           errors={400: ["invalid", "length_mismatch"], 404: ["not_found"], 409: ["upload_url_used"],
                   410: ["upload_url_expired"], 413: ["too_large", "file_too_large"]})
def receive_upload(ticket: str) -> ResponseReturnValue:
    """Upload a file's bytes to an upload URL of the Web API

    The URL (from `files.getUploadURLExternal`, docs/integrations.md) is the credential: no token
    or cookie is needed. Send exactly the declared length, as the raw body (any content type but
    multipart: `slack_sdk` sends it so) or as the one file part of a multipart form (`curl -F
    filename=@report.pdf`). Each URL takes one file, within `FILE_UPLOAD_URL_SECONDS` of being
    made. Then `files.completeUploadExternal` shares the file or keeps it private.
    """
    upload = files.read_upload_url(ticket)
    ratelimits.for_person("RATE_LIMIT_UPLOADS", upload.uploader_id)
    request.max_content_length = upload.length + MULTIPART_ROOM
    multipart = request.mimetype == "multipart/form-data"

    def body() -> IO[bytes]:
        if not multipart:
            return _spooled(request.stream, upload.length + 1)
        parts = list(request.files.values())
        if len(parts) != 1:
            raise Invalid("send the file as the body, or as the one file part of a multipart form", field="file")
        return parts[0].stream

    try:
        kept = files.receive_upload(upload, files.UploadBody(None if multipart else request.content_length, body))
    except RequestEntityTooLarge:  # a body without a length, or a form, past the declared length
        raise TooLarge(f"the body is longer than the {upload.length} bytes declared to files.getUploadURLExternal",
                       code="file_too_large") from None
    return jsonify(kept)


def _spooled(stream: IO[bytes], limit: int) -> IO[bytes]:
    """At most ``limit`` bytes of the request's own stream, read here, then handed over as a
    temporary file. The stream is the connection: it is read on the request's (green) thread,
    as the form parser reads a multipart upload, never by the worker thread that then hashes
    and stores the bytes off the event loop."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115  (returned open)
    while limit > 0 and (chunk := stream.read(min(SPOOL_CHUNK, limit))):
        spool.write(chunk)
        limit -= len(chunk)
    spool.seek(0)
    return cast(IO[bytes], spool)


@api.get("/channels/<int:channel_id>/files")
@operation("files", ok=ref("FilePage"), errors={404: ["not_found"]})
@with_query(FilesQuery)
def channel_files(channel_id: int, params: FilesQuery) -> ResponseReturnValue:
    """Files shared in a conversation, newest first"""
    return jsonify(files.list_channel_files(actor(), channel_id, kind=params.kind, user_id=params.user_id,
                                            before=params.before, limit=params.limit))


@api.get("/workspaces/<int:workspace_id>/files")
@operation("files", ok=ref("FilePage"), errors={404: ["not_found"]})
@with_query(FilesQuery)
def workspace_files(workspace_id: int, params: FilesQuery) -> ResponseReturnValue:
    """Files shared in every conversation you can read, newest first"""
    return jsonify(files.list_workspace_files(actor(), workspace_id, kind=params.kind, user_id=params.user_id,
                                              before=params.before, limit=params.limit))


@api.get("/workspaces/<int:workspace_id>/files/search")
@operation("files", ok=ref("FileSearchResults"), errors={404: ["not_found"]})
@with_query(SearchQuery)
def search_files(workspace_id: int, params: SearchQuery) -> ResponseReturnValue:
    """Find files by name or by words inside PDFs

    Case-insensitive substring match on the file name and the text extracted from PDFs, in
    conversations you can read; each result carries the sharing message.
    """
    return jsonify(files.search_files(actor(), workspace_id, params.q, limit=params.limit))


@api.get("/workspaces/<int:workspace_id>/storage")
@operation("files", ok=ref("StorageUsage"), errors={403: ["admin_only"], 404: ["not_found"]})
def storage_usage(workspace_id: int) -> ResponseReturnValue:
    """Storage used by the workspace's files (admins)"""
    return jsonify(files.storage_usage(actor(), workspace_id))


@api.get("/files/<file_id>")
@operation("files", ok=ref("File"), errors={404: ["not_found"]})
def get_file(file_id: str) -> ResponseReturnValue:
    """A file's details"""
    return jsonify(files.get_file(actor(), file_id))


@api.delete("/files/<file_id>")
@operation("files", ok=ref("FileDeleted"), errors={403: ["not_uploader"], 404: ["not_found"]})
def delete_file(file_id: str) -> ResponseReturnValue:
    """Delete a file for everyone (its uploader, or an admin)

    A message that was only this file is deleted with it; otherwise the message is updated
    (`message.updated`).
    """
    return jsonify(files.delete_file(actor(), file_id))


def _ignore_unusable_range() -> None:
    """Drop a Range header that is malformed, in another unit than bytes, or asks for more than
    one range: RFC 9110 (14.2) lets a server ignore Range (and requires it for unknown units),
    and the whole file (200) serves any client. Werkzeug would answer 416 to all three (it
    makes no multipart/byteranges responses). One well-formed range is
    served as 206, or 416 when it lies beyond the end of the file."""
    header = request.headers.get("Range")
    if header is not None:
        parsed = parse_range_header(header)
        if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
            request.environ.pop("HTTP_RANGE", None)


@api.get("/files/<file_id>/content")
@operation("files", ok=None, responses=BYTES, errors={404: ["not_found", "content_missing"]})
@with_query(DownloadQuery)
def file_content(file_id: str, params: DownloadQuery) -> ResponseReturnValue:
    """The file's bytes (Range requests supported)

    Images and PDFs are served inline (for the in-page viewer) unless `download=1`; everything
    else is always an attachment, with a sandboxing Content-Security-Policy and
    `X-Content-Type-Options: nosniff`. Access is checked on every request, Range requests
    included; responses carry an ETag and `Cache-Control: private, no-cache`.
    """
    f, path = files.file_content(actor(), file_id)
    _ignore_unusable_range()
    inline = f.content_type in _INLINE_TYPES and not params.download
    response = send_file(path, mimetype=f.content_type, as_attachment=not inline, download_name=f.name,
                         conditional=True, etag=f.sha256, last_modified=f.created_at, max_age=None)
    response.headers["Content-Security-Policy"] = (
        _CSP_INLINE if inline else _CSP_SANDBOX)
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if f.kind == FileKind.pdf and inline else "DENY"
    return _private(response)


@api.get("/files/<file_id>/thumbnail")
@operation("files", ok=None, responses=BYTES, errors={404: ["not_found", "no_preview", "content_missing"]})
def file_thumbnail(file_id: str) -> ResponseReturnValue:
    """The preview image (WebP, at most 480 px)

    Only while `preview.state` is `ready`.
    """
    f, path = files.file_content(actor(), file_id, thumbnail=True)
    _ignore_unusable_range()
    response = send_file(path, mimetype="image/webp", conditional=True, etag=f"{f.sha256}-thumbnail",
                         max_age=None)
    response.headers["Content-Security-Policy"] = _CSP_SANDBOX
    response.headers["X-Frame-Options"] = "DENY"
    return _private(response)


def _private(response: Response) -> Response:
    # Access is checked on every request: caches may keep the bytes but must ask us (ETag) each time.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
