"""Many people at once: thousands of sockets of one workspace on one process.

    python bench/crowd.py [--people 2000] [--procs 2] [--rate 20] [--storms 250,500,1000,2000]
    python bench/crowd.py --quick       # 200 people, storms of 50,100,200

One chat server (`python app.py`, eventlet, SQLite: the default deployment) and ``--people``
members of one workspace, every one in #general. The clients (bench/crowdclients.py, in
``--procs`` processes) follow docs/realtime.md's catch-up: the cursor from GET /events/head, then
connect, then ``sync`` from it while live events are buffered, then the buffer, deduplicated.

1. **connect**: every client connects at once; the time until the last has finished its catch-up.
2. **restart**: the owner sends ``--rate`` messages/s to #general over REST (each retried with
   its client_msg_id until acknowledged, as the web client's outbox does). After ``--warmup``
   seconds the server is killed with SIGKILL and restarted on the same port; the time until every
   client has reconnected and caught up again, counted from the kill and from the moment the new
   process answered; after ``--after`` more seconds the sends stop. Every client must then hold
   every acknowledged message exactly once (by message id): lost and duplicated are counted. Send
   ack latencies: all, and those of sends made while a server was up (first attempt after the
   restarted server answered, or before the kill).
3. **presence storms**: for each N of ``--storms``, N clients connect at once to the restarted
   server; the ``presence.changed`` frames all of them received. Then the same with
   ``PRESENCE_PUSH_LIMIT`` above the workspace's size (presence pushed to everyone, the behaviour
   before the limit) for the sizes of ``--compare``.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

import harness
from crowdclients import CrowdWorker
from loadclients import split
from tests.support import start_server


class Sender:
    """An open-loop REST sender: ``rate`` sends a second, each retried until acknowledged."""

    def __init__(self, url: str, token: str, channel_id: int, rate: float) -> None:
        self.url, self.token, self.channel_id, self.rate = url, token, channel_id, rate
        self.sends: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(512)  # sends wait out a restart: each holds a thread
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        t0 = time.monotonic()
        seq = 0
        while not self._stop.is_set():
            delay = t0 + seq / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self._pool.submit(self._send, seq, time.monotonic_ns())
            seq += 1

    def _send(self, seq: int, scheduled_ns: int) -> None:
        # Latency counts from the moment the send was due, not from when a thread took it up.
        record: dict[str, Any] = {"seq": seq, "first_ns": scheduled_ns, "attempts": 0}
        with self._lock:
            self.sends.append(record)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            record["attempts"] += 1
            try:
                r = session.post(f"{self.url}/api/v1/channels/{self.channel_id}/messages", timeout=10,
                                 json={"body": f"crowd #{seq}", "client_msg_id": f"crowd-{seq}"})
                if r.status_code in (200, 201):
                    record["ack_ns"] = time.monotonic_ns()
                    record["message_id"] = r.json()["id"]
                    return
                record["last_error"] = r.status_code
            except requests.RequestException as err:
                record["last_error"] = type(err).__name__
            time.sleep(0.25)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._pool.shutdown(wait=True)


def head(url: str, token: str) -> int:
    return requests.get(f"{url}/api/v1/events/head", headers={"Authorization": f"Bearer {token}"},
                        timeout=30).json()["cursor"]


def start_crowd(url: str, tokens: list[str], procs: int, cursor: int) -> list[CrowdWorker]:
    workers = [CrowdWorker({"url": url, "tokens": chunk, "cursor": cursor}) for chunk in split(tokens, procs)]
    for w in workers:
        w.expect("loaded", 120)
    return workers


def connect_all(workers: list[CrowdWorker], timeout_s: float = 120) -> dict[str, Any]:
    t0 = time.monotonic_ns()
    for w in workers:
        w.send("connect", {"timeout_s": timeout_s})
    replies = [w.expect("caught_up", timeout_s + 60) for w in workers]
    return {"all_caught_up": all(r["all"] for r in replies),
            "caught_up": sum(r["caught_up"] for r in replies),
            "seconds": round((max(r["last_ns"] for r in replies) - t0) / 1e9, 2),
            "connect_failures": sum(r["connect_failures"] for r in replies)}


def collect(workers: list[CrowdWorker], acked: list[int], drain_s: float) -> dict[str, Any]:
    for w in workers:
        w.send("collect", {"acked": acked, "drain_s": drain_s})
    replies = [w.expect("result", drain_s + 60) for w in workers]
    return {k: sum(r[k] for r in replies) for k in replies[0]}


def close(workers: list[CrowdWorker]) -> None:
    for w in workers:
        w.close()


def storm(url: str, owner_token: str, general_id: int, tokens: list[str], procs: int) -> dict[str, Any]:
    """N clients connect at once; the presence.changed frames all of them received meanwhile.
    A message sent after every client caught up marks the end: the presence frames of each
    connect left before it."""
    workers = start_crowd(url, tokens, procs, head(url, owner_token))
    try:
        connected = connect_all(workers)
        marker = requests.post(f"{url}/api/v1/channels/{general_id}/messages", timeout=30,
                               headers={"Authorization": f"Bearer {owner_token}"},
                               json={"body": "storm over"}).json()["id"]
        counts = collect(workers, [marker], 60)
        return {"n": len(tokens), "presence_frames": counts["presence_frames"],
                "frames_per_person": round(counts["presence_frames"] / len(tokens), 2),
                "connect_s": connected["seconds"], "caught_up": connected["caught_up"]}
    finally:
        close(workers)


def restart_under_load(args: Any, result: dict[str, Any], target: harness.Target, workers: list[CrowdWorker],
                       pop: harness.Population, port: int, workdir: Path) -> harness.Target:
    """Phase 2, kill -9 and restart under a steady load (the module's docstring); returns the
    restarted server."""
    sender = Sender(target.url, pop.owner_token, pop.general_id, args.rate)
    sender.start()
    time.sleep(args.warmup)
    for w in workers:
        w.send("mark")
        w.expect("marked", 30)
    kill_ns = time.monotonic_ns()
    target.process.kill()
    target.process.wait(10)
    server = start_server(workdir / "srv", async_mode=args.mode, port=port)
    target = harness.Target("chat", args.mode, server.url, server.process, server.log_path, server)
    ready_ns = time.monotonic_ns()
    for w in workers:
        w.send("await_back", {"timeout_s": 120})
    backs = [w.expect("back", 180) for w in workers]
    last = max(b["last_ns"] for b in backs)
    time.sleep(args.after)
    sender.stop()
    sends = sender.sends
    acked = [s for s in sends if "ack_ns" in s]
    counts = collect(workers, [s["message_id"] for s in acked], args.drain)
    close(workers)
    up = [s for s in acked if s["first_ns"] < kill_ns - int(1e9) or s["first_ns"] >= ready_ns]
    result["restart"] = {
        "all_back": all(b["all"] for b in backs), "back": sum(b["back"] for b in backs),
        "back_s_after_kill": round((last - kill_ns) / 1e9, 2),
        "back_s_after_restarted_server_answered": round((last - ready_ns) / 1e9, 2),
        "restart_s": round((ready_ns - kill_ns) / 1e9, 2),
        "reconnect_failures": sum(b["connect_failures"] for b in backs),
        "sent": len(sends), "acked": len(acked), "unacked": len(sends) - len(acked),
        "ack_all": harness.summarize_ms([s["ack_ns"] - s["first_ns"] for s in acked]),
        "ack_while_up": harness.summarize_ms([s["ack_ns"] - s["first_ns"] for s in up]),
        **counts,
    }
    print("restart:", result["restart"], flush=True)
    return target


def presence_storms(args: Any, result: dict[str, Any], target: harness.Target, pop: harness.Population,
                    port: int, workdir: Path) -> harness.Target:
    """Phase 3, presence frames per connect storm, then the same with presence pushed to
    everyone (the module's docstring); returns the server last started."""
    tokens = [m["token"] for m in pop.members]
    result["storms"] = []
    for n in [int(x) for x in args.storms.split(",") if x]:
        result["storms"].append(storm(target.url, pop.owner_token, pop.general_id, tokens[:n], args.procs))
        print("storm:", result["storms"][-1], flush=True)
    target.stop()
    server = start_server(workdir / "srv", async_mode=args.mode, port=port,
                          extra_env={"PRESENCE_PUSH_LIMIT": str(10**9)})
    target = harness.Target("chat", args.mode, server.url, server.process, server.log_path, server)
    result["storms_pushed_to_everyone"] = []
    for n in [int(x) for x in args.compare.split(",") if x]:
        result["storms_pushed_to_everyone"].append(
            storm(target.url, pop.owner_token, pop.general_id, tokens[:n], args.procs))
        print("storm, pushed to everyone:", result["storms_pushed_to_everyone"][-1], flush=True)
    return target


def main() -> None:
    parser = harness.base_args(__doc__ or "")
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--rate", type=float, default=20.0, help="messages/s during the restart")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of sending before the kill")
    parser.add_argument("--after", type=float, default=10.0, help="seconds of sending after everyone is back")
    parser.add_argument("--drain", type=float, default=60.0,
                        help="seconds the clients get to receive every acknowledged message once the sends stop")
    parser.add_argument("--storms", default="250,500,1000,2000")
    parser.add_argument("--compare", default="250,500,1000", help="storm sizes with presence pushed to everyone")
    parser.add_argument("--mode", default="eventlet")
    parser.add_argument("--phases", default="connect,restart,storms", help="a subset of connect,restart,storms")
    parser.add_argument("--keep", help="keep the instance directory here")
    args = parser.parse_args()
    if args.quick:
        args.people, args.storms, args.compare, args.after = 200, "50,100,200", "50,100,200", 5.0
    harness.raise_fd_limit()
    workdir = harness.scratch_dir("crowd", args.keep)
    result: dict[str, Any] = {"benchmark": "crowd", "started": harness.now_utc(),
                              "machine": harness.machine_description(), "args": vars(args)}
    target = harness.start_chat(workdir / "srv", args.mode)
    port = int(target.url.rsplit(":", 1)[1])
    try:
        t0 = time.monotonic()
        pop = harness.populate(target.url, args.people)
        result["populate_s"] = round(time.monotonic() - t0, 1)
        tokens = [m["token"] for m in pop.members]
        print(f"{args.people} people in {result['populate_s']} s", flush=True)

        # 1. everyone connects and catches up at once
        workers = start_crowd(target.url, tokens, args.procs, head(target.url, pop.owner_token))
        result["connect"] = connect_all(workers)
        print("connect:", result["connect"], flush=True)

        if "restart" in args.phases:
            target = restart_under_load(args, result, target, workers, pop, port, workdir)
        else:
            close(workers)
        if "storms" in args.phases:
            target = presence_storms(args, result, target, pop, port, workdir)
    finally:
        target.stop()
        result["server_log_tail"] = target.log_tail(20)
        if not args.keep:
            harness.remove_dir(workdir)
    path = harness.write_result("crowd", result, args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
