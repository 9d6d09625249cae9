"""Background jobs: how soon a queued job starts, and how soon a shared image has its preview.

    python bench/job_latency.py [--count 30] [--part queue,preview] [--root DIR]

* queue: in process (threading mode, JOB_WORKERS=4), a job queued inside a transaction; the
  time from just before the commit to the first line of its handler, on the embedded SQLite
  queue and on Redis (a queue name of its own).
* preview: a live ``python app.py`` (eventlet, SQLite) of the checkout at ``--root`` (default:
  this one; point it at an older checkout to compare); the time from an upload's response to
  the uploader's ``file.updated`` saying the preview is ready, one small PNG at a time.
"""
from __future__ import annotations

import argparse
import io
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from tests.support import SocketClient, create_workspace, free_port, sign_up  # noqa: E402


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{name}: n={len(ms)} median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"


_started: queue.Queue[float] = queue.Queue()


def queue_latency(count: int, queue_url: str | None) -> list[float]:
    from chat import create_app
    from chat.core import jobs
    from chat.core.transactions import atomic
    from chat.database import upgrade_schema

    if "bench.ping" not in jobs.registered():
        jobs.job("bench.ping", retries=0)(lambda: _started.put(time.perf_counter()))
    folder = Path(tempfile.mkdtemp(prefix="job-latency-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'chat.db'}", "INSTANCE_DIR": str(folder),
                      "CHAT_ASYNC_MODE": "threading", "MESSAGE_QUEUE_URL": None, "JOB_QUEUE_URL": queue_url,
                      "MESSAGE_QUEUE_CHANNEL": f"bench-{uuid.uuid4().hex[:8]}", "JOB_WORKERS": 4,
                      "HOUSEKEEPING_SECONDS": 0})
    upgrade_schema(app)
    jobs.start_in_process(app)
    time.sleep(1)  # the workers' first (idle) waits have begun
    latencies = []
    with app.app_context():
        for _ in range(count):
            before = time.perf_counter()
            with atomic():
                jobs.enqueue("bench.ping")
            latencies.append(_started.get(timeout=30) - before)
            time.sleep(0.05)  # idle between jobs, as a server mostly is
    shutil.rmtree(folder, ignore_errors=True)
    return latencies


def png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (seed % 256, 80, 160)).save(out, "PNG")
    return out.getvalue()


def preview_latency(count: int, root: Path) -> list[float]:
    folder = Path(tempfile.mkdtemp(prefix="preview-latency-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHAT_", "DATABASE_URL", "MESSAGE_QUEUE", "JOB_"))}
    env.update({"CHAT_INSTANCE_DIR": str(folder), "CHAT_PORT": str(port), "ARGON2_TIME_COST": "1",
                "ARGON2_MEMORY_COST": "1024", "RATE_LIMITS_ENABLED": "0"})
    server = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        import requests

        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/api/v1/openapi.json", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        alice = sign_up(url)
        ws = create_workspace(alice)
        sock: SocketClient = alice.socket()
        latencies = []
        for n in range(count):
            r = alice.request("POST", f"/channels/{ws.general_id}/files", files=[("file", (f"{n}.png", png(n)))])
            answered = time.perf_counter()
            file_id = r.json()["files"][0]["id"]
            sock.wait_for("file.updated", lambda d, i=file_id: d["id"] == i and d["preview"]["state"] != "pending",
                          timeout=60)
            latencies.append(time.perf_counter() - answered)
        sock.close()
        return latencies
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--part", default="queue,preview")
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument("--redis", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    parts = args.part.split(",")
    if "queue" in parts:
        print(summary("queue, commit to job start, SQLite", queue_latency(args.count, None)), flush=True)
        print(summary("queue, commit to job start, Redis", queue_latency(args.count, args.redis)), flush=True)
    if "preview" in parts:
        print(summary(f"preview, upload answered to preview ready ({args.root})",
                      preview_latency(args.count, args.root)), flush=True)


if __name__ == "__main__":
    main()
