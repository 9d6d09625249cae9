"""Shared plumbing for the benchmarks: servers under test, the people who use them, and numbers.

The chat server is started exactly as the tests start it (``tests.support.start_server``: a real
``python app.py`` on 127.0.0.1 with a cheap Argon2 cost and its own instance directory); the
reference server is ``bench/bare_server.py``. Both are plain child processes whose pid we keep, so
memory (VmRSS) and CPU time (utime + stime) can be read from /proc while they run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import Server, create_workspace, free_port, invite, sign_up, start_server, stop_process  # noqa: E402

MODES = ("eventlet", "gevent", "threading")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def raise_fd_limit() -> int:
    """Lift the soft open-files limit to the hard one; children (servers, workers) inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- reading a process from /proc -----------------------------------------------------------

def rss_kib(pid: int) -> int:
    """VmRSS of the process in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_description() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    import warnings

    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet
    import gevent
    import socketio
    import sqlalchemy
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(), "python": platform.python_version(),
        "sqlite": __import__("sqlite3").sqlite_version,
        "versions": {"python-socketio": socketio.__version__ if hasattr(socketio, "__version__") else
                     _dist_version("python-socketio"),
                     "python-engineio": _dist_version("python-engineio"),
                     "Flask-SocketIO": _dist_version("Flask-SocketIO"),
                     "eventlet": eventlet.__version__, "gevent": gevent.__version__,
                     "SQLAlchemy": sqlalchemy.__version__, "aiohttp": _dist_version("aiohttp")},
        "loadavg_at_start": os.getloadavg(),
    }


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# --- numbers ------------------------------------------------------------------------------

def summarize_ms(samples_ns: Any) -> dict[str, float]:
    """p50/p90/p99/max (and count) of latencies given in nanoseconds, reported in ms."""
    a = np.asarray(samples_ns, dtype=np.float64) / 1e6
    if a.size == 0:
        return {"n": 0}
    p50, p90, p99, p999 = np.percentile(a, [50, 90, 99, 99.9])
    return {"n": int(a.size), "p50_ms": round(float(p50), 3), "p90_ms": round(float(p90), 3),
            "p99_ms": round(float(p99), 3), "p99.9_ms": round(float(p999), 3),
            "max_ms": round(float(a.max()), 3), "mean_ms": round(float(a.mean()), 3)}


def write_result(name: str, result: dict[str, Any], out: str | None = None) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(out) if out else RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


def base_args(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (< 1 minute)")
    parser.add_argument("--out", help="write the JSON result here (default: bench/results/<name>-<time>.json)")
    return parser


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- servers under test -------------------------------------------------------------------

@dataclass
class Target:
    """A server under test: the chat app or the bare reference server, in one async mode."""

    kind: str                 # "chat" or "bare"
    mode: str
    url: str
    process: subprocess.Popen
    log_path: Path
    server: Server | None = None   # the tests.support handle for the chat server

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        stop_process(self.process)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_chat(instance_dir: Path, mode: str, extra_env: dict[str, str] | None = None,
               port: int | None = None) -> Target:
    """A chat server (on ``port``, e.g. to restart one, else a free one)."""
    # Benchmarks measure capacity: one owner inviting thousands and senders at full speed
    # would only measure the rate limits.
    server = start_server(instance_dir, async_mode=mode, port=port,
                          extra_env={"RATE_LIMITS_ENABLED": "0", **(extra_env or {})})
    return Target("chat", mode, server.url, server.process, server.log_path, server)


def start_bare(mode: str, log_dir: Path) -> Target:
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"bare-{mode}-{port}.log"
    process = subprocess.Popen([sys.executable, str(BENCH / "bare_server.py"), mode, "--port", str(port)],
                               cwd=ROOT, stdout=log_path.open("w"), stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    target = Target("bare", mode, f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bare server exited:\n{log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                if requests.get(target.url + "/socket.io/?EIO=4&transport=polling", timeout=2).ok:
                    return target
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    target.stop()
    raise RuntimeError("bare server did not start")


def scratch_dir(name: str, keep: str | None = None) -> Path:
    """A fresh directory for one benchmark run (an instance dir, server logs)."""
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return Path(tempfile.mkdtemp(prefix=f"chat-bench-{name}-"))


def remove_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- people -------------------------------------------------------------------------------

@dataclass
class Population:
    """Who takes part: a workspace owner, members in #general, and optional private channels."""

    owner_token: str
    owner_id: int
    workspace_id: int
    general_id: int
    members: list[dict[str, Any]] = field(default_factory=list)         # {"id", "token"}
    send_channels: list[dict[str, Any]] = field(default_factory=list)   # {"channel_id", "token"}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__))

    @classmethod
    def load(cls, path: Path) -> Population:
        return cls(**json.loads(path.read_text()))


