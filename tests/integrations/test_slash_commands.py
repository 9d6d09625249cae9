"""Custom slash commands against real integrations on 127.0.0.1: a small receiver that checks
Slack's v0 signature with slack_sdk's SignatureVerifier and answers as its path says, and an
unmodified slack_bolt app. The server (eventlet, as `python app.py` runs) may reach 127.0.0.1
through OUTBOUND_ALLOWED_NETWORKS; OUTBOUND_TIMEOUT_SECONDS keeps its default, Slack's 3 s.

Proofs that something did not happen wait for a later event instead of sleeping: a socket gets
one process's ephemeral events in order, and ``barrier`` sends a later message and read marker."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import requests
import sqlalchemy
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from tests.api.helpers import assert_error, history, unique
from tests.conftest import server_for
from tests.support import Cast, Person, Server, SocketClient, barrier


class CommandApp:
    """Answers slash-command requests by path, after checking their signature against the
    signing secret of the command whose verification token they carry (``secrets``): a bad
    signature answers 401. Paths: /ephemeral and /in_channel (Slack JSON), /text (plain text),
    /empty (200, no body), /slow (5 s, then text), /status500."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}  # verification token -> signing secret
        self.received: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
                secret = outer.secrets.get(form.get("token", ""), "")
                signed = bool(secret) and SignatureVerifier(secret).is_valid(
                    body, self.headers.get("X-Slack-Request-Timestamp", ""), self.headers.get("X-Slack-Signature", ""))
                path = urlsplit(self.path).path
                with outer._changed:
                    outer.received.append({"path": path, "form": form, "signed": signed,
                                           "content_type": self.headers.get("Content-Type"),
                                           "retry": self.headers.get("X-Slack-Retry-Num")})
                    outer._changed.notify_all()
                if not signed:
                    self._send(401, "text/plain", b"bad signature")
                elif path == "/ephemeral":
                    self._json({"text": f"Only *you* see this: {form['text']}", "response_type": "ephemeral"})
                elif path == "/in_channel":
                    self._json({"response_type": "in_channel", "text": f"Deployed _{form['text']}_",
                                "attachments": [{"color": "good", "title": "Build 7", "text": "all green"}]})
                elif path == "/text":
                    self._send(200, "text/plain", f"plain *answer* to {form['text']}".encode())
                elif path == "/empty":
                    self._send(200, "text/plain", b"")
                elif path == "/slow":
                    time.sleep(5)
                    self._send(200, "text/plain", b"too late")
                else:
                    self._send(500, "text/plain", b"boom")

            def _json(self, data: dict[str, Any]) -> None:
                self._send(200, "application/json", json.dumps(data).encode())

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server gave up waiting (the slow path)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def wait_for(self, text: str, timeout: float = 20) -> dict[str, Any]:
        """The request whose ``text`` field is ``text`` (each test runs its commands with a
        text of its own)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [r for r in self.received if r["form"].get("text") == text]
                if found:
                    return found[0]
                if time.monotonic() > deadline:
                    raise AssertionError(f"no request with text {text!r}")
                self._changed.wait(0.5)

    def count(self, text: str) -> int:
        with self._changed:
            return sum(1 for r in self.received if r["form"].get("text") == text)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """SQLite; PostgreSQL with the Redis queue (answers are emitted from the delivery's thread)."""
    extra = {"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32"}
    folder = tmp_path_factory.mktemp(f"slash-{request.param}")
    started = server_for(request.param, folder, request, extra_env=extra)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def app() -> Iterator[CommandApp]:
    receiver = CommandApp()
    yield receiver
    receiver.stop()


def command(cast: Cast, receiver: CommandApp, path: str, **fields: Any) -> dict[str, Any]:
    """A command of Acme's (Alice makes it) whose requests go to the receiver's ``path``."""
    made = cast.alice.post(f"/workspaces/{cast.acme.id}/slash-commands",
                           {"name": f"/{unique(path.strip('/').replace('_', '-'))}", "url": receiver.url(path),
                            **fields})
    receiver.secrets[made["token"]] = made["signing_secret"]
    return made


def run(person: Person, channel_id: int, name: str, text: str, **extra: Any) -> dict[str, Any]:
    return person.post(f"/channels/{channel_id}/commands", {"command": name, "text": text, **extra})


def sid(kind: str, value: int) -> str:
    digits = ""
    while value:
        value, rest = divmod(value, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest] + digits
    return kind + digits.rjust(8, "0")


def ephemeral(socket: SocketClient, text: str, timeout: float = 20) -> dict[str, Any]:
    return socket.wait_for("message.ephemeral", lambda e: text in e["body"], timeout)


def test_a_run_sends_slacks_signed_form_and_its_answers_show_to_the_caller_or_the_channel(
        server: Server, app: CommandApp, cast: Cast) -> None:
    alice, bob, general = cast.alice, cast.bob, cast.acme.general_id
    private = command(cast, app, "/ephemeral", description="Answers you alone")
    public = command(cast, app, "/in_channel")
    alice_socket, bob_socket = alice.socket(), bob.socket()
    try:
        text = f"prod {unique('now')}"
        assert run(bob, general, private["name"], text) == {"status": "sent", "message": None, "ephemeral": None}
        got = app.wait_for(text)
        assert got["signed"] and got["path"] == "/ephemeral" and got["retry"] is None
        assert got["content_type"] == "application/x-www-form-urlencoded"
        form = got["form"]
        assert form["token"] == private["token"] and form["command"] == private["name"] and form["text"] == text
        assert form["team_id"] == sid("T", cast.acme.id) and form["team_domain"] == "acme"
        assert form["channel_id"] == sid("C", general) and form["channel_name"] == "general"
        assert form["user_id"] == sid("U", bob.id) and form["user_name"] == bob.username
        assert form["api_app_id"] == sid("A", private["id"]) and form["is_enterprise_install"] == "false"
        assert form["response_url"].startswith(f"{server.url}/hooks/commands/") and len(form["response_url"]) > 60
        assert form["trigger_id"] and len(set(form)) == 13
        # The answer: to Bob alone, from the command's bot, rendered as Slack's mrkdwn.
        shown = ephemeral(bob_socket, text)
        assert shown["author"]["id"] == private["bot_id"] and shown["author"]["is_bot"] is True
        assert shown["author"]["display_name"] == private["name"]
        assert "Only <strong>you</strong> see this" in shown["html"] and shown["props"]["format"] == "slack"
        assert shown["channel_id"] == general and shown["thread_root_id"] is None

        # in_channel: the command as Bob typed it, then the answer, for everyone, stored.
        text = f"staging {unique('go')}"
        run(bob, general, public["name"], text)
        answer = alice_socket.wait_for("message.created", lambda e: text in e["data"]["body"]
                                       and e["data"]["author"]["id"] == public["bot_id"])["data"]
        assert answer["props"]["attachments"][0]["title"] == "Build 7" and "card" in answer["html"]
        echo = alice_socket.wait_for("message.created", lambda e: e["data"]["author"]["id"] == bob.id
                                     and e["data"]["body"] == f"{public['name']} {text}")["data"]
        assert echo["id"] < answer["id"]
        bodies = [m["id"] for m in history(alice, general)["messages"]]
        assert echo["id"] in bodies and answer["id"] in bodies
        # The bot joined where it answered, and may post nowhere else it was not run.
        assert public["bot_id"] in [m["id"] for m in alice.get(f"/channels/{general}/members")["members"]]

        # In a thread, the answer goes to the thread.
        root = alice.post(f"/channels/{general}/messages", {"body": "thread for commands"})
        text = f"threaded {unique('t')}"
        run(bob, general, private["name"], text, thread_root_id=root["id"])
        assert ephemeral(bob_socket, text)["thread_root_id"] == root["id"]

        # In a direct conversation, whose members are exactly its people, in_channel answers
        # are for the caller alone.
        dm = bob.post(f"/workspaces/{cast.acme.id}/direct", {"user_ids": [alice.id]})
        text = f"direct {unique('d')}"
        run(bob, dm["id"], public["name"], text)
        assert ephemeral(bob_socket, text)["channel_id"] == dm["id"]
        assert {m["id"] for m in bob.get(f"/channels/{dm['id']}/members")["members"]} == {alice.id, bob.id}
        assert history(bob, dm["id"])["messages"] == []

        # Nothing ephemeral ever reached Alice.
        barrier(alice_socket, alice, general)
        assert alice_socket.events("message.ephemeral") == []
    finally:
        alice_socket.close()
        bob_socket.close()


def test_a_slow_integration_times_out_for_its_caller_and_holds_up_nobody(app: CommandApp, cast: Cast) -> None:
    bob, general = cast.bob, cast.acme.general_id
    slow, quick = command(cast, app, "/slow"), command(cast, app, "/ephemeral")
    socket = bob.socket()
    try:
        waiting = f"slow {unique('s')}"
        run(bob, general, slow["name"], waiting)
        app.wait_for(waiting)  # the request is out and the receiver is sitting on it
        # Meanwhile the chat goes on: a message, and another command answered at once.
        sent = bob.post(f"/channels/{general}/messages", {"body": f"meanwhile {unique('m')}"})
        quick_text = f"quick {unique('q')}"
        run(bob, general, quick["name"], quick_text)
        ephemeral(socket, quick_text)
        failed = ephemeral(socket, f'{slow["name"]} failed with the error "operation_timeout"', timeout=30)
        assert failed["author"] is None and failed["channel_id"] == general
        got = list(socket.received)
        created_at = next(i for i, (n, d) in enumerate(got) if n == "message.created" and d["data"]["id"] == sent["id"])
        quick_at = next(i for i, (n, d) in enumerate(got) if n == "message.ephemeral" and quick_text in d["body"])
        failed_at = next(i for i, (n, d) in enumerate(got) if n == "message.ephemeral" and d["id"] == failed["id"])
        assert created_at < failed_at and quick_at < failed_at
        # Never retried: the person was told, the delivery is over, one request was all; the
        # workspace's delivery log says so.
        assert app.count(waiting) == 1
        log = cast.alice.get(f"/workspaces/{cast.acme.id}/deliveries?kind=slash_command&integration_id={slow['id']}")
        [delivery] = log["deliveries"]
        assert (delivery["event"], delivery["status"], delivery["attempts"]) == (slow["name"], "failed", 1)
        assert delivery["attempt_log"][0]["reason"] == "http_timeout"

        broken = command(cast, app, "/status500")
        text = f"broken {unique('b')}"
        run(bob, general, broken["name"], text)
        ephemeral(socket, f'{broken["name"]} failed with the error "http_service_error"')
        assert app.count(text) == 1
        gone = cast.alice.post(f"/workspaces/{cast.acme.id}/slash-commands",
                               {"name": f"/{unique('gone')}", "url": "http://127.0.0.1:9/nothing-listens"})
        run(bob, general, gone["name"], "hello")
        ephemeral(socket, f'{gone["name"]} failed with the error "dispatch_failed"')
    finally:
        socket.close()


def _expire(server: Server, response_url: str) -> None:
    """Move a response_url's end into the past, the way time would: the test's only direct write."""
    secret = response_url.rsplit("/", 1)[1]
    engine = sqlalchemy.create_engine(server.env.get("DATABASE_URL")
                                      or f"sqlite:///{server.env['CHAT_INSTANCE_DIR']}/chat.db")
    try:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text("UPDATE command_invocations SET expires_at = :past "
                                         "WHERE response_digest = :digest"),
                         {"past": "2000-01-01 00:00:00", "digest": hashlib.sha256(secret.encode()).hexdigest()})
    finally:
        engine.dispose()


