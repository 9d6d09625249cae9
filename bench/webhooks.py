"""Incoming webhooks under load: posts per second beside socket sends, and the delay to 200 members.

    python bench/webhooks.py [--hooks 50] [--duration 10] [--members 200] [--rate 20]
    python bench/webhooks.py --quick

One chat server (eventlet, SQLite file, rate limits off as in every benchmark here), populated
through the public API: ``--members`` people in #general, ``--hooks`` of them each owning a
private channel and an incoming webhook into it (the workspace lets members make webhooks).

* **Throughput**: ``--hooks`` closed-loop HTTP posters, one per hook, each POSTing Slack's JSON
  (``{"text": ...}``) as soon as the previous post answered ``200 ok``; then, on the same server
  and channels, as many closed-loop socket senders (``message.send``, acked after the commit) as
  in sends.py. Target: webhook posts/s >= 50% of acked socket sends/s.
* **Delay to members**: the owner's webhook into #general is posted to at ``--rate`` per second
  (open loop) while every member has the channel open on a raw websocket (loadclients.py); the
  delay runs from just before the POST to the ``message.created`` arrival at each member, found
  by the post's text ("<tag>-<seq>-<ns>"), as fanout.py measures socket sends.
"""
from __future__ import annotations

import time
import uuid
from array import array
from typing import Any

import requests

import harness
from loadclients import Worker, split
from sends import run_sends


