"""Fan-out: one sender at a fixed rate into a channel that N members have open.

    python bench/fanout.py [--members 200] [--rate 100] [--duration 10] [--modes eventlet,gevent,threading]
    python bench/fanout.py --quick

For each async mode the bare socket.io server and the chat server run in turn, with the same
clients. Members are raw engine.io websockets (aiohttp, see loadclients.py) spread over ``--procs``
worker processes; the sender is one more process, a ``socketio.AsyncClient`` that sends
``message.send`` open-loop on a fixed schedule (not waiting for acks). Delivery latency is measured
from just before the emit to the ``message.created`` arrival at every member; a message is lost
when it was acked but a member never got it.
"""
from __future__ import annotations

import time
import uuid
from array import array
from pathlib import Path
from typing import Any

import harness
from loadclients import Worker, split


def run_fanout(target: harness.Target, member_auths: list[dict], sender_auth: dict, channel_id: int, *,
               rate: float, duration: float, procs: int, profile_to: Path | None = None) -> dict[str, Any]:
    tag = "f" + uuid.uuid4().hex[:8]
    receivers = [Worker("receivers", {"url": target.url, "auths": chunk, "tag": tag})
                 for chunk in split(member_auths, procs)]
    sender = Worker("paced_sender", {"url": target.url, "auth": sender_auth, "channel_id": channel_id,
                                     "rate": rate, "duration": duration, "tag": tag})
    try:
        ready = [w.expect("ready", 300) for w in receivers]
        connected = sum(r["connected"] for r in ready)
        if sender.expect("ready", 60)["connected"] != 1:
            raise RuntimeError("the sender could not connect")
        time.sleep(1.0)  # let the connect-time presence broadcasts die down
        rss_before = harness.rss_kib(target.pid)
        meter = harness.CpuMeter(target.pid)
        profiler = harness.Profiler(target.pid, profile_to, duration) if profile_to else None
        meter.start()
        for w in receivers:
            w.send("go")
        sender.send("go")
        sent = sender.expect("result", duration + 60)
        server_cpu = meter.stop()
        for w in receivers:
            w.send("collect", {"acked": sent["acked"], "drain_s": 15})
        got = [w.expect("result", 60) for w in receivers]
        profile = profiler.finish() if profiler else None
    finally:
        for w in [*receivers, sender]:
            w.join()
    latencies = array("q")
    for g in got:
        latencies.frombytes(g["latencies_ns"])
    ack = array("q")
    ack.frombytes(sent["ack_latencies_ns"])
    acked = len(sent["acked"])
    return {
        "server": target.kind, "mode": target.mode, "members": len(member_auths), "connected": connected,
        "rate": rate, "duration_s": duration, "sent": sent["sent"], "acked": acked,
        "send_errors": sent["errors"], "unanswered": sent["unanswered"],
        "sender_max_lag_ms": sent["max_lag_ms"], "send_wall_s": sent["send_wall_s"],
        "expected_deliveries": acked * connected, "delivered": len(latencies),
        "lost": sum(g["missing"] for g in got), "duplicates": sum(g["duplicates"] for g in got),
        "members_disconnected_early": sum(g["disconnected_early"] for g in got),
        "delivery": harness.summarize_ms(latencies), "ack": harness.summarize_ms(ack),
        "server_cpu": server_cpu, "server_rss_kib": rss_before,
        "client_cpu_s": {"receivers": [g["cpu_s"] for g in got], "receivers_wall_s": got[0]["wall_s"],
                         "sender": sent["cpu_s"]},
        "profile": profile,
    }


def main() -> None:
    parser = harness.base_args(__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0, help="messages per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of sending")
    parser.add_argument("--procs", type=int, default=2, help="receiver processes")
    parser.add_argument("--modes", default="eventlet", help="comma-separated async modes, or 'all'")
    parser.add_argument("--servers", default="bare,chat", help="which servers: bare,chat")
    parser.add_argument("--profile", action="store_true", help="py-spy the server during the run")
    parser.add_argument("--instance-dir", help="reuse this chat instance dir (default: a fresh temp dir)")
    args = parser.parse_args()
    if args.quick:
        args.members, args.duration = min(args.members, 50), min(args.duration, 3.0)
    modes = harness.MODES if args.modes == "all" else tuple(args.modes.split(","))
    kinds = args.servers.split(",")
    harness.raise_fd_limit()
    work = harness.scratch_dir("fanout", args.instance_dir)
    population = None
    runs: list[dict[str, Any]] = []
    result = {"benchmark": "fanout", "started": harness.now_utc(), "machine": harness.machine_description(),
              "params": vars(args), "runs": runs}
    for mode in modes:
        for kind in kinds:
            target = harness.start_bare(mode, work) if kind == "bare" else harness.start_chat(work, mode)
            try:
                if kind == "bare":
                    auths, sender_auth, channel_id = [{"channels": [1]}] * args.members, {"channels": [1]}, 1
                else:
                    pop_file = work / f"population-{args.members}.json"
                    if population is None and pop_file.exists():
                        population = harness.Population.load(pop_file)
                    if population is None:
                        t0 = time.monotonic()
                        population = harness.populate(target.url, args.members)
                        population.save(pop_file)
                        print(f"signed up {args.members} members in {time.monotonic() - t0:.1f}s", flush=True)
                    auths = [{"token": m["token"]} for m in population.members]
                    sender_auth, channel_id = {"token": population.owner_token}, population.general_id
                profile_to = (harness.RESULTS / f"profile-fanout-{kind}-{mode}") if args.profile else None
                run = run_fanout(target, auths, sender_auth, channel_id, rate=args.rate,
                                 duration=args.duration, procs=args.procs, profile_to=profile_to)
            finally:
                target.stop()
            runs.append(run)
            d = run["delivery"]
            print(f"{mode:9} {kind:4}: delivered {run['delivered']}/{run['expected_deliveries']} "
                  f"lost {run['lost']} p50 {d.get('p50_ms')} ms p99 {d.get('p99_ms')} ms "
                  f"max {d.get('max_ms')} ms; ack p99 {run['ack'].get('p99_ms')} ms; "
                  f"server cpu {run['server_cpu']['cpu_share']:.0%}; sender lag {run['sender_max_lag_ms']} ms",
                  flush=True)
    result["ratios"] = ratios(runs)
    for mode, r in result["ratios"].items():
        print(f"{mode}: chat/bare p50 {r['p50']}x, p99 {r['p99']}x (target p99 <= 1.5x)")
    path = harness.write_result("fanout", result, args.out)
    print(f"wrote {path}")
    if not args.instance_dir:
        harness.remove_dir(work)


def ratios(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {}
    by = {(r["mode"], r["server"]): r for r in runs}
    for mode in {r["mode"] for r in runs}:
        chat, bare = by.get((mode, "chat")), by.get((mode, "bare"))
        if chat and bare and bare["delivery"].get("p99_ms"):
            out[mode] = {"p50": round(chat["delivery"]["p50_ms"] / bare["delivery"]["p50_ms"], 2),
                         "p99": round(chat["delivery"]["p99_ms"] / bare["delivery"]["p99_ms"], 2)}
    return out


if __name__ == "__main__":
    main()
