"""The built browser client as the server serves it: each page links its entry's hashed files
from Vite's manifest, those are cached for a year, and the page's CSP is unchanged."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chat.web.assets import ClientNotBuilt, Manifest
from tests.support import PASSWORD, Person, Server, create_workspace, invite, sign_up, start_server

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = start_server(tmp_path_factory.mktemp("assets"))
    yield srv
    srv.stop()


def _signed_in(server: Server, person: Person | None = None) -> requests.Session:
    """A browser session of ``person`` (a new one by default), signed in through /login."""
    person = person or sign_up(server.url)
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


def test_the_integrations_page_is_its_own_entry_for_those_who_may_make_webhooks(server: Server) -> None:
    alice, bob, gus, olga = (sign_up(server.url) for _ in range(4))
    acme = create_workspace(alice)
    invite(alice, acme, bob)
    invite(alice, acme, gus, "guest")
    create_workspace(olga, "Globex")
    path = f"/w/{acme.id}/integrations"

    page = _signed_in(server, alice).get(server.url + path)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CSP
    scripts = re.findall(r'<script type="module" src="(/static/dist/assets/integrations-[\w-]+\.js)"></script>',
                         page.text)
    assert len(scripts) == 1 and "<script>" not in page.text, page.text
    assert 'id="integrations"' in page.text and '"role": "owner"' in page.text
    # Shared code (the REST helper, dialogs) is a chunk of its own, preloaded, not a copy.
    assert re.search(r'<link rel="modulepreload" href="/static/dist/assets/[\w-]+\.js">', page.text)

    # Members only while the workspace lets members make webhooks; guests never; outsiders: no such page.
    bob_browser, gus_browser = _signed_in(server, bob), _signed_in(server, gus)
    assert bob_browser.get(server.url + path).status_code == 403
    alice.call("PATCH", f"/workspaces/{acme.id}", {"members_create_webhooks": True})
    assert bob_browser.get(server.url + path).status_code == 200
    assert gus_browser.get(server.url + path).status_code == 403
    olga_browser = _signed_in(server, olga)
    for other in (path, "/w/987654321/integrations", "/w/99999999999999999999999/integrations"):
        assert olga_browser.get(server.url + other).status_code == 404, other
    anonymous = requests.get(server.url + path, allow_redirects=False)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


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