def populate(url: str, members: int, send_channels: int = 0, threads: int = 6) -> Population:
    """Sign people up through the public API: an owner, ``members`` invited members (all in
    #general), and ``send_channels`` private channels each owned by one member."""
    owner = sign_up(url, "Owner Bench")
    workspace = create_workspace(owner, "Bench")

    def one(i: int) -> Any:
        person = sign_up(url, f"Member{i} Bench")
        invite(owner, workspace, person)
        return person

    with ThreadPoolExecutor(threads) as pool:
        people = list(pool.map(one, range(members)))
    channels = []
    for i, person in enumerate(people[:send_channels]):
        channel = person.post(f"/workspaces/{workspace.id}/channels", {"name": f"send-{i}", "private": True})
        channels.append({"channel_id": channel["id"], "token": person.token, "user_id": person.id})
    return Population(owner.token, owner.id, workspace.id, workspace.general_id,
                      [{"id": p.id, "token": p.token} for p in people], channels)


class CpuMeter:
    """CPU seconds a process used between start() and stop()."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.t0 = self.c0 = 0.0

    def start(self) -> None:
        self.t0, self.c0 = time.monotonic(), cpu_seconds(self.pid)

    def stop(self) -> dict[str, float]:
        wall, cpu = time.monotonic() - self.t0, cpu_seconds(self.pid) - self.c0
        return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "cpu_share": round(cpu / wall, 3) if wall else 0}


class Profiler:
    """py-spy attached to a server for the measured window (optional: needs `pip install py-spy`)."""

    def __init__(self, pid: int, out_base: Path, duration_s: float) -> None:
        self.proc: subprocess.Popen | None = None
        self.raw = out_base.with_suffix(".collapsed")
        exe = shutil.which("py-spy")
        if exe is None:
            print("py-spy not installed: no profile", file=sys.stderr)
            return
        self.raw.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([exe, "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
                                      "--duration", str(max(1, int(duration_s))), "--nonblocking",
                                      "-o", str(self.raw)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def finish(self, top: int = 25) -> dict[str, Any] | None:
        if self.proc is None:
            return None
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            self.proc.wait(5)
        if not self.raw.exists():
            return {"error": (self.proc.stderr.read() if self.proc.stderr else b"").decode()[-500:]}
        return summarize_collapsed(self.raw, top)


def summarize_collapsed(path: Path, top: int = 25) -> dict[str, Any]:
    """Inclusive share of samples per function from py-spy's collapsed stacks, busy samples only.

    Idle samples (a green thread parked in the hub, a thread waiting on a lock or socket) are
    counted separately so the shares describe where the CPU went.
    """
    inclusive: dict[str, int] = {}
    leaf: dict[str, int] = {}
    total = idle = 0
    idle_leaves = ("switch (", "wait (", "select (", "poll (", "epoll", "_wait_for_tstate_lock",
                   "recv (", "accept (", "sleep (", "get (queue.py", "readinto (socket.py", "_recv (")
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        if any(frames[-1].startswith(p) or p in frames[-1] for p in idle_leaves):
            idle += n
            continue
        for frame in {_short(f) for f in frames}:
            inclusive[frame] = inclusive.get(frame, 0) + n
        leaf[_short(frames[-1])] = leaf.get(_short(frames[-1]), 0) + n
    busy = max(total - idle, 1)
    def rank(d: dict[str, int]) -> list[tuple[str, float]]:
        return [(k, round(100 * v / busy, 1)) for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:top]]

    return {"samples": total, "idle_samples": idle, "busy_samples": total - idle,
            "inclusive_pct_of_busy": rank(inclusive), "self_pct_of_busy": rank(leaf), "collapsed": str(path)}


def _short(frame: str) -> str:
    # "send_message (chat/services/messages.py:60)" -> keep function and file, drop the line.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/work/main/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{name} ({where})"
