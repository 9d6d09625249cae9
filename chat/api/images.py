"""The image proxy's door: the pictures bot messages show, from our own origin
(services/integrations/images.py makes the paths, checks them and fetches the bytes)."""
from __future__ import annotations

from flask import send_file
from flask.typing import ResponseReturnValue

from chat.api import actor, api
from chat.api.openapi import operation
from chat.api.schemas import BINARY
from chat.core.requests import Schema
from chat.services.integrations import images

# Nothing served here can run: no scripts, no plugins, no framing, a sandbox if opened directly.
CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
# The bytes behind one signed URL rarely change; only the person's own browser may keep them.
BROWSER_MAX_AGE = 24 * 3600

_IMAGE: Schema = {kind: {"schema": BINARY} for kind in ("image/png", "image/jpeg", "image/gif", "image/webp")}
IMAGE: dict[str, Schema] = {
    "200": {"description": "The image (PNG, JPEG, GIF or WebP, as its bytes say)", "content": _IMAGE},
    "304": {"description": "Not modified (If-None-Match matched the ETag)"}}


@api.get("/images/<signature>/<url>")
@operation("messages", ok=None, responses=IMAGE, errors={
    404: ["bad_signature", "upstream_not_found"], 415: ["not_an_image"],
    502: ["image_too_large", "refused_address", "too_many_redirects", "upstream_error", "upstream_unreachable"],
    503: ["busy"], 504: ["upstream_timeout"]})
def proxied_image(signature: str, url: str) -> ResponseReturnValue:
    """An image a bot message shows, through this server

    Messages never link to other servers' images: their HTML carries these paths instead, so
    browsers only talk to this server (the page's CSP is `img-src 'self' data:`). The path is
    signed by the server; any other answers `bad_signature` without fetching anything. The image
    is fetched once and kept for a while; only PNG, JPEG, GIF and WebP, recognised by their
    bytes, at most `IMAGE_PROXY_MAX_BYTES`. Counted against `RATE_LIMIT_IMAGES`, and when it must
    be fetched, `RATE_LIMIT_IMAGE_FETCHES`.
    """
    image = images.get_image(actor(), signature, url)
    response = send_file(image.path, mimetype=image.content_type, conditional=True, etag=image.etag,
                         last_modified=image.fetched_at, max_age=None)
    response.headers["Cache-Control"] = f"private, max-age={BROWSER_MAX_AGE}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response
