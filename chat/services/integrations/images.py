"""Images in bot messages, shown through our own origin (the image proxy).

An attachment's ``image_url``, a block's image and every other picture a bot names is written
into the message as ``proxied(url)``:

    /api/v1/images/<signature>/<url in unpadded base64url>

``signature`` is the unpadded base64url of HMAC-SHA256(key, url), where the key is derived
from SECRET_KEY for this one purpose (HMAC-SHA256(SECRET_KEY, "chat.image-proxy.v1")), so it
signs nothing else and nothing else's signature is valid here. Only URLs this server wrote into
a message carry a valid signature: the proxy is no open fetcher. The page's CSP stays
``img-src 'self' data:``, and people's browsers never contact the image's server (it learns
neither their addresses nor what they read; tracking pixels see only this server, once).

``get_image(actor, signature, encoded)`` is what the door serves: the signature is checked in
constant time; a cached copy younger than IMAGE_PROXY_CACHE_SECONDS is served as it is; otherwise
the URL is fetched with ``chat.core.outbound`` (public addresses only, after DNS and on every
redirect, unless in IMAGE_PROXY_ALLOWED_NETWORKS, by default OUTBOUND_ALLOWED_NETWORKS;
IMAGE_PROXY_TIMEOUT_SECONDS over the whole exchange; at most IMAGE_PROXY_MAX_BYTES),
and kept only when its first bytes are PNG, JPEG, GIF or WebP (the origin's Content-Type is
ignored; SVG, which can carry script, is never an image here). Failures raise ``ChatError``s
with a status and a code (``ImageError``); an upstream verdict (refused, not an image, too
large, 404...) is remembered for FAILURE_SECONDS per process so a broken image in a busy
channel is not fetched again for every reader.

The cache: files in storage under ``image-proxy/``, named by the SHA-256 of the URL. It is
bounded by IMAGE_PROXY_CACHE_BYTES: ``prune_cache`` removes expired copies, then the oldest
fetched until the rest fit; it runs with the housekeeping jobs and after every eighth of the
bound written by this process.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from chat.core import outbound, ratelimits
from chat.core.actor import Actor
from chat.core.errors import Busy, ChatError, NotFound
from chat.models import FileKind
from chat.services.files.filetypes import sniff
from chat.storage import storage

log = logging.getLogger(__name__)

PATH_PREFIX = "/api/v1/images"  # chat/api/images.py
CACHE_PREFIX = "image-proxy"
_KEY_LABEL = b"chat.image-proxy.v1"
# Unpadded base64url of a 2048-character URL (outbound's longest) and of a SHA-256 digest.
_ENCODED = re.compile(r"[A-Za-z0-9_-]{1,2731}")
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")
ACCEPT = "image/png,image/jpeg,image/gif,image/webp;q=0.9,*/*;q=0.1"
FAILURE_SECONDS = 300
FAILURES_REMEMBERED = 1024


# --- URLs ----------------------------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode() if isinstance(secret, str) else secret, _KEY_LABEL, hashlib.sha256).digest()


def signature(url: str) -> str:
    """The signature of ``url`` in a proxied path."""
    return _b64(hmac.new(_key(), url.encode(), hashlib.sha256).digest())


def proxied(url: str) -> str:
    """The same-origin path that shows the image at ``url`` (an http(s) URL the caller has
    already checked, e.g. with ``mrkdwn.safe_href``). Needs an app context (SECRET_KEY)."""
    return f"{PATH_PREFIX}/{signature(url)}/{_b64(url.encode())}"


def verified_url(sig: str, encoded: str) -> str:
    """The URL a proxied path names, when its signature is ours; ``NotFound`` otherwise (a
    forged or altered path names nothing this server showed)."""
    refused = NotFound("no such image (the link is not one this server made)", code="bad_signature")
    if not _SIGNATURE.fullmatch(sig) or not _ENCODED.fullmatch(encoded):
        raise refused
    try:
        url = _unb64(encoded).decode()
    except (binascii.Error, ValueError):
        raise refused from None
    if not hmac.compare_digest(signature(url).encode(), sig.encode()):
        raise refused
    return url


# --- errors --------------------------------------------------------------------------------------------

class ImageError(ChatError):
    """The image could not be shown: what the origin did, or what we refused."""

    status = 502
    code = "upstream_error"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message, code=code)
        if status is not None:
            self.status = status


def _error_for(error: outbound.OutboundError, max_bytes: int) -> ImageError:
    if isinstance(error, outbound.TimedOut):
        return ImageError("the image's server did not answer in time", status=504, code="upstream_timeout")
    if isinstance(error, outbound.TooLarge):
        return ImageError(f"the image is larger than {max_bytes} bytes", status=502, code="image_too_large")
    if isinstance(error, (outbound.RefusedAddress, outbound.InvalidUrl)):
        return ImageError(f"the image's address is not allowed: {error.message}", status=502,
                          code="refused_address")
    if isinstance(error, outbound.TooManyRedirects):
        return ImageError(error.message, status=502, code="too_many_redirects")
    return ImageError(f"the image's server could not be reached: {error.message}", status=502,
                      code="upstream_unreachable")


# --- the cache -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProxiedImage:
    """A cached image ready to serve."""

    path: Path
    content_type: str      # from its first bytes
    etag: str
    fetched_at: float      # Unix seconds


def _cache_key(url: str) -> str:
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"{CACHE_PREFIX}/{digest[:2]}/{digest}"


def _cached(key: str) -> ProxiedImage | None:
    path = storage().path(key)
    if path is None:
        return None
    try:
        stat = path.stat()
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError:
        return None  # pruned meanwhile
    if time.time() - stat.st_mtime > float(current_app.config["IMAGE_PROXY_CACHE_SECONDS"]):
        return None
    kind, content_type = sniff(head)
    if kind != FileKind.image:
        return None
    return ProxiedImage(path, content_type, f"{key.rsplit('/', 1)[1][:32]}-{int(stat.st_mtime)}", stat.st_mtime)


def _keep(key: str, body: bytes) -> None:
    fd, name = tempfile.mkstemp(dir=storage().scratch(), prefix="image-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        storage().put(Path(name), key)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    _written(len(body))


_state_lock = threading.Lock()
_written_since_prune = 0
_failures: OrderedDict[str, tuple[float, ImageError]] = OrderedDict()
_fetch_slots: threading.BoundedSemaphore | None = None


def _written(size: int) -> None:
    global _written_since_prune
    with _state_lock:
        _written_since_prune += size
        due = _written_since_prune > int(current_app.config["IMAGE_PROXY_CACHE_BYTES"]) // 8
        if due:
            _written_since_prune = 0
    if due:
        prune_cache()


def prune_cache(*, now: float | None = None) -> int:
    """Remove cached images older than IMAGE_PROXY_CACHE_SECONDS, then the oldest fetched
    until the rest take at most IMAGE_PROXY_CACHE_BYTES; returns how many were removed."""
    config = current_app.config
    now = time.time() if now is None else now
    max_age = float(config["IMAGE_PROXY_CACHE_SECONDS"])
    budget = int(config["IMAGE_PROXY_CACHE_BYTES"])
    entries = sorted(storage().listing(CACHE_PREFIX), key=lambda e: e[2], reverse=True)  # newest first
    removed, total = 0, 0
    for key, size, mtime in entries:
        if now - mtime > max_age or total + size > budget:
            storage().delete(key)
            removed += 1
        else:
            total += size
    return removed


def _remembered(url: str) -> ImageError | None:
    with _state_lock:
        found = _failures.get(url)
        if found is None:
            return None
        if found[0] < time.monotonic():
            del _failures[url]
            return None
        return found[1]


def _remember(url: str, error: ImageError) -> None:
    with _state_lock:
        _failures[url] = (time.monotonic() + FAILURE_SECONDS, error)
        _failures.move_to_end(url)
        while len(_failures) > FAILURES_REMEMBERED:
            _failures.popitem(last=False)


def _slots() -> threading.BoundedSemaphore:
    global _fetch_slots
    with _state_lock:
        if _fetch_slots is None:
            _fetch_slots = threading.BoundedSemaphore(max(1, int(current_app.config["IMAGE_PROXY_CONCURRENCY"])))
        return _fetch_slots


# --- fetching ------------------------------------------------------------------------------------------

def _fetch(url: str) -> bytes:
    """The bytes of the image at ``url``, checked to be a raster image; ImageError otherwise."""
    config = current_app.config
    max_bytes = int(config["IMAGE_PROXY_MAX_BYTES"])
    networks = config.get("IMAGE_PROXY_ALLOWED_NETWORKS")
    policy = outbound.Policy.from_config(config, max_response_bytes=max_bytes,
                                         total_timeout=float(config["IMAGE_PROXY_TIMEOUT_SECONDS"]),
                                         **({} if networks is None else
                                            {"allowed_networks": outbound.parse_networks(networks)}))
    try:
        response = outbound.request("GET", url, headers={"Accept": ACCEPT}, policy=policy)
    except outbound.OutboundError as e:
        raise _error_for(e, max_bytes) from None
    if response.status in (404, 410):
        raise ImageError(f"the image's server answered {response.status}", status=404, code="upstream_not_found")
    if not 200 <= response.status < 300:
        raise ImageError(f"the image's server answered {response.status}", status=502, code="upstream_error")
    kind, _ = sniff(response.body[:16])
    if kind != FileKind.image:
        raise ImageError("not an image (only PNG, JPEG, GIF and WebP are shown)", status=415, code="not_an_image")
    return response.body


def get_image(actor: Actor, sig: str, encoded: str) -> ProxiedImage:
    """The image a proxied path names, from the cache or fetched now (and kept).

    Raises NotFound ``bad_signature`` for a path this server did not make (nothing is
    fetched), ImageError for what the origin did or what was refused, RateLimited past
    RATE_LIMIT_IMAGE_FETCHES (fetches per person; cached images do not count), Busy when
    IMAGE_PROXY_CONCURRENCY fetches are already in flight in this process."""
    url = verified_url(sig, encoded)
    key = _cache_key(url)
    cached = _cached(key)
    if cached is not None:
        return cached
    remembered = _remembered(url)
    if remembered is not None:
        raise remembered
    ratelimits.for_person("RATE_LIMIT_IMAGE_FETCHES", actor.id)
    slots = _slots()
    if not slots.acquire(timeout=float(current_app.config["IMAGE_PROXY_TIMEOUT_SECONDS"])):
        raise Busy("too many images being fetched; try again shortly")
    try:
        cached = _cached(key)  # fetched by someone else while this request waited
        if cached is not None:
            return cached
        try:
            body = _fetch(url)
        except ImageError as e:
            log.info("image proxy: %s for %s", e.code, url[:200])
            if e.code != "upstream_unreachable":
                _remember(url, e)
            raise
        _keep(key, body)
    finally:
        slots.release()
    kept = _cached(key)
    if kept is None:  # removed between keeping and reading (a prune to a tiny bound)
        raise ImageError("the image could not be kept", status=503, code="busy")
    return kept
