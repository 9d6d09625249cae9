"""Persisted sends: N senders, each sending the next message as soon as the previous one is acked.

    python bench/sends.py [--senders 10] [--duration 10] [--modes eventlet,gevent,threading]
    python bench/sends.py --quick

Each sender owns a private channel (on the bare server: its own room), so every ack is also one
``message.created`` broadcast to the sender's own socket, as in the chat app. The chat server
acks only after the commit (SQLite file, WAL), so acked messages/s is committed messages/s.
All senders run as ``socketio.AsyncClient`` sockets in one client process (10 sockets are far
from saturating it; its CPU time is reported).
"""
from __future__ import annotations

import time
import uuid
from array import array
from typing import Any

import harness
from loadclients import Worker


def run_sends(target: harness.Target, senders: list[dict], *, duration: float,
              profile_to: Any = None) -> dict[str, Any]:
    tag = "s" + uuid.uuid4().hex[:8]
    worker = Worker("closed_loop", {"url": target.url, "senders": senders, "duration": duration, "tag": tag})
    try:
        ready = worker.expect("ready", 120)
        if ready["connected"] != len(senders):
            raise RuntimeError(f"only {ready['connected']} of {len(senders)} senders connected")
        time.sleep(0.5)
        meter = harness.CpuMeter(target.pid)
        profiler = harness.Profiler(target.pid, profile_to, duration) if profile_to else None
        meter.start()
        worker.send("go")
        got = worker.expect("result", duration + 60)
        server_cpu = meter.stop()
        profile = profiler.finish() if profiler else None
    finally:
        worker.join()
    lat = array("q")
    lat.frombytes(got["ack_latencies_ns"])
    return {"server": target.kind, "mode": target.mode, "senders": len(senders), "duration_s": duration,
            "acked": got["acked"], "acked_per_s": round(got["acked"] / duration, 1),
            "per_second": got["per_second"], "errors": got["errors"], "ack": harness.summarize_ms(lat),
            "server_cpu": server_cpu, "client_cpu_s": got["cpu_s"], "profile": profile}


def chat_senders(target: harness.Target, count: int) -> list[dict]:
    population = harness.populate(target.url, members=count, send_channels=count)
    return [{"auth": {"token": s["token"]}, "channel_id": s["channel_id"]} for s in population.send_channels]


def bare_senders(count: int) -> list[dict]:
    return [{"auth": {"channels": [k + 1]}, "channel_id": k + 1} for k in range(count)]


def main() -> None:
    parser = harness.base_args(__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--modes", default="eventlet", help="comma-separated async modes, or 'all'")
    parser.add_argument("--servers", default="bare,chat")
    parser.add_argument("--profile", action="store_true", help="py-spy the server during the run")
    args = parser.parse_args()
    if args.quick:
        args.duration = min(args.duration, 3.0)
    modes = harness.MODES if args.modes == "all" else tuple(args.modes.split(","))
    harness.raise_fd_limit()
    work = harness.scratch_dir("sends")
    runs = []
    result = {"benchmark": "sends", "started": harness.now_utc(), "machine": harness.machine_description(),
              "params": vars(args), "runs": runs}
    try:
        for mode in modes:
            for kind in args.servers.split(","):
                runs.append(measure(kind, mode, work, args.senders, args.duration, args.profile))
    finally:
        harness.remove_dir(work)
    result["ratios"] = ratios(runs)
    print(f"wrote {harness.write_result('sends', result, args.out)}")


def measure(kind: str, mode: str, work: Any, senders: int, duration: float,
            profile: bool = False) -> dict[str, Any]:
    target = harness.start_bare(mode, work) if kind == "bare" else harness.start_chat(work / f"chat-{mode}", mode)
    try:
        who = bare_senders(senders) if kind == "bare" else chat_senders(target, senders)
        profile_to = harness.RESULTS / f"profile-sends-{kind}-{mode}" if profile else None
        run = run_sends(target, who, duration=duration, profile_to=profile_to)
    finally:
        target.stop()
    print(f"sends {mode:9} {kind:4}: {run['acked_per_s']} acked/s, ack p50 {run['ack'].get('p50_ms')} ms "
          f"p99 {run['ack'].get('p99_ms')} ms, errors {run['errors']}, server cpu "
          f"{run['server_cpu']['cpu_share']:.0%}", flush=True)
    return run


def ratios(runs: list[dict[str, Any]]) -> dict[str, float]:
    by = {(r["mode"], r["server"]): r for r in runs}
    return {mode: round(by[(mode, "chat")]["acked_per_s"] / by[(mode, "bare")]["acked_per_s"], 3)
            for mode in {r["mode"] for r in runs}
            if (mode, "chat") in by and (mode, "bare") in by and by[(mode, "bare")]["acked_per_s"]}


if __name__ == "__main__":
    main()
