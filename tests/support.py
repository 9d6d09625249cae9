"""Test helpers that use only the public doors: HTTP, Socket.IO, the server process."""
from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A real `python app.py` process on 127.0.0.1."""

    url: str
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen) -> None:
    """Ask the process to stop; kill it if it has not stopped within 10 seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


ONE_ADDRESS_FOR_EVERYONE = {"RATE_LIMIT_SIGNUP": "100000 per hour", "RATE_LIMIT_SIGNIN": "100000 per minute",
                            "RATE_LIMIT_API_ANONYMOUS": "100000 per minute"}


def wait_until(check: Callable[[], Any], timeout: float = 30, what: str = "condition",
               interval: float = 0.1) -> Any:
    """Poll ``check`` until it returns something true, and return that; fail past ``timeout``."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout}s")
        time.sleep(interval)
    return result


CLIENT_SOURCES = [ROOT / "static" / "src", ROOT / "package.json", ROOT / "vite.config.ts"]
CLIENT_MANIFEST = ROOT / "static" / "dist" / ".vite" / "manifest.json"


def ensure_client_built() -> None:
    """Build the browser client when a source is newer than the build: the pages a test server
    serves are then always the client of this checkout, never a stale one."""
    built = CLIENT_MANIFEST.stat().st_mtime if CLIENT_MANIFEST.exists() else 0.0
    newest = max(path.stat().st_mtime for root in CLIENT_SOURCES
                 for path in ([root] if root.is_file() else root.rglob("*")))
    if newest > built:
        subprocess.run(["npm", "run", "--silent", "build"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def start_server(instance_dir: Path, *, database_url: str | None = None, async_mode: str = "eventlet",
                 message_queue: str | None = None, queue_channel: str | None = None,
                 port: int | None = None, extra_env: dict[str, str] | None = None,
                 script: str = "app.py") -> Server:
    """Start ``python app.py`` (or another launcher ``script``) and wait until it serves."""
    ensure_client_built()
    port = port or free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CHAT_", "DATABASE_URL", "MESSAGE_QUEUE", "RATE_LIMIT", "PASSWORD_HASH"))}
    env.update({
        "CHAT_INSTANCE_DIR": str(instance_dir), "CHAT_PORT": str(port), "CHAT_HOST": "127.0.0.1",
        "CHAT_ASYNC_MODE": async_mode, "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024",
        "CHAT_SERVER_ID": f"test-{port}", "PYTHONUNBUFFERED": "1",
        # Every test person signs up and signs in from 127.0.0.1, hundreds per server, which the
        # per-address limits exist to stop. Per-person limits keep their defaults; the limits'
        # own tests (tests/api/test_rate_limits.py) pass tight values in extra_env.
        **ONE_ADDRESS_FOR_EVERYONE,
    })
    if database_url:
        env["DATABASE_URL"] = database_url
    if message_queue:
        env["MESSAGE_QUEUE_URL"] = message_queue
        env["MESSAGE_QUEUE_CHANNEL"] = queue_channel or f"chat-test-{uuid.uuid4().hex[:8]}"
    env.update(extra_env or {})
    instance_dir.mkdir(parents=True, exist_ok=True)
    log_path = instance_dir / f"server-{port}.log"
    process = subprocess.Popen([sys.executable, script], cwd=ROOT, env=env,
                               stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", env, process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.log()}")
        try:
            if requests.get(server.url + "/api/v1/openapi.json", timeout=2).ok:
                return server
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy starting
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server did not start:\n{server.log()}")


class ApiError(AssertionError):
    pass


@dataclass
class Person:
    """Someone using the REST API and sockets with their personal token."""

    server_url: str
    token: str
    user: dict[str, Any]
    email: str

    @property
    def id(self) -> int:
        return self.user["id"]

    @property
    def username(self) -> str:
        return self.user["username"]

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return requests.request(method, self.server_url + "/api/v1" + path, headers=headers, timeout=20, **kwargs)

    def call(self, method: str, path: str, json: Any = None, expect: int | tuple[int, ...] = (200, 201)) -> Any:
        """Make a request that must succeed (status in ``expect``) and return its JSON."""
        response = self.request(method, path, json=json)
        expected = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in expected:
            raise ApiError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, json=json if json is not None else {}, **kw)

    def socket(self, **kwargs: Any) -> SocketClient:
        return SocketClient.connect(self.server_url, self.token, **kwargs)


def sign_up(server_url: str, name: str | None = None) -> Person:
    n = next(_counter)
    # The counter keeps this process's people apart; the random part, other processes' (a
    # session's server holds thousands of people, and six hex digits once collided).
    tag = f"{n}{uuid.uuid4().hex[:8]}"
    name = name or f"Person {n}"
    username = f"{name.split()[0].lower()}{tag}"
    email = f"{username}@example.test"
    r = requests.post(server_url + "/api/v1/auth/signup", json={
        "email": email, "password": PASSWORD, "display_name": name, "username": username}, timeout=20)
    assert r.status_code == 201, r.text
    r = requests.post(server_url + "/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=20)
    assert r.status_code == 201, r.text
    return Person(server_url, r.json()["token"], r.json()["user"], email)


@dataclass
class Workspace:
    id: int
    general_id: int


def create_workspace(owner: Person, name: str = "Acme") -> Workspace:
    ws = owner.post("/workspaces", {"name": name})
    channels = owner.get(f"/workspaces/{ws['id']}/channels")["channels"]
    general = next(c for c in channels if c["is_default"])
    return Workspace(ws["id"], general["id"])


def invite(admin: Person, workspace: Workspace, person: Person, role: str = "member") -> None:
    """Bring ``person`` in through an invite link, the way a real newcomer joins."""
    code = admin.post(f"/workspaces/{workspace.id}/invites", {"role": role})["code"]
    person.post(f"/invites/{code}/accept")


def owner_and_member(server_url: str, owner: str, member: str,
                     workspace: str = "Acme") -> tuple[Person, Person, Workspace]:
    """Two people in a new workspace: its owner and a member who joined by invite link."""
    alice, bob = sign_up(server_url, owner), sign_up(server_url, member)
    acme = create_workspace(alice, workspace)
    invite(alice, acme, bob)
    return alice, bob, acme


@dataclass
class Cast:
    """The named cast of most tests: an owner and a member of Acme, a guest, and an outsider
    who owns another workspace, so isolation is exercised everywhere."""

    server_url: str
    alice: Person      # owner of acme
    bob: Person        # member of acme
    gus: Person        # guest in acme
    olga: Person       # owner of globex, not in acme
    acme: Workspace
    globex: Workspace


def make_cast(server_url: str) -> Cast:
    alice, bob, gus, olga = (sign_up(server_url, n)
                             for n in ("Alice Owner", "Bob Member", "Gus Guest", "Olga Outsider"))
    acme = create_workspace(alice, "Acme")
    globex = create_workspace(olga, "Globex")
    invite(alice, acme, bob)
    invite(alice, acme, gus, "guest")
    return Cast(server_url, alice, bob, gus, olga, acme, globex)


@dataclass
class SocketClient:
    """A real python-socketio client that records every server event it receives."""

    sio: socketio.Client
    received: list[tuple[str, Any]] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    @classmethod
    def connect(cls, url: str, token: str | None, *, reconnection: bool = False,
                headers: dict[str, str] | None = None, transports: list[str] | None = None) -> SocketClient:
        sio = socketio.Client(reconnection=reconnection, reconnection_delay=0.2, reconnection_delay_max=0.5)
        client = cls(sio)

        def record(event: str, data: Any = None) -> None:
            with client.lock:
                client.received.append((event, data))
                client.lock.notify_all()

        sio.on("*", record)
        # Reserved events bypass the catch-all handler.
        sio.on("disconnect", lambda *reason: record("disconnect", reason))
        sio.connect(url, auth={"token": token} if token else None, headers=headers or {},
                    transports=transports or ["websocket"], wait_timeout=10)
        return client

    def call(self, event: str, data: Any, timeout: float = 10) -> Any:
        return self.sio.call(event, data, timeout=timeout)

    def events(self, name: str) -> list[Any]:
        with self.lock:
            return [d for e, d in self.received if e == name]

    def wait_for(self, name: str, predicate: Callable[[Any], bool] = lambda d: True,
                 timeout: float = 10) -> Any:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for event, data in self.received:
                    if event == name and predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {name!r} event matching within {timeout}s; got "
                                         f"{[e for e, _ in self.received]}")
                self.lock.wait(remaining)

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()


REJECTED = "rejected"      # the server's connect handler turned the person away
BAD_ORIGIN = "bad origin"  # the transport refused the handshake: 400, an origin not allowed


def socket_refusal(url: str, token: str | None, **kwargs: Any) -> str:
    """Open a socket that the server must refuse (``SocketClient.connect``'s arguments) and say
    how it was refused: REJECTED (missing, bad or revoked credentials) or BAD_ORIGIN. Anything
    else, an accepted socket included, fails the test."""
    try:
        client = SocketClient.connect(url, token, **kwargs)
    except socketio.exceptions.ConnectionError as err:
        if str(err) == "One or more namespaces failed to connect: /":
            return REJECTED
        if str(err) == "Unexpected status code 400 in server response":  # long-polling
            return BAD_ORIGIN
        cause: BaseException | None = err  # a websocket handshake's answer is in the chain
        while cause is not None:
            if getattr(cause, "status_code", None) == 400 and "Not an accepted origin" in str(cause):
                return BAD_ORIGIN
            cause = cause.__context__
        raise
    client.close()
    raise AssertionError("the socket was accepted")


def barrier(socket: SocketClient, person: Person, channel_id: int, timeout: float = 10) -> dict[str, Any]:
    """Return once ``socket`` (one of ``person``'s) has received every event meant for it that
    was committed before this call: the proof that something did *not* arrive, without a sleep.

    A socket gets its durable events in commit order, and the ephemeral events of one process in
    commit order too (docs/realtime.md, "Order"); so this sends a message in ``channel_id`` (a
    channel the person is in), moves their read position to it, and waits for both events, the
    durable ``message.created`` and the ephemeral ``channel.read``. Returns the message."""
    sent = person.post(f"/channels/{channel_id}/messages", {"body": f"barrier {uuid.uuid4().hex}"})
    person.post(f"/channels/{channel_id}/read", {"message_id": sent["id"]})
    socket.wait_for("message.created", lambda e: e["data"]["id"] == sent["id"], timeout)
    socket.wait_for("channel.read", lambda r: r["channel_id"] == channel_id and r["last_read_id"] == sent["id"],
                    timeout)
    return sent


class CatchUpClient:
    """A client following the documented no-gaps protocol (docs/realtime.md): a cursor that only
    ``sync`` moves, and per stream (channel, or the person) the newest event applied above it.
    A live event is applied when its ``prev_id`` shows it follows on; an event already applied
    is skipped; anything else is a hole, and a sync from the cursor fills it. Reconnects by itself."""

    DURABLE = ("message.created", "message.updated", "message.deleted")

    def __init__(self, server_url: str, token: str, cursor: int, *, events: tuple[str, ...] = DURABLE) -> None:
        self.cursor = cursor
        self.applied: list[dict[str, Any]] = []
        self.duplicates_skipped = 0
        self.holes_seen = 0
        self.connects = 0
        self.syncs = 0
        self._last: dict[Any, int] = {}
        self._queue: list[tuple[dict[str, Any], bool]] = []
        self._syncing = True
        self._sync_again = False
        self._cond = threading.Condition()
        self.sio = socketio.Client(reconnection=True, reconnection_attempts=0,
                                   reconnection_delay=0.2, reconnection_delay_max=1.0)
        for name in events:
            self.sio.on(name, self._on_live)
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.connect(server_url, auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def _on_disconnect(self, *_: Any) -> None:
        with self._cond:
            self._syncing = True

    def _on_connect(self) -> None:
        # Acks cannot be awaited inside an event handler: sync from a background task.
        with self._cond:
            self._syncing = True
        self.sio.start_background_task(self._sync, True)

    def _sync(self, reconnected: bool = False) -> None:
        since = self.cursor
        while True:
            ack = self.sio.call("sync", {"since": since, "limit": 200}, timeout=20)
            page = ack["data"]
            with self._cond:
                self._queue += [(envelope, True) for envelope in page["events"]]
                since = page["cursor"]
                if page["has_more"]:
                    continue
                self.syncs += 1
                self._syncing = False
                self._drain(synced_cursor=since)
                if reconnected:
                    self.connects += 1
                again, self._sync_again = self._sync_again, False
                if again:
                    self._syncing = True
                self._cond.notify_all()
            if not again:
                return
            since = self.cursor

    def _on_live(self, envelope: dict[str, Any]) -> None:
        with self._cond:
            self._queue.append((envelope, False))
            if not self._syncing:
                self._drain()
            self._cond.notify_all()

    def _drain(self, synced_cursor: int | None = None) -> None:
        self._queue.sort(key=lambda item: item[0]["id"])
        queue, self._queue = self._queue, []
        hole = False
        for envelope, replayed in queue:
            stream = envelope["channel_id"] or "me"
            newest = self._last.get(stream)
            if envelope["id"] <= (self.cursor if newest is None else newest):
                self.duplicates_skipped += 1
                continue
            follows = envelope["prev_id"] <= self.cursor if newest is None else envelope["prev_id"] == newest
            if not replayed and not follows:
                hole = True
                continue
            self._last[stream] = envelope["id"]
            self.applied.append(envelope)
        if synced_cursor is not None:
            self.cursor = max(self.cursor, synced_cursor)
            self._last = {s: i for s, i in self._last.items() if i > self.cursor}
        if hole:
            self.holes_seen += 1
            if self._syncing:
                self._sync_again = True
            else:
                self._syncing = True
                self.sio.start_background_task(self._sync)

    def message_ids(self) -> list[int]:
        with self._cond:
            return [e["data"]["id"] for e in self.applied if e["type"] == "message.created"]

    def wait_until(self, predicate: Callable[[CatchUpClient], bool], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"condition not met in {timeout}s; applied {len(self.applied)} events")
                self._cond.wait(min(remaining, 0.2))

    def close(self) -> None:
        self.sio.reconnection = False
        if self.sio.connected:
            self.sio.disconnect()
