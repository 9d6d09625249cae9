"""Images in bot messages through the image proxy (services/integrations/images.py, GET
/api/v1/images/...),
against a real server and a real image server on 127.0.0.1: the renderer writes signed
same-origin paths; a signed-in person gets the bytes with headers under which nothing runs, and a
second view is served from the cache; a forged or altered path, or nobody signed in, is refused
before the origin is contacted; what is not a raster image, too large, slow, missing or behind a
redirect to a private address answers a clear error, never 500; requests are limited per person."""
from __future__ import annotations

import io
import os
import re
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from flask import Flask
from PIL import Image

from chat import create_app
from chat.services.integrations import images, parse_slack_message, render_slack
from chat.storage import storage
from tests.api.helpers import Browser, assert_error
from tests.api.test_bots import make_bot
from tests.api.test_slack_web_api import client, sid
from tests.receiver import Receiver
from tests.support import Person, Server, create_workspace, free_port, sign_up, start_server

SECRET = "image-proxy-test-secret"
TIMEOUT = 2
MAX_BYTES = 5 * 1024 * 1024
REQUESTS_PER_MINUTE = 40


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _png()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><script>alert(1)</script>"


class ImageServer(Receiver):
    """The receiver, plus ``/image/<kind>/<anything>``: png, svg (image/svg+xml), html (served as
    image/png), huge (PNG bytes declaring 50 MB), endless (PNG bytes, chunked, 50 MB)."""

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        segments = urlsplit(h.path).path.strip("/").split("/")
        if segments[0] != "image":
            return super()._answer(h)
        kind = segments[1]
        if kind in ("png", "svg", "html"):
            body, content_type = {"png": (PNG, "image/png"), "svg": (SVG, "image/svg+xml"),
                                  "html": (HTML, "image/png")}[kind]
            h.send_response(200)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return None
        h.send_response(200)
        h.send_header("Content-Type", "image/png")
        if kind == "huge":
            h.send_header("Content-Length", str(50 * 1024 * 1024))
        else:
            h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = PNG[:8] + b"\0" * (64 * 1024 - 8)
        try:
            for _ in range(50 * 16):
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if kind == "endless" else chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the proxy stopped reading at its cap
        h.close_connection = True
        return None


@pytest.fixture(scope="module")
def origin() -> Iterator[ImageServer]:
    r = ImageServer().start()
    yield r  # type: ignore[misc]
    r.stop()


@pytest.fixture(scope="module")
def proxy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("image-proxy"), extra_env={
        "SECRET_KEY": SECRET, "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32",
        "IMAGE_PROXY_TIMEOUT_SECONDS": str(TIMEOUT), "IMAGE_PROXY_MAX_BYTES": str(MAX_BYTES),
        "RATE_LIMIT_IMAGES": f"{REQUESTS_PER_MINUTE} per minute"})
    yield srv
    srv.stop()


@pytest.fixture
def person(proxy_server: Server) -> Person:
    return sign_up(proxy_server.url, "Viewer")


