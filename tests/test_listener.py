"""How `python app.py` listens: a listen backlog that fits a crowd reconnecting at once, a port
that takes connections before the application is loaded, and a refusal to start when the port is
already taken (two servers on one port would silently split requests between two databases)."""
from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import ROOT, free_port, start_server


def _somaxconn() -> int:
    return int(Path("/proc/sys/net/core/somaxconn").read_text())


def _listen_backlogs(port: int) -> list[int]:
    """The backlog of every socket listening on the port: `ss` shows it as Send-Q."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return [int(line.split()[2]) for line in out.splitlines() if line.strip()]


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent", "threading"])
def test_listens_with_the_systems_largest_backlog(async_mode: str, tmp_path: Path) -> None:
    server = start_server(tmp_path / async_mode, async_mode=async_mode)
    try:
        assert _listen_backlogs(int(server.url.rsplit(":", 1)[1])) == [_somaxconn()]
    finally:
        server.stop()


def test_the_backlog_can_be_set(tmp_path: Path) -> None:
    server = start_server(tmp_path / "set", extra_env={"CHAT_LISTEN_BACKLOG": "300"})
    try:
        assert _listen_backlogs(int(server.url.rsplit(":", 1)[1])) == [300]
    finally:
        server.stop()


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent", "threading"])
def test_refuses_to_start_on_a_port_that_is_taken(async_mode: str, tmp_path: Path) -> None:
    first = start_server(tmp_path / "first")  # eventlet, the default
    try:
        port = first.url.rsplit(":", 1)[1]
        env = {**first.env, "CHAT_INSTANCE_DIR": str(tmp_path / "second"), "CHAT_ASYNC_MODE": async_mode}
        second = subprocess.run([sys.executable, "app.py"], check=False, cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode != 0
        assert f"port {port} is already in use" in second.stderr
        assert _listen_backlogs(int(port)) == [_somaxconn()]  # only the first one listens
    finally:
        first.stop()


def _open_for_writing_once_read(fifo: Path, timeout_s: float = 60) -> int:
    """Open a named pipe for writing as soon as someone has opened it for reading."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:  # ENXIO: no reader yet
            if err.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@pytest.mark.parametrize("async_mode", ["eventlet", "gevent", "threading"])
def test_a_client_connecting_while_the_server_loads_is_answered_not_refused(
        async_mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a restart every client reconnects while the new process still loads the application
    (1-4 s of imports and set-up). The port listens before that: a connection made meanwhile
    waits in the listen queue and gets its answer once the server serves, where a refused one
    would back off for up to 5 s more (bench/README.md). Loading is held here at a known point:
    the instance's secret key is a named pipe, which the application reads while it is made."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / async_mode
    instance.mkdir()
    os.mkfifo(instance / "secret_key")
    port = free_port()
    with ThreadPoolExecutor(1) as pool:
        starting = pool.submit(start_server, instance, async_mode=async_mode, port=port)
        try:
            key = _open_for_writing_once_read(instance / "secret_key")  # the application is loading
            try:
                client = socket.create_connection(("127.0.0.1", port), timeout=60)
            finally:
                os.write(key, b"k" * 64)
                os.close(key)
            with client, client.makefile("rb") as answer:
                client.sendall(b"GET /api/v1/openapi.json HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                assert answer.read(12) == b"HTTP/1.1 200"
        finally:
            starting.result(timeout=120).stop()