def test_the_response_url_takes_five_answers_within_thirty_minutes(server: Server, app: CommandApp,
                                                                    cast: Cast) -> None:
    alice, bob, general = cast.alice, cast.bob, cast.acme.general_id
    quiet = command(cast, app, "/empty")
    alice_socket, bob_socket = alice.socket(), bob.socket()
    try:
        text = f"later {unique('l')}"
        run(bob, general, quiet["name"], text)
        url = app.wait_for(text)["form"]["response_url"]

        def post(**kwargs: Any) -> requests.Response:
            return requests.post(url, timeout=20, **kwargs)

        # No credentials but the URL; JSON, or a form's payload, as Slack takes them.
        first = post(json={"text": "step *one*"})
        assert (first.status_code, first.json()) == (200, {"ok": True})
        shown = ephemeral(bob_socket, "step one")  # the text as plain text; its HTML from mrkdwn
        assert "step <strong>one</strong>" in shown["html"]
        assert post(data={"payload": json.dumps({"response_type": "in_channel", "text": "step two"})}).json()["ok"]
        two = alice_socket.wait_for("message.created", lambda e: e["data"]["body"] == "step two")["data"]
        assert two["author"]["id"] == quiet["bot_id"]
        echo = alice_socket.wait_for("message.created", lambda e: e["data"]["body"] == f"{quiet['name']} {text}")
        assert echo["data"]["author"]["id"] == bob.id
        assert post(json={"response_type": "in_channel", "text": "step three"}).json() == {"ok": True}
        alice_socket.wait_for("message.created", lambda e: e["data"]["body"] == "step three")
        # Refused answers are not counted.
        bad = post(json={"text": "x", "blocks": [{"type": "section"}]})
        assert (bad.status_code, bad.json()) == (400, {"ok": False, "error": "invalid_blocks"})
        assert post(json={"response_type": "nowhere", "text": "x"}).json()["error"] == "invalid_payload"
        assert post(data=b"{not json", headers={"Content-Type": "application/json"}).json()["error"] == \
            "invalid_payload"
        assert post(json={}).json() == {"ok": False, "error": "no_text"}
        # replace_original and delete_original are read and ignored: a lone delete shows nothing.
        assert post(json={"delete_original": True}).json() == {"ok": True}
        assert post(json={"replace_original": True, "text": "step five"}).json() == {"ok": True}
        ephemeral(bob_socket, "step five")
        used = post(json={"text": "step six"})
        assert (used.status_code, used.json()) == (404, {"ok": False, "error": "used_url"})
        # The command shown once, however many in_channel answers.
        barrier(alice_socket, alice, general)
        echoes = [e for e in alice_socket.events("message.created") if e["data"]["body"] == f"{quiet['name']} {text}"]
        assert len(echoes) == 1
        assert [e["body"] for e in bob_socket.events("message.ephemeral")] == ["step one", "step five"]

        # Unknown and expired URLs.
        unknown = requests.post(url[:-4] + "AAAA", json={"text": "x"}, timeout=20)
        assert (unknown.status_code, unknown.json()) == (404, {"ok": False, "error": "no_service"})
        text = f"expiring {unique('e')}"
        run(bob, general, quiet["name"], text)
        late = app.wait_for(text)["form"]["response_url"]
        assert requests.post(late, json={"text": "in time"}, timeout=20).json() == {"ok": True}
        _expire(server, late)
        expired = requests.post(late, json={"text": "too late"}, timeout=20)
        assert (expired.status_code, expired.json()) == (404, {"ok": False, "error": "expired_url"})
    finally:
        alice_socket.close()
        bob_socket.close()