@pytest.fixture(scope="module")
def signing() -> Iterator[None]:
    """An app context with the server's SECRET_KEY: the renderer signs as the server does."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = SECRET
    with app.app_context():
        yield


def card_images(url: str) -> list[str]:
    """The src of every image in a card showing ``url`` as its image and thumbnail."""
    message = parse_slack_message({"attachments": [{"title": "chart", "image_url": url, "thumb_url": url}]})
    return re.findall(r'<img [^>]*src="([^"]+)"', render_slack(message).html)


def get(server: Server, path: str, person: Person | None = None, **headers: str) -> requests.Response:
    if person is not None:
        headers["Authorization"] = f"Bearer {person.token}"
    return requests.get(server.url + path, headers=headers, timeout=TIMEOUT + 20)


def unique(kind: str) -> str:
    return f"/image/{kind}/{uuid.uuid4().hex[:10]}.png"


def assert_guarded(response: requests.Response) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


# --- the way it should go --------------------------------------------------------------------------

def test_a_cards_image_is_a_signed_same_origin_path_served_once_from_the_origin(
        proxy_server: Server, origin: ImageServer, person: Person, signing: None) -> None:
    path = unique("png")
    sources = card_images(origin.url(path))
    assert len(sources) == 2 and set(sources) == {images.proxied(origin.url(path))}
    src = sources[0]
    assert src.startswith("/api/v1/images/") and "127.0.0.1" not in src  # nothing of the origin for the browser
    assert origin.received(path) == []  # rendering fetches nothing

    first = get(proxy_server, src, person)
    assert first.status_code == 200, first.text
    assert first.content == PNG
    assert first.headers["Content-Type"] == "image/png"
    assert_guarded(first)
    assert re.fullmatch(r"private, max-age=\d+", first.headers["Cache-Control"])
    assert len(origin.received(path)) == 1
    sent = origin.received(path)[0].headers
    assert "cookie" not in sent and "authorization" not in sent and "referer" not in sent

    again = get(proxy_server, src, person)
    assert again.status_code == 200 and again.content == PNG
    someone_else = get(proxy_server, src, sign_up(proxy_server.url, "Other"))
    assert someone_else.status_code == 200 and someone_else.content == PNG
    assert len(origin.received(path)) == 1  # both served from the cache

    revalidated = get(proxy_server, src, person, **{"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304


def test_a_browser_session_sees_images_too(proxy_server: Server, origin: ImageServer, person: Person,
                                           signing: None) -> None:
    browser = Browser(proxy_server.url, person.email)
    path = unique("png")
    response = browser.session.get(proxy_server.url + images.proxied(origin.url(path)), timeout=20)
    assert response.status_code == 200 and response.content == PNG


def test_an_integrations_icon_is_shown_through_the_proxy_too(proxy_server: Server, origin: ImageServer,
                                                              signing: None) -> None:
    """The icon a message is shown with (an incoming webhook's own ``icon_url``, a Web API post's
    ``icon_url`` override) is a picture of another site too: the message carries, beside the URL
    as sent, the signed same-origin path the page shows it from, and the proxy serves it."""
    owner = sign_up(proxy_server.url, "Icon Owner")
    workspace = create_workspace(owner, "Icons")
    hook_icon, post_icon = origin.url(unique("png")), origin.url(unique("png"))
    hook = owner.post(f"/workspaces/{workspace.id}/webhooks", {"channel_id": workspace.general_id,
                                                               "name": "CI", "icon_url": hook_icon})
    assert requests.post(hook["url"], json={"text": "from the hook"}, timeout=20).text == "ok"
    owner.call("PATCH", f"/workspaces/{workspace.id}", {"webhook_overrides": True})
    _bot, robot = make_bot(owner, workspace.id, "Poster")
    posted = client(proxy_server.url, robot.token).chat_postMessage(
        channel=sid("C", workspace.general_id), text="from the bot", icon_url=post_icon)
    assert posted["message"]["icons"] == {"image_48": post_icon}  # a Slack app reads back what it sent
    shown = {m["body"]: m["props"] for m in owner.get(f"/channels/{workspace.general_id}/messages")["messages"]}
    for body, icon in (("from the hook", hook_icon), ("from the bot", post_icon)):
        props = shown[body]
        assert props["icon_url"] == icon
        assert props["icon_proxy_url"] == images.proxied(icon) and "127.0.0.1" not in props["icon_proxy_url"]
        picture = get(proxy_server, props["icon_proxy_url"], owner)
        assert picture.status_code == 200 and picture.content == PNG
    assert origin.received(urlsplit(hook_icon).path) and origin.received(urlsplit(post_icon).path)


def test_the_page_csp_still_allows_only_same_origin_images(proxy_server: Server, person: Person) -> None:
    page = Browser(proxy_server.url, person.email).session.get(proxy_server.url + "/", timeout=20)
    assert "img-src 'self' data:;" in page.headers["Content-Security-Policy"]


# --- refused before anything is fetched ------------------------------------------------------------

def _tampered(path: str, origin: ImageServer) -> list[str]:
    prefix, sig, encoded = path.rsplit("/", 2)
    other = images._b64(origin.url(unique("png")).encode())
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    return [
        f"{prefix}/{flipped}/{encoded}",                    # another signature
        f"{prefix}/{sig}/{other}",                          # another URL under this signature
        f"{prefix}/{sig}/{encoded[:-2]}",                   # a cut URL
        f"{prefix}/{sig[:-1]}/{encoded}",                   # a cut signature
        f"{prefix}/{sig}/{encoded}%2B",                     # not base64url
        f"{prefix}/{'A' * 43}/{images._b64(origin.url(unique('png')).encode())}",
    ]


def test_a_forged_or_altered_path_is_refused_and_the_origin_never_asked(
        proxy_server: Server, origin: ImageServer, person: Person, signing: None) -> None:
    before = len(origin.requests)
    for path in _tampered(images.proxied(origin.url(unique("png"))), origin):
        response = get(proxy_server, path, person)
        assert_error(response, 404, "bad_signature")
    # Signed with another key (another server's, or a guess): refused too.
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "not-the-servers-key"
    with app.app_context():
        assert_error(get(proxy_server, images.proxied(origin.url(unique("png"))), person), 404, "bad_signature")
    assert len(origin.requests) == before


def test_nobody_signed_in_is_refused_and_the_origin_never_asked(
        proxy_server: Server, origin: ImageServer, signing: None) -> None:
    path = unique("png")
    src = images.proxied(origin.url(path))
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Cookie": "session=forged"}):
        response = get(proxy_server, src, **headers)
        assert_error(response, 401, "unauthorized")
    assert origin.received(path) == []


# --- what the origin does --------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "status", "code"), [
    ("svg", 415, "not_an_image"),
    ("html", 415, "not_an_image"),          # served as image/png: the bytes decide
    ("huge", 502, "image_too_large"),       # declares 50 MB: refused before reading
    ("endless", 502, "image_too_large"),    # 50 MB without a length: cut at the cap
])
def test_what_is_not_a_raster_image_within_the_cap_is_refused(
        proxy_server: Server, origin: ImageServer, person: Person, signing: None,
        kind: str, status: int, code: str) -> None:
    path = unique(kind)
    response = get(proxy_server, images.proxied(origin.url(path)), person)
    assert_error(response, status, code)
    assert len(origin.received(path)) == 1
    # The verdict is remembered: a second view does not ask the origin again.
    assert_error(get(proxy_server, images.proxied(origin.url(path)), person), status, code)
    assert len(origin.received(path)) == 1


def test_upstream_failures_answer_clear_errors(proxy_server: Server, origin: ImageServer, person: Person,
                                               signing: None) -> None:
    cases = [
        (origin.url("/status/404"), 404, "upstream_not_found"),
        (origin.url("/status/500"), 502, "upstream_error"),
        (origin.url(f"/slow/{TIMEOUT + 2}"), 504, "upstream_timeout"),
        # A redirect to an address the server may not reach (127.0.0.2 is outside the allowed
        # 127.0.0.1/32; the metadata address is never public).
        (origin.url("/redirect?to=" + quote("http://127.0.0.2:9/x.png", safe="")), 502, "refused_address"),
        (origin.url("/redirect?to=" + quote("http://169.254.169.254/latest/meta-data/", safe="")), 502,
         "refused_address"),
        ("http://10.1.2.3/x.png", 502, "refused_address"),
        (f"http://127.0.0.1:{free_port()}/x.png", 502, "upstream_unreachable"),
    ]
    for url, status, code in cases:
        response = get(proxy_server, images.proxied(url), person)
        assert_error(response, status, code)
    assert "Traceback" not in proxy_server.log()


# --- limits ------------------------------------------------------------------------------------------

def test_requests_are_limited_per_person(proxy_server: Server, origin: ImageServer, signing: None) -> None:
    src = images.proxied(origin.url(unique("png")))
    busy, calm = sign_up(proxy_server.url, "Busy"), sign_up(proxy_server.url, "Calm")
    statuses = [get(proxy_server, src, busy).status_code for _ in range(REQUESTS_PER_MINUTE)]
    assert statuses == [200] * REQUESTS_PER_MINUTE
    refused = get(proxy_server, src, busy)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"  # with retry_after, as the API's
    assert int(refused.headers["Retry-After"]) >= 1
    assert get(proxy_server, src, calm).status_code == 200  # per person, not for everyone


# --- the cache's bounds (in process) ---------------------------------------------------------------

def test_the_cache_drops_expired_copies_then_the_oldest_past_its_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAT_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("CHAT_ASYNC_MODE", "threading")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "UPLOAD_FOLDER": str(tmp_path / "up"),
                      "IMAGE_PROXY_CACHE_BYTES": 250, "IMAGE_PROXY_CACHE_SECONDS": 3600})
    now = time.time()
    with app.app_context():
        for n, age in enumerate((10, 20, 30, 7200)):  # the last one expired
            scratch = storage().scratch() / f"image-{n}"
            scratch.write_bytes(PNG[:8] + bytes(92))
            key = f"{images.CACHE_PREFIX}/0{n}/{n:064x}"
            storage().put(scratch, key)
            full = storage().path(key)
            assert full is not None
            os.utime(full, (now - age, now - age))
        assert images.prune_cache(now=now) == 2  # the expired one, then the oldest of the rest
        assert sorted(k.rsplit("/", 1)[1][-1] for k, _, _ in storage().listing(images.CACHE_PREFIX)) == ["0", "1"]
        assert images.prune_cache(now=now + 7200) == 2  # everything expires
        assert storage().listing(images.CACHE_PREFIX) == []
