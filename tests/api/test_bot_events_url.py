"""A bot's Events API request URL (issue 13, step 1): saved only once it answers Slack's
``url_verification`` handshake, signed with the bot's signing secret, through the outbound
client (private addresses refused unless OUTBOUND_ALLOWED_NETWORKS allows them).

A real server that may reach 127.0.0.1, and a real receiver on 127.0.0.1 that checks the
signature with slack_sdk's SignatureVerifier and answers as its path says."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.api.helpers import assert_error
from tests.support import ROOT, Cast, Server, make_cast, start_server


class Handshakes:
    """A receiver of url_verification requests. Paths: /text, /form, /json answer the challenge in
    that form; /wrong a wrong one; /error HTTP 500. Every request's signature is checked against
    ``secrets`` (bot id in the query -> its signing secret); a bad one answers 401. The bot id
    ``any`` stands for an app that checks no signatures."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.received: list[tuple[str, dict[str, Any], bool]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                path, _, bot = self.path.partition("?bot=")
                secret = outer.secrets.get(bot)  # none: this app cannot check (or know) the signature
                signed = bool(secret) and SignatureVerifier(secret).is_valid(
                    body, self.headers.get("X-Slack-Request-Timestamp", ""), self.headers.get("X-Slack-Signature", ""))
                payload = json.loads(body) if self.headers.get("Content-Type") == "application/json" else {}
                outer.received.append((path, payload, signed))
                challenge = str(payload.get("challenge", ""))
                if not signed and bot != "any":
                    self._send(401, "text/plain", b"bad signature")
                elif path == "/text":
                    self._send(200, "text/plain", challenge.encode())
                elif path == "/form":
                    self._send(200, "application/x-www-form-urlencoded", urlencode({"challenge": challenge}).encode())
                elif path == "/json":
                    self._send(200, "application/json", json.dumps({"challenge": challenge}).encode())
                elif path == "/wrong":
                    self._send(200, "text/plain", b"not-the-challenge")
                else:
                    self._send(500, "text/plain", b"boom")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, bot_id: int | str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}?bot={bot_id}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    started = start_server(tmp_path_factory.mktemp("events-url"), async_mode="threading",
                           extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32", "OUTBOUND_TIMEOUT_SECONDS": "5"})
    yield started
    started.stop()


@pytest.fixture(scope="module")
def handshakes() -> Iterator[Handshakes]:
    h = Handshakes()
    yield h
    h.stop()


@pytest.fixture
def cast(server: Server) -> Cast:
    return make_cast(server.url)


def _bot(cast: Cast, handshakes: Handshakes) -> dict[str, Any]:
    bot = cast.alice.post(f"/workspaces/{cast.acme.id}/bots", {"name": "Events Bot"})
    handshakes.secrets[str(bot["id"])] = cast.alice.get(f"/bots/{bot['id']}/signing-secret")["signing_secret"]
    return bot


def test_a_url_that_answers_the_challenge_in_any_of_slacks_forms_is_saved(cast: Cast, handshakes: Handshakes) -> None:
    bot = _bot(cast, handshakes)
    assert bot["events_url"] is None  # admins see it, none yet
    for form in ("/text", "/form", "/json"):
        url = handshakes.url(form, bot["id"])
        before = len(handshakes.received)
        changed = cast.alice.call("PATCH", f"/bots/{bot['id']}", {"events_url": url})
        assert changed["events_url"] == url
        path, payload, signed = handshakes.received[before]
        assert path == form and signed
        assert payload["type"] == "url_verification" and payload["token"] == ""
        assert isinstance(payload["challenge"], str) and len(payload["challenge"]) >= 20
    assert cast.alice.get(f"/bots/{bot['id']}")["events_url"] == handshakes.url("/json", bot["id"])
    listed = cast.alice.get(f"/workspaces/{cast.acme.id}/bots")["bots"]
    assert [b["events_url"] for b in listed if b["id"] == bot["id"]] == [handshakes.url("/json", bot["id"])]
    # Members see the bot, not its settings.
    assert "events_url" not in cast.bob.get(f"/bots/{bot['id']}")
    assert all("events_url" not in b for b in cast.bob.get(f"/workspaces/{cast.acme.id}/bots")["bots"])
    # Challenges differ every time.
    challenges = [p["challenge"] for _, p, _ in handshakes.received[-3:]]
    assert len(set(challenges)) == 3

    # Empty clears it, without a request.
    before = len(handshakes.received)
    assert cast.alice.call("PATCH", f"/bots/{bot['id']}", {"events_url": ""})["events_url"] is None
    assert len(handshakes.received) == before


def test_a_url_that_does_not_answer_is_refused_and_the_old_one_kept(cast: Cast, handshakes: Handshakes) -> None:
    bot = _bot(cast, handshakes)
    good = handshakes.url("/text", bot["id"])
    cast.alice.call("PATCH", f"/bots/{bot['id']}", {"events_url": good})

    wrong = cast.alice.request("PATCH", f"/bots/{bot['id']}", json={"events_url": handshakes.url("/wrong", bot["id"]),
                                                                    "display_name": "Renamed"})
    assert_error(wrong, 400, "events_url_unverified")
    assert "challenge" in wrong.json()["error"]["message"]
    failing = cast.alice.request("PATCH", f"/bots/{bot['id']}",
                                 json={"events_url": handshakes.url("/error", bot["id"])})
    assert_error(failing, 400, "events_url_unverified")
    assert "500" in failing.json()["error"]["message"]

    # A private address the operator did not allow: refused before anything is contacted.
    before = len(handshakes.received)
    started = time.monotonic()
    private = cast.alice.request("PATCH", f"/bots/{bot['id']}", json={"events_url": "http://10.0.0.1/events"})
    assert_error(private, 400, "events_url_unverified")
    assert "refused address" in private.json()["error"]["message"] and time.monotonic() - started < 2
    assert_error(cast.alice.request("PATCH", f"/bots/{bot['id']}", json={"events_url": "ftp://example.test/"}),
                 400, "invalid")
    assert len(handshakes.received) == before

    # Nothing changed, the name sent with the wrong URL neither.
    now = cast.alice.get(f"/bots/{bot['id']}")
    assert now["events_url"] == good and now["display_name"] == "Events Bot"


def test_only_admins_set_the_url(cast: Cast, handshakes: Handshakes) -> None:
    bot = _bot(cast, handshakes)
    before = len(handshakes.received)
    url = handshakes.url("/text", bot["id"])
    assert_error(cast.bob.request("PATCH", f"/bots/{bot['id']}", json={"events_url": url}), 403, "admin_only")
    assert_error(cast.olga.request("PATCH", f"/bots/{bot['id']}", json={"events_url": url}), 404, "not_found")
    assert len(handshakes.received) == before
    assert cast.alice.get(f"/bots/{bot['id']}")["events_url"] is None


def _flask(instance: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "CHAT_INSTANCE_DIR": str(instance), "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024",
            **(env or {})}
    full.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], check=False, cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=60)