def test_a_deleted_commands_late_answers_are_notes_and_a_leaver_gets_no_channel_post(
        app: CommandApp, cast: Cast) -> None:
    alice, bob = cast.alice, cast.bob
    room = alice.post(f"/workspaces/{cast.acme.id}/channels", {"name": unique("cmds")})
    alice.post(f"/channels/{room['id']}/members", {"user_id": bob.id})
    quiet = command(cast, app, "/empty")
    socket = bob.socket()
    try:
        text = f"then-gone {unique('g')}"
        run(bob, room["id"], quiet["name"], text)
        url = app.wait_for(text)["form"]["response_url"]
        alice.call("DELETE", f"/slash-commands/{quiet['id']}")
        assert requests.post(url, json={"response_type": "in_channel", "text": "after deletion"},
                             timeout=20).json() == {"ok": True}
        assert ephemeral(socket, "after deletion")["author"] is None

        again = command(cast, app, "/empty")
        text = f"leaver {unique('l')}"
        run(bob, room["id"], again["name"], text)
        url = app.wait_for(text)["form"]["response_url"]
        bob.post(f"/channels/{room['id']}/leave")
        refused = requests.post(url, json={"response_type": "in_channel", "text": "into the void"}, timeout=20)
        assert (refused.status_code, refused.json()) == (403, {"ok": False, "error": "action_prohibited"})
        assert "into the void" not in [m["body"] for m in history(alice, room["id"])["messages"]]
    finally:
        socket.close()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_an_unmodified_slack_bolt_app_acks_and_responds_through_the_response_url(server: Server, cast: Cast) -> None:
    alice, bob, general = cast.alice, cast.bob, cast.acme.general_id
    bot = alice.post(f"/workspaces/{cast.acme.id}/bots", {"name": unique("Deploy App")})
    token = alice.post(f"/bots/{bot['id']}/tokens", {"name": "bolt"})["token"]
    secret = alice.get(f"/bots/{bot['id']}/signing-secret")["signing_secret"]

    bolt = App(token=token, signing_secret=secret, client=WebClient(base_url=f"{server.url}/api/", token=token))

    @bolt.command("/deploy")
    def deploy(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        ack(f"Deploying {command['text']}...")
        respond(response_type="in_channel", text=f"Deployed {command['text']} for <@{command['user_id']}>")

    httpd = make_server("127.0.0.1", 0, SlackRequestHandler(bolt), server_class=_ThreadingWSGIServer,
                        handler_class=_QuietHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        made = alice.post(f"/workspaces/{cast.acme.id}/slash-commands",
                          {"name": "/deploy", "url": f"http://127.0.0.1:{httpd.server_address[1]}/slack/events",
                           "description": "Ship it", "app_bot_id": bot["id"]})
        assert made["signing_secret"] == secret  # one app, one secret: its events and its commands
        alice_socket, bob_socket = alice.socket(), bob.socket()
        try:
            text = unique("production")
            run(bob, general, "/deploy", text)
            assert ephemeral(bob_socket, f"Deploying {text}...")["author"]["id"] == made["bot_id"]
            posted = alice_socket.wait_for("message.created", lambda e: f"Deployed {text}" in e["data"]["body"])
            assert posted["data"]["author"]["id"] == made["bot_id"]
            assert f'data-user-id="{bob.id}"' in posted["data"]["html"]  # <@U…> is a mention of Bob
        finally:
            alice_socket.close()
            bob_socket.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_bad_runs_are_refused_and_refused_requests_show_nothing(app: CommandApp, cast: Cast) -> None:
    bob, general = cast.bob, cast.acme.general_id
    made = command(cast, app, "/ephemeral")
    assert_error(bob.request("POST", f"/channels/{general}/commands",
                             json={"command": made["name"], "text": "x" * 8001}), 400, "invalid")
    assert_error(cast.olga.request("POST", f"/channels/{general}/commands",
                                   json={"command": made["name"], "text": "hi"}), 404, "not_found")
    # A request the receiver cannot verify (its token's secret unknown to it) is refused there:
    # 401, which the caller hears about.
    unverified = command(cast, app, "/ephemeral")
    del app.secrets[unverified["token"]]
    socket = bob.socket()
    try:
        text = f"who are you {unique('w')}"
        run(bob, general, unverified["name"], text)
        ephemeral(socket, f'{unverified["name"]} failed with the error "http_client_error"')
        assert app.wait_for(text)["signed"] is False
        assert app.count(text) == 1  # never retried
    finally:
        socket.close()

