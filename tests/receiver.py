"""A real HTTP receiver on 127.0.0.1 for the tests of outbound requests: a thread running
``http.server``, answering by path, recording every request it gets.

Paths: ``/ok`` (200 "ok"), ``/status/<code>``, ``/redirect?to=<url>&code=302``,
``/hold/<name>`` (waits until ``release(name)``, then 200), ``/slow/<seconds>`` (waits, then
200), ``/big/<bytes>`` (that many bytes with their Content-Length), ``/stream/<bytes>`` (that
many bytes, chunked, no length), ``/fail/<n>/<key>`` (500 for the first n requests of key, then
200). ``/events/<any of those>`` answers Slack's ``url_verification`` request with its challenge
(as an Events API request URL must) and anything else as the rest of the path says
(``/events/ok``, ``/events/fail/1/key``). ``/reply/<name>`` answers 200 with the JSON body
``replies[name]`` holds (``{}`` until set): an integration's reply. Anything else: 404.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    requests: list[Received] = field(default_factory=list)
    bytes_sent: dict[str, int] = field(default_factory=dict)  # path -> body bytes written
    replies: dict[str, Any] = field(default_factory=dict)  # /reply/<name> -> what it answers, as JSON
    _holds: dict[str, threading.Event] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                receiver._record(Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                          body, time.time()))
                self.body = body
                receiver._answer(self)

            do_GET = do_POST = do_PUT = _handle

        self.server = ThreadingHTTPServer((self.host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for event in self._holds.values():
            event.set()
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    # what happened

    def _record(self, received: Received) -> None:
        with self._changed:
            self.requests.append(received)
            self._changed.notify_all()

    def received(self, path_prefix: str) -> list[Received]:
        with self._changed:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    def wait_for(self, path_prefix: str, count: int, timeout: float = 30) -> list[Received]:
        """The requests to paths starting with ``path_prefix``, once there are ``count``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := [r for r in self.requests if r.path.startswith(path_prefix)]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} requests to {path_prefix}, not {count}, within {timeout}s")
                self._changed.wait(left)
            return found

    def release(self, name: str) -> None:
        self._hold(name).set()

    def _hold(self, name: str) -> threading.Event:
        with self._changed:
            return self._holds.setdefault(name, threading.Event())

    # answers

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        self._answer_path(h, h.path)

    def _answer_path(self, h: BaseHTTPRequestHandler, path: str) -> None:
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        query = parse_qs(parts.query)
        head = segments[0]
        if head == "events":
            challenge = _challenge(getattr(h, "body", b""))
            if challenge is not None:
                self._send(h, 200, challenge.encode())
            else:
                self._answer_path(h, "/" + "/".join(segments[1:]) + (f"?{parts.query}" if parts.query else ""))
        elif head == "ok":
            self._send(h, 200, b"ok")
        elif head == "reply":
            self._send(h, 200, json.dumps(self.replies.get(segments[1], {})).encode(), "application/json")
        elif head == "status":
            self._send(h, int(segments[1]), b"receiver says " + segments[1].encode() + b" " + b"x" * 2000)
        elif head == "redirect":
            code = int(query.get("code", ["302"])[0])
            h.send_response(code)
            h.send_header("Location", query["to"][0])
            h.send_header("Content-Length", "0")
            h.end_headers()
        elif head == "hold":
            self._hold(segments[1]).wait(120)
            self._send(h, 200, b"released")
        elif head == "slow":
            time.sleep(float(segments[1]))
            self._send(h, 200, b"slow ok")
        elif head == "big":
            self._stream(h, int(segments[1]), chunked=False)
        elif head == "stream":
            self._stream(h, int(segments[1]), chunked=True)
        elif head == "fail":
            key = segments[2]
            with self._changed:
                self._counts[key] = self._counts.get(key, 0) + 1
                count = self._counts[key]
            if count <= int(segments[1]):
                self._send(h, 500, b"failing on purpose")
            else:
                self._send(h, 200, b"ok at last")
        else:
            self._send(h, 404, b"no such path")

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str = "text/plain") -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True  # the client is gone (killed, or gave up waiting)

    def _stream(self, h: BaseHTTPRequestHandler, size: int, *, chunked: bool) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(size))
        h.end_headers()
        sent = 0
        try:
            for chunk in _chunks(size):
                h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                sent += len(chunk)
                self.bytes_sent[h.path] = sent
            if chunked:
                h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what the cap is for
        h.close_connection = True


def _challenge(body: bytes) -> str | None:
    """The challenge of a url_verification request, else None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("type") == "url_verification":
        return str(data.get("challenge", ""))
    return None


def _chunks(size: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    block = b"x" * chunk
    while size > 0:
        yield block[:min(chunk, size)]
        size -= chunk