def test_the_command_line_sets_the_url(tmp_path: Path, handshakes: Handshakes) -> None:
    allowed = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32"}
    assert _flask(tmp_path, "db", "upgrade").returncode == 0
    for email in ("ann@example.test", "ben@example.test"):
        assert _flask(tmp_path, "create-user", email, "--name", email[:3], "--password", "a long password"
                      ).returncode == 0
    workspace_id = _flask(tmp_path, "create-workspace", "Initech", "--owner", "ann@example.test").stdout.split()[1]
    assert _flask(tmp_path, "add-member", workspace_id, "ben@example.test").returncode == 0
    made = _flask(tmp_path, "create-bot", workspace_id, "Build Bot", "--by", "ann@example.test")
    assert made.returncode == 0, made.stderr
    values = dict(line.split("=", 1) for line in made.stdout.splitlines())
    bot_id = values["BOT_ID"]
    handshakes.secrets[bot_id] = values["SIGNING_SECRET"].strip("'")
    url = handshakes.url("/json", int(bot_id))

    done = _flask(tmp_path, "update-bot", bot_id, "--events-url", url, env=allowed)  # by its owner
    assert done.returncode == 0, done.stderr
    script = 'eval "$1"; printf "%s\\n" "$EVENTS_URL"'
    shell = subprocess.run(["sh", "-c", script, "sh", done.stdout], capture_output=True, text=True, check=True)
    assert shell.stdout.strip() == url
    assert handshakes.received[-1][0] == "/json" and handshakes.received[-1][2]

    wrong = _flask(tmp_path, "update-bot", bot_id, "--events-url", handshakes.url("/wrong", int(bot_id)),
                   "--by", "ann@example.test", env=allowed)
    assert wrong.returncode != 0 and "events_url_unverified" in wrong.stderr
    # Without the operator's allowance, 127.0.0.1 is a private address like any other.
    private = _flask(tmp_path, "update-bot", bot_id, "--events-url", url)
    assert private.returncode != 0 and "refused address" in private.stderr
    member = _flask(tmp_path, "update-bot", bot_id, "--events-url", url, "--by", "ben@example.test", env=allowed)
    assert member.returncode != 0 and "admin_only" in member.stderr
    cleared = _flask(tmp_path, "update-bot", bot_id, "--events-url", "", "--by", "ann@example.test")
    assert cleared.returncode == 0 and cleared.stdout.strip() == "EVENTS_URL=''"

    # Made with its URL at once: set when the app answers the handshake (this one checks no
    # signatures) ...
    at_once = _flask(tmp_path, "create-bot", workspace_id, "Eager Bot", "--by", "ann@example.test",
                     "--events-url", handshakes.url("/text", "any"), env=allowed)
    assert at_once.returncode == 0, at_once.stderr
    script = 'eval "$1"; printf "%s\\n" "$BOT_ID" "$EVENTS_URL"'
    shell = subprocess.run(["sh", "-c", script, "sh", at_once.stdout], capture_output=True, text=True, check=True)
    assert shell.stdout.split("\n")[1] == handshakes.url("/text", "any")
    # ... and made all the same, without a URL, when the app cannot know the new secret yet.
    checked = _flask(tmp_path, "create-bot", workspace_id, "Careful Bot", "--by", "ann@example.test",
                     "--events-url", handshakes.url("/json", 0), env=allowed)
    assert checked.returncode != 0 and "events_url_unverified" in checked.stderr
    made_anyway = dict(line.split("=", 1) for line in checked.stdout.splitlines())
    assert set(made_anyway) == {"BOT_ID", "BOT_TOKEN", "BOT_TOKEN_ID", "SIGNING_SECRET"}
    listed = _flask(tmp_path, "list-bots", workspace_id).stdout
    assert f"bot {made_anyway['BOT_ID']} " in listed
