"""Files: multipart upload, metadata, lists, search and downloads (with Range, for PDF viewers)."""
from __future__ import annotations

from flask import Response, jsonify, request, send_file
from flask.typing import ResponseReturnValue
from werkzeug.http import parse_range_header

from chat.api import actor, api, query_choice, query_int
from chat.models import FileKind
from chat.services import files

# Raster images and PDFs may open in the browser; anything else is always a download.
_INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}
# Served bytes can never run script from our origin: no scripts at all, and for anything that is
# not an image or a PDF, a sandbox on top (Chromium's PDF viewer does not load in a sandbox).
_CSP_INLINE = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
_CSP_SANDBOX = "default-src 'none'; sandbox; frame-ancestors 'none'"


@api.post("/channels/<int:channel_id>/files")
def upload_files(channel_id: int) -> ResponseReturnValue:
    # The request size limit for this endpoint is raised in api._authenticate, before the body is read.
    uploads = [(item.filename, item.stream) for item in request.files.getlist("file")]
    return jsonify({"files": files.upload_files(actor(), channel_id, uploads)}), 201


@api.get("/channels/<int:channel_id>/files")
def channel_files(channel_id: int) -> ResponseReturnValue:
    return jsonify(files.list_channel_files(actor(), channel_id, kind=request.args.get("kind"),
                                            user_id=query_int("user_id"), before=query_int("before"),
                                            limit=query_int("limit")))


@api.get("/workspaces/<int:workspace_id>/files")
def workspace_files(workspace_id: int) -> ResponseReturnValue:
    return jsonify(files.list_workspace_files(actor(), workspace_id, kind=request.args.get("kind"),
                                              user_id=query_int("user_id"), before=query_int("before"),
                                              limit=query_int("limit")))


@api.get("/workspaces/<int:workspace_id>/files/search")
def search_files(workspace_id: int) -> ResponseReturnValue:
    return jsonify(files.search_files(actor(), workspace_id, request.args.get("q"), limit=query_int("limit")))


@api.get("/workspaces/<int:workspace_id>/storage")
def storage_usage(workspace_id: int) -> ResponseReturnValue:
    return jsonify(files.storage_usage(actor(), workspace_id))


@api.get("/files/<file_id>")
def get_file(file_id: str) -> ResponseReturnValue:
    return jsonify(files.get_file(actor(), file_id))


@api.delete("/files/<file_id>")
def delete_file(file_id: str) -> ResponseReturnValue:
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
def file_content(file_id: str) -> ResponseReturnValue:
    f, path = files.file_content(actor(), file_id)
    _ignore_unusable_range()
    inline = f.content_type in _INLINE_TYPES and query_choice("download", ("0", "1")) != "1"
    response = send_file(path, mimetype=f.content_type, as_attachment=not inline, download_name=f.name,
                         conditional=True, etag=f.sha256, last_modified=f.created_at, max_age=None)
    response.headers["Content-Security-Policy"] = (
        _CSP_INLINE if inline else _CSP_SANDBOX)
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if f.kind == FileKind.pdf and inline else "DENY"
    return _private(response)


@api.get("/files/<file_id>/thumbnail")
def file_thumbnail(file_id: str) -> ResponseReturnValue:
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
