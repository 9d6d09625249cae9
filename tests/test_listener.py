"""How `python app.py` listens: a listen backlog that fits a crowd reconnecting at once, and a
refusal to start when the port is already taken (two servers on one port would silently split
requests between two databases)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, start_server


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
