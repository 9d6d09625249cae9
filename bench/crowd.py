"""Many people at once: thousands of sockets of one workspace on one process.

    python bench/crowd.py [--people 2000] [--procs 2] [--rate 20] [--storms 250,500,1000,2000]
    python bench/crowd.py --spread [--teams 50] [--team-sizes 20-100] [--general-share 0.1]
    python bench/crowd.py --quick       # 200 people, storms of 50,100,200

One chat server (`python app.py`, eventlet, SQLite: the default deployment) and ``--people``
members of one workspace, every one in #general. The clients (bench/crowdclients.py, in
``--procs`` processes) follow docs/realtime.md's catch-up: the cursor from GET /events/head, then
connect, then ``sync`` from it while live events are buffered, then the buffer, deduplicated.
They reconnect with the web client's back-off (its realtime module's ``io()`` options and
socket.io-client's defaults: 0.5 s doubling to 5 s, randomized by half, capped at 5 s;
crowdclients.reconnect_delay).

Where the messages go:

- by default, all of them to #general: with 2,000 people, 20 msg/s are 40,000 deliveries/s, more
  than the bare python-socketio server delivers on one process of a 2-core machine (run N of
  bench/README.md) before any restart;
- with ``--spread``, as in a real workspace of that size: everyone is in #general and the owner
  also makes ``--teams`` public team channels, each of a size drawn uniformly from
  ``--team-sizes`` (people picked at random; seeded, so every run has the same workspace), so
  a person is in about 1.4 team channels and a quarter in none. A share ``--general-share`` of
  the messages goes to #general and the rest to a team channel picked uniformly (20 msg/s with
  the defaults: 2 msg/s to #general, 18 to teams of ~60, ~5,000 deliveries/s). A client must
  receive exactly the messages of its own channels.

1. **connect**: every client connects at once; the time until the last has finished its catch-up.
2. **restart**: the owner sends ``--rate`` messages/s (to #general, or spread) over REST (each
   retried with its client_msg_id until acknowledged, as the web client's outbox does). After
   ``--warmup`` seconds the server is killed with SIGKILL and restarted on the same port, with
   the same settings; the time until every client has reconnected and caught up again, counted
   from the kill and from the moment the new process answered; after ``--after`` more seconds
   the sends stop. Every client must then hold every acknowledged message of its channels
   exactly once (by message id): lost and duplicated are counted. Send ack latencies: all, and
   those of sends made while a server was up (first attempt after the restarted server
   answered, or before the kill); the slowest sends. ``--profile`` records the restarted
   server's first 10 s with py-spy.
3. **presence storms**: for each N of ``--storms``, N clients connect at once to the restarted
   server; the ``presence.changed`` frames all of them received. Then the same with
   ``PRESENCE_PUSH_LIMIT`` above the workspace's size (presence pushed to everyone, the behaviour
   before the limit) for the sizes of ``--compare``.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

import harness
from crowdclients import CrowdWorker
from loadclients import split


class Sender:
    """An open-loop REST sender: ``rate`` sends a second, each retried until acknowledged; send
    number ``seq`` goes to channel ``channel_of(seq)``."""

    def __init__(self, url: str, token: str, channel_of: Callable[[int], int], rate: float) -> None:
        self.url, self.token, self.channel_of, self.rate = url, token, channel_of, rate
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
        record: dict[str, Any] = {"seq": seq, "first_ns": scheduled_ns, "attempts": 0,
                                  "channel_id": self.channel_of(seq)}
        with self._lock:
            self.sends.append(record)
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            record["attempts"] += 1
            try:
                r = session.post(f"{self.url}/api/v1/channels/{record['channel_id']}/messages", timeout=10,
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


class Workspace:
    """Who is in which channel: everyone in #general, and with ``--spread`` team channels."""

    def __init__(self, pop: harness.Population) -> None:
        self.general_id = pop.general_id
        self.tokens = [m["token"] for m in pop.members]
        self.channels_of = [[pop.general_id] for _ in pop.members]   # per person, as ``tokens``
        self.teams: dict[int, int] = {}                              # channel id -> members

    def add_teams(self, url: str, pop: harness.Population, teams: int, sizes: tuple[int, int],
                  seed: int = 10) -> None:
        """The owner makes ``teams`` public channels and adds people picked at random."""
        rng = random.Random(seed)
        owner = requests.Session()
        owner.headers["Authorization"] = f"Bearer {pop.owner_token}"

        def call(path: str, body: dict[str, Any]) -> Any:
            r = owner.post(f"{url}/api/v1{path}", json=body, timeout=60)
            r.raise_for_status()
            return r.json()

        plan = []
        for i in range(teams):
            channel = call(f"/workspaces/{pop.workspace_id}/channels", {"name": f"team-{i}", "private": False})
            people = rng.sample(range(len(pop.members)), min(len(pop.members), rng.randint(*sizes)))
            self.teams[channel["id"]] = len(people) + 1  # and the owner, who made it
            plan += [(channel["id"], p) for p in people]
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda cp: call(f"/channels/{cp[0]}/members", {"user_id": pop.members[cp[1]]["id"]}),
                          plan))
        for channel_id, person in plan:
            self.channels_of[person].append(channel_id)

    def channel_of(self, general_share: float) -> Callable[[int], int]:
        """Where send number ``seq`` goes: #general, or with teams a share ``general_share``
        there and the rest to a team picked uniformly (the same for every run)."""
        teams = sorted(self.teams)
        if not teams:
            return lambda seq: self.general_id

        def pick(seq: int) -> int:
            rng = random.Random(seq)
            return self.general_id if rng.random() < general_share else teams[rng.randrange(len(teams))]

        return pick

    def describe(self) -> dict[str, Any]:
        sizes = sorted(self.teams.values())
        per_person = [len(c) - 1 for c in self.channels_of]
        return {"people": len(self.tokens), "teams": len(sizes),
                "team_sizes": {"min": min(sizes), "median": sizes[len(sizes) // 2], "max": max(sizes)}
                if sizes else None,
                "teams_per_person": round(sum(per_person) / len(per_person), 2),
                "people_in_no_team": sum(1 for n in per_person if n == 0)}


def start_crowd(url: str, ws: Workspace, procs: int, cursor: int, n: int | None = None) -> list[CrowdWorker]:
    """Worker processes for the first ``n`` people (all by default), not yet connected."""
    people = list(range(len(ws.tokens) if n is None else n))
    workers = [CrowdWorker({"url": url, "tokens": [ws.tokens[i] for i in chunk],
                            "channels": [ws.channels_of[i] for i in chunk], "cursor": cursor})
               for chunk in split(people, procs)]
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


def collect(workers: list[CrowdWorker], acked: dict[int, list[int]], drain_s: float) -> dict[str, Any]:
    """Wait until each client holds the acknowledged messages (channel id -> message ids) of
    its channels, at most ``drain_s``; lost, duplicated and the rest, summed over clients."""
    for w in workers:
        w.send("collect", {"acked": acked, "drain_s": drain_s})
    replies = [w.expect("result", drain_s + 60) for w in workers]
    return {k: sum(r[k] for r in replies) for k in replies[0]}


def close(workers: list[CrowdWorker]) -> None:
    for w in workers:
        w.close()


def storm(url: str, owner_token: str, ws: Workspace, n: int, procs: int) -> dict[str, Any]:
    """N clients connect at once; the presence.changed frames all of them received meanwhile.
    A message sent after every client caught up marks the end: the presence frames of each
    connect left before it."""
    workers = start_crowd(url, ws, procs, head(url, owner_token), n)
    try:
        connected = connect_all(workers)
        marker = requests.post(f"{url}/api/v1/channels/{ws.general_id}/messages", timeout=30,
                               headers={"Authorization": f"Bearer {owner_token}"},
                               json={"body": "storm over"}).json()["id"]
        counts = collect(workers, {ws.general_id: [marker]}, 60)
        return {"n": n, "presence_frames": counts["presence_frames"],
                "frames_per_person": round(counts["presence_frames"] / n, 2),
                "connect_s": connected["seconds"], "caught_up": connected["caught_up"]}
    finally:
        close(workers)


def restart_under_load(args: Any, result: dict[str, Any], target: harness.Target, workers: list[CrowdWorker],
                       pop: harness.Population, ws: Workspace, port: int, workdir: Path) -> harness.Target:
    """Phase 2, kill -9 and restart under a steady load (the module's docstring); returns the
    restarted server."""
    sender = Sender(target.url, pop.owner_token, ws.channel_of(args.general_share), args.rate)
    sender.start()
    time.sleep(args.warmup)
    for w in workers:
        w.send("mark")
        w.expect("marked", 30)
    kill_ns = time.monotonic_ns()
    target.process.kill()
    target.process.wait(10)
    # With the same settings as the first (rate limits off: one owner stands in for everyone
    # sending, and 20 msg/s from one person would only measure the send limit).
    target = harness.start_chat(workdir / "srv", args.mode, port=port)
    ready_ns = time.monotonic_ns()
    profiler = harness.Profiler(target.pid, Path(args.profile), 10) if args.profile else None
    for w in workers:
        w.send("await_back", {"timeout_s": 120})
    backs = [w.expect("back", 180) for w in workers]
    last = max(b["last_ns"] for b in backs)
    if profiler:
        result["restart_profile"] = profiler.finish(40)
    time.sleep(args.after)
    sender.stop()
    sends = sender.sends
    acked = [s for s in sends if "ack_ns" in s]
    by_channel: dict[int, list[int]] = {}
    for s in acked:
        by_channel.setdefault(s["channel_id"], []).append(s["message_id"])
    counts = collect(workers, by_channel, args.drain)
    close(workers)
    up = [s for s in acked if s["first_ns"] < kill_ns - int(1e9) or s["first_ns"] >= ready_ns]
    result["restart"] = {
        "all_back": all(b["all"] for b in backs), "back": sum(b["back"] for b in backs),
        "back_s_after_kill": round((last - kill_ns) / 1e9, 2),
        "back_s_after_restarted_server_answered": round((last - ready_ns) / 1e9, 2),
        "restart_s": round((ready_ns - kill_ns) / 1e9, 2),
        "reconnect_failures": sum(b["connect_failures"] for b in backs),
        "sent": len(sends), "acked": len(acked), "unacked": len(sends) - len(acked),
        "acked_to_general": len(by_channel.get(ws.general_id, [])),
        "ack_all": harness.summarize_ms([s["ack_ns"] - s["first_ns"] for s in acked]),
        "ack_while_up": harness.summarize_ms([s["ack_ns"] - s["first_ns"] for s in up]),
        "slowest_sends": [{"seq": s["seq"], "due_s_after_kill": round((s["first_ns"] - kill_ns) / 1e9, 2),
                           "ack_s": round((s["ack_ns"] - s["first_ns"]) / 1e9, 2), "attempts": s["attempts"],
                           "last_error": s.get("last_error")}
                          for s in sorted(acked, key=lambda s: s["first_ns"] - s["ack_ns"])[:8]],
        **counts,
    }
    print("restart:", result["restart"], flush=True)
    return target


def presence_storms(args: Any, result: dict[str, Any], target: harness.Target, pop: harness.Population,
                    ws: Workspace, port: int, workdir: Path) -> harness.Target:
    """Phase 3, presence frames per connect storm, then the same with presence pushed to
    everyone (the module's docstring); returns the server last started."""
    result["storms"] = []
    for n in [int(x) for x in args.storms.split(",") if x]:
        result["storms"].append(storm(target.url, pop.owner_token, ws, n, args.procs))
        print("storm:", result["storms"][-1], flush=True)
    target.stop()
    target = harness.start_chat(workdir / "srv", args.mode, {"PRESENCE_PUSH_LIMIT": str(10**9)}, port=port)
    result["storms_pushed_to_everyone"] = []
    for n in [int(x) for x in args.compare.split(",") if x]:
        result["storms_pushed_to_everyone"].append(
            storm(target.url, pop.owner_token, ws, n, args.procs))
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
    parser.add_argument("--spread", action="store_true",
                        help="team channels beside #general, and the messages spread over them (see above)")
    parser.add_argument("--teams", type=int, default=50, help="team channels, with --spread")
    parser.add_argument("--team-sizes", default="20-100", help="people per team channel, drawn uniformly")
    parser.add_argument("--general-share", type=float, default=0.1,
                        help="share of the messages that go to #general, with --spread")
    parser.add_argument("--mode", default="eventlet")
    parser.add_argument("--phases", default="connect,restart,storms", help="a subset of connect,restart,storms")
    parser.add_argument("--keep", help="keep the instance directory here")
    parser.add_argument("--profile", help="py-spy the restarted server's first 10 s into PROFILE.collapsed")
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
        print(f"{args.people} people in {result['populate_s']} s", flush=True)
        ws = Workspace(pop)
        if args.spread:
            t0 = time.monotonic()
            low, high = (int(x) for x in args.team_sizes.split("-"))
            ws.add_teams(target.url, pop, args.teams, (low, high))
            print(f"{args.teams} team channels in {time.monotonic() - t0:.1f} s", flush=True)
        result["workspace"] = ws.describe()
        print("workspace:", result["workspace"], flush=True)

        # 1. everyone connects and catches up at once
        workers = start_crowd(target.url, ws, args.procs, head(target.url, pop.owner_token))
        result["connect"] = connect_all(workers)
        print("connect:", result["connect"], flush=True)

        if "restart" in args.phases:
            target = restart_under_load(args, result, target, workers, pop, ws, port, workdir)
        else:
            close(workers)
        if "storms" in args.phases:
            target = presence_storms(args, result, target, pop, ws, port, workdir)
    finally:
        target.stop()
        result["server_log_tail"] = target.log_tail(20)
        if not args.keep:
            harness.remove_dir(workdir)
    path = harness.write_result("crowd", result, args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
