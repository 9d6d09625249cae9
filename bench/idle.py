"""Idle connections: memory per connected socket, and thousands of sockets held by one process.

    python bench/idle.py [--sockets 5000] [--people 50] [--hold 25] [--modes eventlet,gevent,threading]
    python bench/idle.py --quick

The chat server gets ``--people`` members of one workspace, each with sockets/people sockets open
(several tabs each: the server still authenticates every socket, records it in the connection
table and joins it to its user, workspace and channel rooms). The bare server just accepts them.
Sockets are ``socketio.AsyncClient`` over aiohttp in ``--procs`` client processes. Server memory
(VmRSS) is read after one socket (baseline) and after every step; the sockets are then held for
``--hold`` seconds, past a 20 s ping interval, and counted again, with the server's CPU share
while idle. The soft open-files limit is raised to the hard one in the driver; the servers and
the client processes inherit it.
"""
from __future__ import annotations

import time
from typing import Any

import harness
from loadclients import Worker, split


def run_idle(target: harness.Target, auths: list[dict], *, steps: list[int], procs: int,
             hold_s: float) -> dict[str, Any]:
    workers: list[Worker] = []
    try:
        first = Worker("idle", {"url": target.url, "auths": auths[:1]})
        workers.append(first)
        if first.expect("ready", 60)["connected"] != 1:
            raise RuntimeError("no socket could connect")
        time.sleep(1.0)
        base_rss = harness.rss_kib(target.pid)
        points = [{"sockets": 1, "rss_kib": base_rss}]
        connected, failed, done = 1, 0, 1
        for step in steps:
            batch = auths[done:step]
            t0 = time.monotonic()
            new = [Worker("idle", {"url": target.url, "auths": chunk, "concurrency": 20,
                                   "connect_timeout_s": 600}) for chunk in split(batch, procs)]
            workers.extend(new)
            ready = [w.expect("ready", 900) for w in new]
            connected += sum(r["connected"] for r in ready)
            failed += sum(r["failed"] for r in ready)
            done = step
            time.sleep(2.0)   # let connect-time work (presence broadcasts) settle
            rss = harness.rss_kib(target.pid)
            points.append({"sockets": connected, "failed": failed, "rss_kib": rss,
                           "connect_s": round(time.monotonic() - t0, 1),
                           "kib_per_socket": round((rss - base_rss) / max(connected - 1, 1), 1)})
            print(f"idle {target.mode:9} {target.kind:4}: {connected} sockets ({failed} failed), "
                  f"RSS {rss / 1024:.0f} MiB, {points[-1]['kib_per_socket']} KiB/socket", flush=True)
        meter = harness.CpuMeter(target.pid)
        meter.start()
        time.sleep(hold_s)
        idle_cpu = meter.stop()
        for w in workers:
            w.send("close")
        still = sum(w.expect("result", 120)["still_connected_at_close"] for w in workers)
    finally:
        for w in workers:
            w.join(60)
    return {"server": target.kind, "mode": target.mode, "requested": len(auths), "points": points,
            "connected": connected, "failed": failed, "held_s": hold_s, "still_connected_after_hold": still,
            "kib_per_socket": points[-1].get("kib_per_socket"),
            "rss_mib_at_max": round(points[-1]["rss_kib"] / 1024, 1),
            "idle_cpu": idle_cpu}


def main() -> None:
    parser = harness.base_args(__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--hold", type=float, default=25.0, help="seconds to hold the sockets open")
    parser.add_argument("--procs", type=int, default=4, help="client processes")
    parser.add_argument("--modes", default="eventlet")
    parser.add_argument("--servers", default="bare,chat")
    args = parser.parse_args()
    if args.quick:
        args.sockets, args.people, args.hold = min(args.sockets, 500), min(args.people, 10), min(args.hold, 3.0)
    modes = harness.MODES if args.modes == "all" else tuple(args.modes.split(","))
    limit = harness.raise_fd_limit()
    if limit < args.sockets + 200:
        print(f"warning: open-files limit {limit} is below {args.sockets} sockets", flush=True)
    work = harness.scratch_dir("idle")
    runs = []
    result = {"benchmark": "idle", "started": harness.now_utc(), "machine": harness.machine_description(),
              "params": {**vars(args), "nofile_limit": limit}, "runs": runs}
    try:
        for mode in modes:
            for kind in args.servers.split(","):
                runs.append(measure(kind, mode, work, args))
    finally:
        harness.remove_dir(work)
    print(f"wrote {harness.write_result('idle', result, args.out)}")


def measure(kind: str, mode: str, work: Any, args: Any) -> dict[str, Any]:
    target = harness.start_bare(mode, work) if kind == "bare" else harness.start_chat(work / f"chat-{mode}", mode)
    try:
        if kind == "bare":
            auths = [{"channels": [1]}] * args.sockets
        else:
            population = harness.populate(target.url, args.people)
            tokens = [m["token"] for m in population.members]
            auths = [{"token": tokens[i % len(tokens)]} for i in range(args.sockets)]
        steps = sorted({min(args.sockets, s) for s in (args.sockets // 5, args.sockets)})
        return run_idle(target, auths, steps=steps, procs=args.procs, hold_s=args.hold)
    finally:
        target.stop()


if __name__ == "__main__":
    main()
