"""File sharing: upload throughput for 10 MB files, time from upload to preview for a 20-page PDF,
and the server's peak memory while 10 PDFs are previewed at once.

    python bench/files.py [--quick] [--mode eventlet]

Memory is the server process plus every preview worker it runs, sampled from /proc every 10 ms
(a worker lives a few hundred milliseconds, so the sum of the tree is what the machine must hold).
"""
from __future__ import annotations

import io
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import socketio
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import (
    base_args,
    machine_description,
    now_utc,
    remove_dir,
    scratch_dir,
    start_chat,
    summarize_ms,
    write_result,
)
from tests.files import samples
from tests.support import Person, create_workspace, sign_up

MB = 1024 * 1024


def scanned_pdf(pages: int, seed: int) -> bytes:
    """A PDF like a scanned contract: every page an A4 image at 150 dpi (JPEG), with some text drawn on."""
    rng = random.Random(seed)
    images = []
    for number in range(pages):
        page = Image.new("RGB", (1240, 1754), (250, 250, 245))
        draw = ImageDraw.Draw(page)
        for line in range(60):
            y = 120 + line * 26
            draw.text((110, y), " ".join(rng.choice(["clause", "party", "term", "agreement", "hereby",
                                                      "payment", "notice", f"{seed}-{number}"])
                                         for _ in range(14)), fill=(20, 20, 20))
        for _ in range(200):  # speckle, as scanners leave: keeps the JPEG realistic in size
            x, y = rng.randrange(1240), rng.randrange(1754)
            draw.point((x, y), fill=(rng.randrange(120, 200),) * 3)
        images.append(page)
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=images[1:], quality=80)
    return out.getvalue()


def text_pdf(pages: int, seed: int) -> bytes:
    return samples.pdf([f"Report {seed} page {n}: revenue, costs and outlook for the quarter" for n in range(pages)])


