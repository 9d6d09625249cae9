"""Events API deliveries to a slow bot: do they queue behind each other?

    python bench/bot_events.py [--rate 20] [--duration 10] [--latency 1.0]
    python bench/bot_events.py --quick

One chat server (eventlet, SQLite file, rate limits off, OUTBOUND_ALLOWED_NETWORKS=127.0.0.1/32
so it may call the bot here). A bot with an Events API request URL (the url_verification
handshake included) is added to #general; its receiver, a threaded HTTP server in this process,
takes ``--latency`` seconds to answer every request, as a bot doing real work would. A person
posts to #general at ``--rate`` messages per second (REST, open loop), each message's text
"<tag>-<seq>-<ns>" carrying the time just before its POST. For each ``message`` event the bot
receives, the delay is its arrival time minus that time (CLOCK_MONOTONIC is system-wide).

If deliveries queued behind each other, each would wait for the previous one's second and the
delay would grow by ``--latency`` per message; run in parallel (each request waits on a green
thread, OUTBOUND_CONCURRENCY at once), the delay stays near the send's own time, and the bot
receives ``--rate`` deliveries per second. Every message must arrive exactly once.
"""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from array import array
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

import harness


class SlowBot:
    """Answers Slack's url_verification at once and every event after ``latency`` seconds."""

    def __init__(self, latency: float, tag: str) -> None:
        self.arrivals: dict[int, list[int]] = {}   # seq -> arrival times (ns): more than one is a duplicate
        self.others = 0
        pattern = re.compile(rf"{tag}-(\d+)-(\d+)")
        lock = threading.Lock()
        bot = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                now = time.monotonic_ns()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                envelope = json.loads(body or b"{}")
                if envelope.get("type") == "url_verification":
                    self._answer(json.dumps({"challenge": envelope["challenge"]}).encode())
                    return
                found = pattern.search(str(envelope.get("event", {}).get("text", "")))
                with lock:
                    if found and envelope["event"].get("type") == "message" and "subtype" not in envelope["event"]:
                        bot.arrivals.setdefault(int(found.group(1)), []).append(now - int(found.group(2)))
                    else:
                        bot.others += 1
                time.sleep(latency)
                self._answer(b"")

            def _answer(self, data: bytes) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the chat server stopped at the end of the run while this answer waited

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def api(url: str, token: str, method: str, path: str, body: Any = None) -> Any:
    answer = requests.request(method, f"{url}/api/v1{path}", json=body, timeout=30,
                              headers={"Authorization": f"Bearer {token}"})
    if not answer.ok:
        raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
    return answer.json()


def main() -> None:
    parser = harness.base_args(__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second into the bot's channel")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of posting")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the bot takes to answer")
    parser.add_argument("--mode", default="eventlet")
    args = parser.parse_args()
    if args.quick:
        args.duration = min(args.duration, 3.0)
    tag = "e" + uuid.uuid4().hex[:8]
    bot = SlowBot(args.latency, tag)
    work = harness.scratch_dir("bot_events")
    target = harness.start_chat(work / "chat", args.mode, extra_env={"OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1/32"})
    result: dict[str, Any] = {"benchmark": "bot_events", "started": harness.now_utc(),
                              "machine": harness.machine_description(), "params": vars(args)}
    try:
        population = harness.populate(target.url, 1)
        owner, ws, general = population.owner_token, population.workspace_id, population.general_id
        made = api(target.url, owner, "POST", f"/workspaces/{ws}/bots", {"name": "Slow Bot", "handle": f"slow{tag}"})
        # A new bot starts in the workspace's default channels: #general.
        api(target.url, owner, "PATCH", f"/bots/{made['id']}", {"events_url": bot.url})
        sender = population.members[0]["token"]
        total = int(args.rate * args.duration)
        answers = array("q")
        errors: dict[str, int] = {}
        t0 = time.monotonic()

        def post(seq: int) -> None:
            sent = time.monotonic_ns()
            try:
                api(target.url, sender, "POST", f"/channels/{general}/messages", {"body": f"{tag}-{seq}-{sent}"})
                answers.append(time.monotonic_ns() - sent)
            except Exception as err:
                errors[type(err).__name__] = errors.get(type(err).__name__, 0) + 1

        meter = harness.CpuMeter(target.pid)
        meter.start()
        with ThreadPoolExecutor(32) as pool:
            for seq in range(total):
                delay = t0 + seq / args.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(post, seq)
        deadline = time.monotonic() + 60 + args.latency * 3
        while time.monotonic() < deadline and len(bot.arrivals) < len(answers):
            time.sleep(0.05)
        wall = time.monotonic() - t0
        server_cpu = meter.stop()
        delays = array("q", (times[0] for times in bot.arrivals.values()))
        got = len(bot.arrivals)
        result.update({
            "posted": len(answers), "post_errors": errors, "received": got,
            "lost": len(answers) - got, "duplicates": sum(len(t) - 1 for t in bot.arrivals.values()),
            "other_requests": bot.others, "received_per_s": round(got / wall, 1), "wall_s": round(wall, 2),
            "delay": harness.summarize_ms(delays), "post_answer": harness.summarize_ms(answers),
            "server_cpu": server_cpu,
            "serial_would_take_s": round(got * args.latency, 1)})
        d = result["delay"]
        print(f"bot with {args.latency:g} s latency, {args.rate:g} msg/s for {args.duration:g} s: received {got}/"
              f"{len(answers)} (duplicates {result['duplicates']}) in {wall:.1f} s, post -> bot delay p50 "
              f"{d.get('p50_ms')} ms p99 {d.get('p99_ms')} ms max {d.get('max_ms')} ms "
              f"(one at a time would take {result['serial_would_take_s']} s)", flush=True)
    finally:
        target.stop()
        bot.stop()
        harness.remove_dir(work)
    print(f"wrote {harness.write_result('bot_events', result, args.out)}")


if __name__ == "__main__":
    main()
