"""The built browser client as the server serves it: each page links its entry's hashed files
from Vite's manifest, those are cached for a year, and the page's CSP is unchanged."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chat.web.assets import ClientNotBuilt, Manifest
from tests.support import PASSWORD, Server, sign_up, start_server

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("assets"))
    yield srv
    srv.stop()


def _signed_in(server: Server) -> requests.Session:
    person = sign_up(server.url)
    browser = requests.Session()
    page = browser.get(server.url + "/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    answer = browser.post(server.url + "/login", data={
        "email": person.email, "password": PASSWORD, "csrf_token": token.group(1)}, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    return browser


def test_the_chat_page_loads_its_hashed_bundle_with_a_year_long_cache(server: Server) -> None:
    browser = _signed_in(server)
    page = browser.get(server.url + "/")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CSP
    scripts = re.findall(r'<script type="module" src="(/static/dist/assets/chat-[\w-]+\.js)"></script>', page.text)
    styles = re.findall(r'<link rel="stylesheet" href="(/static/dist/assets/[\w-]+\.css)">', page.text)
    assert len(scripts) == 1 and len(styles) == 1, page.text
    assert "<script>" not in page.text and "/vendor/" not in page.text  # no inline code, no globals

    script = browser.get(server.url + scripts[0])
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # socket.io-client is bundled as a module, not served as a global from node_modules.
    assert "socket.io" in script.text.lower() or "engine.io" in script.text.lower()
    source_map = re.search(r"//# sourceMappingURL=(\S+)", script.text)
    assert source_map
    assert browser.get(server.url + "/static/dist/assets/" + source_map.group(1)).status_code == 200

    style = browser.get(server.url + styles[0])
    assert style.headers["Content-Type"].startswith("text/css")
    assert style.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_sign_in_pages_get_the_stylesheet_and_unhashed_files_revalidate(server: Server) -> None:
    page = requests.get(server.url + "/login")
    styles = re.findall(r'<link rel="stylesheet" href="(/static/dist/assets/style-[\w-]+\.css)">', page.text)
    assert len(styles) == 1
    assert "<script" not in page.text
    icon = requests.get(server.url + "/static/favicon.svg")
    assert icon.status_code == 200
    assert "immutable" not in icon.headers.get("Cache-Control", "")
    assert requests.get(server.url + "/static/dist/assets/missing-0000.js").status_code == 404


def test_a_missing_build_says_how_to_make_it(tmp_path: Path) -> None:
    with pytest.raises(ClientNotBuilt, match="npm run build"):
        Manifest(str(tmp_path / "manifest.json")).entry("chat")