def tree_rss_kib(pid: int) -> tuple[int, int]:
    """(RSS of pid, RSS of pid plus all its descendants) in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(entry.name)] = int(line.split()[1])
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return rss.get(pid, 0), total


class MemorySampler(threading.Thread):
    def __init__(self, pid: int, every_s: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.peak_server = self.peak_tree = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            server, tree = tree_rss_kib(self.pid)
            self.peak_server, self.peak_tree = max(self.peak_server, server), max(self.peak_tree, tree)
            time.sleep(self.every_s)

    def stop(self) -> dict[str, float]:
        self.stop_event.set()
        self.join()
        return {"peak_server_mib": round(self.peak_server / 1024, 1),
                "peak_server_and_workers_mib": round(self.peak_tree / 1024, 1)}


def upload(person: Person, channel_id: int, name: str, data: bytes) -> str:
    r = person.request("POST", f"/channels/{channel_id}/files", files=[("file", (name, data))])
    r.raise_for_status()
    return r.json()["files"][0]["id"]


def bench_uploads(person: Person, channel_id: int, count: int, concurrency: int) -> dict[str, Any]:
    blobs = [os.urandom(10 * MB) for _ in range(count)]  # distinct content: no dedupe shortcut
    latencies: list[int] = []

    def one(i: int) -> None:
        started = time.perf_counter_ns()
        upload(person, channel_id, f"blob-{i}.bin", blobs[i])
        latencies.append(time.perf_counter_ns() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    return {"files": count, "file_mb": 10, "concurrency": concurrency, "wall_s": round(wall, 2),
            "mb_per_s": round(count * 10 / wall, 1), "files_per_s": round(count / wall, 2),
            "per_upload": summarize_ms(latencies)}


def bench_preview_latency(person: Person, channel_id: int, make, runs: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """From the start of the upload to the moment a connected client receives the preview."""
    sio = socketio.Client()
    ready: dict[int, float] = {}
    cond = threading.Condition()

    @sio.on("message.updated")
    def _updated(envelope: dict[str, Any]) -> None:
        files = envelope["data"]["files"]
        if files and files[0]["preview"]["state"] in ("ready", "failed"):
            with cond:
                ready.setdefault(envelope["data"]["id"], time.perf_counter())
                cond.notify_all()

    sio.connect(person.server_url, auth={"token": person.token}, transports=["websocket"])
    samples_ns, upload_ns, sizes, states = [], [], [], []
    try:
        for run in range(runs):
            data = make(run)
            sizes.append(len(data))
            started = time.perf_counter()
            file_id = upload(person, channel_id, f"doc-{run}.pdf", data)
            uploaded = time.perf_counter()
            message = person.post(f"/channels/{channel_id}/messages", {"file_ids": [file_id]})
            with cond:
                # The preview may be ready before the message exists: then it is in the send's reply.
                if message["files"][0]["preview"]["state"] != "pending":
                    ready.setdefault(message["id"], time.perf_counter())
                cond.wait_for(lambda message=message: message["id"] in ready, timeout=60)
            samples_ns.append(int((ready[message["id"]] - started) * 1e9))
            upload_ns.append(int((uploaded - started) * 1e9))
            states.append(person.get(f"/files/{file_id}")["preview"]["state"])
    finally:
        sio.disconnect()
    return {"runs": runs, "pdf_mb": round(sum(sizes) / len(sizes) / MB, 2), "states": sorted(set(states)),
            "upload": summarize_ms(upload_ns), "upload_to_preview": summarize_ms(samples_ns)}


def bench_parallel_previews(person: Person, channel_id: int, pid: int, make, count: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    docs = [make(1000 + i) for i in range(count)]
    idle_server, _idle_tree = tree_rss_kib(pid)
    sampler = MemorySampler(pid)
    sampler.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        ids = list(pool.map(lambda i: upload(person, channel_id, f"batch-{i}.pdf", docs[i]), range(count)))
    while any(person.get(f"/files/{i}")["preview"]["state"] == "pending" for i in ids):
        time.sleep(0.05)
    wall = time.perf_counter() - started
    memory = sampler.stop()
    return {"pdfs": count, "pdf_mb": round(sum(map(len, docs)) / count / MB, 2), "all_previewed_s": round(wall, 2),
            "idle_server_mib": round(idle_server / 1024, 1), **memory}


def main() -> None:
    parser = base_args(__doc__.splitlines()[0])
    parser.add_argument("--mode", default="eventlet", choices=["eventlet", "gevent", "threading"])
    args = parser.parse_args()
    runs = 3 if args.quick else 10
    uploads = 5 if args.quick else 20
    instance = scratch_dir("files")
    target = start_chat(instance, args.mode)
    result: dict[str, Any] = {"benchmark": "files", "started": now_utc(), "machine": machine_description(),
                              "params": vars(args)}
    try:
        owner = sign_up(target.url, "Bench Owner")
        ws = create_workspace(owner, "Bench")
        result["uploads_sequential"] = bench_uploads(owner, ws.general_id, uploads, 1)
        result["uploads_concurrent"] = bench_uploads(owner, ws.general_id, uploads, 4)
        result["preview_text_pdf_20_pages"] = bench_preview_latency(
            owner, ws.general_id, lambda run: text_pdf(20, run), runs)
        result["preview_scanned_pdf_20_pages"] = bench_preview_latency(
            owner, ws.general_id, lambda run: scanned_pdf(20, run), runs)
        result["ten_scanned_pdfs_at_once"] = bench_parallel_previews(
            owner, ws.general_id, target.pid, lambda seed: scanned_pdf(20, seed), 10)
    finally:
        target.stop()
        remove_dir(instance)
    path = write_result("files", result, args.out)
    print(report(result))
    print(f"\nwritten to {path}")


def report(r: dict[str, Any]) -> str:
    rows = ["| measure | value |", "|---|---|"]
    for key in ("uploads_sequential", "uploads_concurrent"):
        u = r[key]
        rows.append(f"| upload 10 MB files, {u['concurrency']} at a time | {u['mb_per_s']} MB/s "
                    f"({u['files_per_s']} files/s; p50 {u['per_upload']['p50_ms']:.0f} ms, "
                    f"p99 {u['per_upload']['p99_ms']:.0f} ms per file) |")
    for key, label in (("preview_text_pdf_20_pages", "text"), ("preview_scanned_pdf_20_pages", "scanned")):
        p = r[key]
        rows.append(f"| upload to preview, 20-page {label} PDF ({p['pdf_mb']} MB) | p50 "
                    f"{p['upload_to_preview']['p50_ms']:.0f} ms, p99 {p['upload_to_preview']['p99_ms']:.0f} ms "
                    f"({p['runs']} runs; upload alone p50 {p['upload']['p50_ms']:.0f} ms) |")
    m = r["ten_scanned_pdfs_at_once"]
    rows.append(f"| 10 scanned 20-page PDFs ({m['pdf_mb']} MB each) at once | all previewed in "
                f"{m['all_previewed_s']} s; server idle {m['idle_server_mib']} MiB, peak {m['peak_server_mib']} MiB; "
                f"server + preview workers peak {m['peak_server_and_workers_mib']} MiB |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