def api(url: str, token: str, method: str, path: str, body: Any = None) -> Any:
    answer = requests.request(method, f"{url}/api/v1{path}", json=body, timeout=30,
                              headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    return answer.json()


def make_hooks(target: harness.Target, population: harness.Population) -> tuple[list[str], str]:
    """A webhook into each member's private channel (made by that member), and the owner's
    into #general."""
    api(target.url, population.owner_token, "PATCH", f"/workspaces/{population.workspace_id}",
        {"members_create_webhooks": True})
    hooks = [api(target.url, s["token"], "POST", f"/workspaces/{population.workspace_id}/webhooks",
                 {"channel_id": s["channel_id"], "name": f"Hook {k}"})["url"]
             for k, s in enumerate(population.send_channels)]
    general = api(target.url, population.owner_token, "POST", f"/workspaces/{population.workspace_id}/webhooks",
                  {"channel_id": population.general_id, "name": "Alerts"})["url"]
    return hooks, general


def run_webhook_posts(target: harness.Target, hooks: list[str], *, duration: float,
                      profile_to: Any = None) -> dict[str, Any]:
    worker = Worker("webhook_closed_loop", {"hooks": hooks, "duration": duration, "tag": "w" + uuid.uuid4().hex[:8]})
    try:
        worker.expect("ready", 60)
        meter = harness.CpuMeter(target.pid)
        profiler = harness.Profiler(target.pid, profile_to, duration) if profile_to else None
        meter.start()
        worker.send("go")
        got = worker.expect("result", duration + 60)
        server_cpu = meter.stop()
        result_profile = profiler.finish() if profiler else None
    finally:
        worker.join()
    lat = array("q")
    lat.frombytes(got["ack_latencies_ns"])
    return {"hooks": len(hooks), "duration_s": duration, "posted": got["acked"],
            "posted_per_s": round(got["acked"] / duration, 1), "per_second": got["per_second"],
            "errors": got["errors"], "answer": harness.summarize_ms(lat), "server_cpu": server_cpu,
            "client_cpu_s": got["cpu_s"], "profile": result_profile}


def run_webhook_fanout(target: harness.Target, member_auths: list[dict], hook: str, *, rate: float,
                       duration: float, procs: int) -> dict[str, Any]:
    tag = "h" + uuid.uuid4().hex[:8]
    receivers = [Worker("receivers", {"url": target.url, "auths": chunk, "tag": tag, "field": "body"})
                 for chunk in split(member_auths, procs)]
    poster = Worker("webhook_paced", {"hook": hook, "rate": rate, "duration": duration, "tag": tag})
    try:
        connected = sum(w.expect("ready", 300)["connected"] for w in receivers)
        poster.expect("ready", 60)
        time.sleep(1.0)  # let the connect-time presence broadcasts die down
        meter = harness.CpuMeter(target.pid)
        meter.start()
        for w in receivers:
            w.send("go")
        poster.send("go")
        sent = poster.expect("result", duration + 60)
        server_cpu = meter.stop()
        for w in receivers:
            w.send("collect", {"acked": sent["acked"], "drain_s": 15})
        got = [w.expect("result", 60) for w in receivers]
    finally:
        for w in [*receivers, poster]:
            w.join()
    delays = array("q")
    for g in got:
        delays.frombytes(g["latencies_ns"])
    answers = array("q")
    answers.frombytes(sent["ack_latencies_ns"])
    acked = len(sent["acked"])
    return {"members": len(member_auths), "connected": connected, "rate": rate, "duration_s": duration,
            "posted": sent["sent"], "answered_ok": acked, "errors": sent["errors"],
            "poster_max_lag_ms": sent["max_lag_ms"], "expected_deliveries": acked * connected,
            "delivered": len(delays), "lost": sum(g["missing"] for g in got),
            "duplicates": sum(g["duplicates"] for g in got), "delay": harness.summarize_ms(delays),
            "answer": harness.summarize_ms(answers), "server_cpu": server_cpu}


def main() -> None:
    parser = harness.base_args(__doc__.splitlines()[0])
    parser.add_argument("--hooks", type=int, default=50, help="concurrent webhooks (and socket senders)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of each run")
    parser.add_argument("--members", type=int, default=200, help="members with #general open")
    parser.add_argument("--rate", type=float, default=20.0, help="webhook posts per second into #general")
    parser.add_argument("--procs", type=int, default=2, help="receiver processes")
    parser.add_argument("--mode", default="eventlet")
    parser.add_argument("--profile", action="store_true", help="py-spy the server during the webhook posts")
    args = parser.parse_args()
    if args.quick:
        args.hooks, args.members, args.duration = min(args.hooks, 10), min(args.members, 50), min(args.duration, 3.0)
    harness.raise_fd_limit()
    work = harness.scratch_dir("webhooks")
    result: dict[str, Any] = {"benchmark": "webhooks", "started": harness.now_utc(),
                              "machine": harness.machine_description(), "params": vars(args)}
    target = harness.start_chat(work / "chat", args.mode)
    try:
        t0 = time.monotonic()
        population = harness.populate(target.url, args.members, send_channels=args.hooks)
        hooks, general = make_hooks(target, population)
        print(f"signed up {args.members} members, made {len(hooks) + 1} webhooks in {time.monotonic() - t0:.1f}s",
              flush=True)
        senders = [{"auth": {"token": s["token"]}, "channel_id": s["channel_id"]} for s in population.send_channels]
        sockets = run_sends(target, senders, duration=args.duration)
        posts = run_webhook_posts(target, hooks, duration=args.duration,
                                  profile_to=harness.RESULTS / "profile-webhooks" if args.profile else None)
        ratio = round(posts["posted_per_s"] / sockets["acked_per_s"], 3) if sockets["acked_per_s"] else None
        result["throughput"] = {"socket_sends": sockets, "webhook_posts": posts, "webhooks_over_sockets": ratio}
        print(f"throughput: {posts['posted_per_s']} webhook posts/s (answer p99 {posts['answer'].get('p99_ms')} ms, "
              f"errors {posts['errors']}) vs {sockets['acked_per_s']} socket sends/s "
              f"(ack p99 {sockets['ack'].get('p99_ms')} ms): {ratio}x (target >= 0.5)", flush=True)
        fan = run_webhook_fanout(target, [{"token": m["token"]} for m in population.members], general,
                                 rate=args.rate, duration=args.duration, procs=args.procs)
        result["fanout"] = fan
        d = fan["delay"]
        print(f"webhook -> {fan['connected']} members at {args.rate}/s: delivered {fan['delivered']}/"
              f"{fan['expected_deliveries']} lost {fan['lost']} delay p50 {d.get('p50_ms')} ms p99 {d.get('p99_ms')} "
              f"ms max {d.get('max_ms')} ms; answer p99 {fan['answer'].get('p99_ms')} ms", flush=True)
    finally:
        target.stop()
        harness.remove_dir(work)
    print(f"wrote {harness.write_result('webhooks', result, args.out)}")


if __name__ == "__main__":
    main()
