"""The browser client's first load, before and after a change, in one run (issue 12's proof).

    python bench/first_load.py [--before PATH] [--after PATH] [--rounds 15] [--messages 50]

Two checkouts (client_checkouts.py: default before = a worktree of 40bc135, the plain-ES-module
client; default after = this checkout, built by Vite) each get their own ``python app.py`` and the
same data through the REST API: Alice (signed in), Bob, workspace "Acme" whose #general (the
channel a first visit opens) holds ``--messages`` messages from both. One headless Chromium
(Debian's, tests/e2e/conftest.py's flags) signs in once per server; every round then, for each
checkout in turn (the order alternates round by round: the machine is shared and noisy, so only
figures from the same run are compared):

* **cold**: a new browser context (empty HTTP cache, the signed-in cookies) opens ``/``;
* **warm**: the same context opens ``/`` again (a second visit: what its cache keeps is reused).

Measured per load:

* **bytes**: the sum of ``encodedDataLength`` of every ``Network.loadingFinished`` of the page's
  Chrome DevTools Protocol session (bytes received for each response, headers included; a response
  from the browser cache counts 0, a 304 its headers), from navigation until the network has been
  quiet for 0.5 s after the message list showed (5 s at most); requests counted the same way.
  WebSocket frames are not responses: their payload bytes are reported apart. socket.io starts on
  HTTP long-polling and upgrades to a WebSocket; while the upgrade is under way python-engineio
  answers every poll at once with a no-op, so a slow upgrade can add dozens or hundreds of small
  polls: the bytes are also given without the ``/socket.io/`` requests, and those counted apart.
  Cross-check: the page's own ``PerformanceResourceTiming.transferSize`` (navigation entry +
  resources finished by the time the list showed).
* **time to the message list**: ``performance.now()`` (ms since the navigation started) in the
  page, from a MutationObserver that an init script puts on the document before any page script
  runs, when ``#messages [data-testid=message]`` first counts min(messages, 50) (the client's
  history page is 50); ``frame`` is the timestamp of the next animation frame after that (the
  frame that paints it). DOMContentLoaded and the load event from the navigation entry.

Medians, p90 and after/before ratios go to stdout and bench/results/first_load-<time>.json.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from playwright.sync_api import sync_playwright  # noqa: E402

from client_checkouts import (  # noqa: E402
    Api,
    CheckoutServer,
    checkout_args,
    client_files,
    describe,
    join,
    launch,
    loadavg,
    prepare_before,
    prepare_client,
    sign_up,
    signed_in_state,
    start_checkout,
)
from harness import machine_description, now_utc, remove_dir, write_result  # noqa: E402

HISTORY_PAGE = 50  # messages the client asks for when it opens a channel (both clients)

# Before any page script: watch the document for the message list to be complete.
WATCH = """(() => {
  const target = %d;
  const observer = new MutationObserver(() => {
    if (document.querySelectorAll('#messages [data-testid="message"]').length < target) return;
    observer.disconnect();
    window.__listShown = performance.now();
    requestAnimationFrame((frame) => { window.__listFrame = frame; });
  });
  observer.observe(document, { childList: true, subtree: true });
})();"""

READ_PAGE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const shown = window.__listShown;
  const resources = performance.getEntriesByType('resource').filter((r) => r.responseEnd <= shown);
  return {
    shown, frame: window.__listFrame ?? null,
    dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
    rt_bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    rt_requests: 1 + resources.length,
  };
}"""


def seed(url: str, messages: int) -> dict[str, Any]:
    alice = sign_up(url, "Alice Owner", "alice")
    bob = sign_up(url, "Bob Member", "bob")
    workspace = alice.post("/workspaces", {"name": "Acme"})
    join(alice, workspace["id"], bob)
    channels = alice.call("GET", f"/workspaces/{workspace['id']}/channels")["channels"]
    general = next(c for c in channels if c["is_default"])
    alice.post(f"/workspaces/{workspace['id']}/channels", {"name": "random"})
    authors: list[Api] = [alice, bob]
    for i in range(messages):
        authors[(i // 3) % 2].post(f"/channels/{general['id']}/messages", {
            "body": f"Message {i + 1} of {messages}: the quarterly numbers look fine, shall we ship on Thursday?"})
    return {"workspace_id": workspace["id"], "channel_id": general["id"]}


class NetworkLog:
    """Responses of one page, from its CDP session."""

    def __init__(self, context: Any, page: Any) -> None:
        self.cdp = context.new_cdp_session(page)
        self.reset()
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.responseReceived", self._response)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.loadingFailed", self._failed)
        self.cdp.on("Network.webSocketFrameReceived", self._ws_in)
        self.cdp.send("Network.enable")

    def reset(self) -> None:
        self.types: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        self.status: dict[str, int] = {}
        self.cached: set[str] = set()
        self.bytes: dict[str, int] = {}
        self.failed = 0
        self.ws_bytes = self.ws_frames = 0
        self.last_event = time.monotonic()

    def _sent(self, e: dict[str, Any]) -> None:
        self.types[e["requestId"]] = e.get("type", "Other")
        self.urls[e["requestId"]] = e["request"]["url"]
        self.last_event = time.monotonic()

    def _response(self, e: dict[str, Any]) -> None:
        self.types[e["requestId"]] = e.get("type", "Other")
        self.status[e["requestId"]] = e["response"]["status"]
        if e["response"].get("fromDiskCache") or e["response"].get("fromPrefetchCache"):
            self.cached.add(e["requestId"])
        self.last_event = time.monotonic()

    def _finished(self, e: dict[str, Any]) -> None:
        self.bytes[e["requestId"]] = int(e["encodedDataLength"])
        self.last_event = time.monotonic()

    def _failed(self, e: dict[str, Any]) -> None:
        self.failed += 1
        self.last_event = time.monotonic()

    def _ws_in(self, e: dict[str, Any]) -> None:
        self.ws_frames += 1
        self.ws_bytes += len(e["response"]["payloadData"].encode())

    def summary(self) -> dict[str, Any]:
        by_type: dict[str, list[int]] = {}
        for rid, n in self.bytes.items():
            entry = by_type.setdefault(self.types.get(rid, "Other"), [0, 0])
            entry[0] += n
            entry[1] += 1
        statuses: dict[str, int] = {}
        for code in self.status.values():
            statuses[str(code)] = statuses.get(str(code), 0) + 1
        polls = [rid for rid in self.bytes if "/socket.io/" in self.urls.get(rid, "")]
        return {"bytes": sum(self.bytes.values()), "requests": len(self.bytes),
                "bytes_without_polling": sum(self.bytes.values()) - sum(self.bytes[rid] for rid in polls),
                "requests_without_polling": len(self.bytes) - len(polls),
                "polling_bytes": sum(self.bytes[rid] for rid in polls), "polling_requests": len(polls),
                "served_from_cache": sum(1 for rid in self.bytes if rid in self.cached or self.bytes[rid] == 0),
                "by_type": {t: {"bytes": b, "requests": n} for t, (b, n) in sorted(by_type.items())},
                "statuses": statuses, "failed": self.failed, "ws_frames_in": self.ws_frames,
                "ws_bytes_in": self.ws_bytes,
                "urls": sorted({self.urls.get(rid, "?").split("?")[0] for rid in self.bytes})}


def one_load(page: Any, log: NetworkLog, url: str, timeout_ms: int = 60_000) -> dict[str, Any]:
    log.reset()
    page.goto(url + "/", wait_until="commit")
    page.wait_for_function("() => window.__listShown !== undefined", timeout=timeout_ms, polling=50)
    page.wait_for_function("() => window.__listFrame != null", timeout=timeout_ms)
    measured = page.evaluate(READ_PAGE)
    # Let the load finish what it started (late API calls, the polling-to-websocket upgrade).
    deadline = time.monotonic() + 5
    while time.monotonic() - log.last_event < 0.5 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    return {**measured, **log.summary()}


def measure(browser: Any, server: CheckoutServer, state: dict[str, Any], target: int) -> dict[str, Any]:
    context = browser.new_context(storage_state=state, viewport={"width": 1280, "height": 800})
    context.add_init_script(WATCH % target)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        log = NetworkLog(context, page)
        cold = one_load(page, log, server.url)
        warm = one_load(page, log, server.url)
        return {"cold": cold, "warm": warm, "page_errors": errors, "loadavg": loadavg()}
    finally:
        context.close()


METRICS = [  # (label, phase, key, scale, unit)
    ("transferred", "cold", "bytes", 1 / 1024, "KiB"),
    ("requests", "cold", "requests", 1, ""),
    ("transferred, without socket.io polling", "cold", "bytes_without_polling", 1 / 1024, "KiB"),
    ("socket.io polling requests", "cold", "polling_requests", 1, ""),
    ("time to message list", "cold", "shown", 1, "ms"),
    ("... to its frame", "cold", "frame", 1, "ms"),
    ("DOMContentLoaded", "cold", "dcl", 1, "ms"),
    ("transferred (resource timing, to the list)", "cold", "rt_bytes", 1 / 1024, "KiB"),
    ("websocket frames in", "cold", "ws_bytes_in", 1 / 1024, "KiB"),
    ("transferred", "warm", "bytes", 1 / 1024, "KiB"),
    ("requests", "warm", "requests", 1, ""),
    ("transferred, without socket.io polling", "warm", "bytes_without_polling", 1 / 1024, "KiB"),
    ("socket.io polling requests", "warm", "polling_requests", 1, ""),
    ("requests served from cache", "warm", "served_from_cache", 1, ""),
    ("time to message list", "warm", "shown", 1, "ms"),
    ("DOMContentLoaded", "warm", "dcl", 1, "ms"),
]


def stats(values: list[float]) -> dict[str, float]:
    a = np.asarray(values, dtype=np.float64)
    p50, p90 = np.percentile(a, [50, 90])
    return {"n": int(a.size), "p50": round(float(p50), 2), "p90": round(float(p90), 2),
            "min": round(float(a.min()), 2), "max": round(float(a.max()), 2)}


def summarize(rounds: list[dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    for label, phase, key, scale, unit in METRICS:
        before = [r["before"][phase][key] * scale for r in rounds]
        after = [r["after"][phase][key] * scale for r in rounds]
        b, a = stats(before), stats(after)
        paired = [x / y for x, y in zip(after, before, strict=True) if y]
        rows.append({"measure": f"{phase}: {label}", "unit": unit, "before": b, "after": a,
                     "ratio_p50": round(a["p50"] / b["p50"], 3) if b["p50"] else None,
                     "paired_ratio_median": round(statistics.median(paired), 3) if paired else None})
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    def f(x: float) -> str:
        return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"

    lines = ["| measure | before p50 (p90) | after p50 (p90) | after/before (p50) | paired ratio, median |",
             "|---|---|---|---|---|"]
    for r in rows:
        unit = f" {r['unit']}" if r["unit"] else ""
        ratio = "–" if r["ratio_p50"] is None else f"{r['ratio_p50']:.2f}"
        paired = "–" if r["paired_ratio_median"] is None else f"{r['paired_ratio_median']:.2f}"
        lines.append(f"| {r['measure']} | {f(r['before']['p50'])}{unit} ({f(r['before']['p90'])}) | "
                     f"{f(r['after']['p50'])}{unit} ({f(r['after']['p90'])}) | {ratio} | {paired} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    checkout_args(parser)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--out", help="write the JSON result here (default: bench/results/first_load-<time>.json)")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    before_root = prepare_before(args.before, args.before_commit)
    after_root = args.after.resolve()
    prepare_client(after_root)
    roots = {"before": before_root, "after": after_root}
    target = min(args.messages, HISTORY_PAGE)
    result: dict[str, Any] = {
        "benchmark": "first_load", "started": now_utc(), "machine": machine_description(),
        "loadavg_start": loadavg(), "rounds": rounds, "messages": args.messages, "list_target": target,
        "checkouts": {k: describe(v) for k, v in roots.items()},
        "client_files": {k: client_files(v) for k, v in roots.items()},
    }
    print(f"load average {result['loadavg_start']}; before {result['checkouts']['before']['commit']}, "
          f"after {result['checkouts']['after']['commit']}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="chat-bench-first-load-"))
    servers: dict[str, CheckoutServer] = {}
    try:
        for label, root in roots.items():
            servers[label] = start_checkout(label, root, folder / label)
        for label in roots:  # seeded one after the other, with the same requests
            seed(servers[label].url, args.messages)
        with sync_playwright() as p:
            browser = launch(p)
            states = {label: signed_in_state(browser, s.url) for label, s in servers.items()}
            for label in roots:  # warm-up: the servers' first page render, discarded
                measure(browser, servers[label], states[label], target)
            results: list[dict[str, Any]] = []
            for i in range(rounds):
                order = ["before", "after"] if i % 2 == 0 else ["after", "before"]
                results.append({label: measure(browser, servers[label], states[label], target) for label in order})
                r = results[-1]
                print(f"round {i + 1}/{rounds}: " + ", ".join(
                    f"{label} cold {r[label]['cold']['shown']:.0f} ms {r[label]['cold']['bytes'] / 1024:.1f} KiB"
                    f" / warm {r[label]['warm']['shown']:.0f} ms {r[label]['warm']['bytes'] / 1024:.1f} KiB"
                    for label in ("before", "after")) + f" (load {r['before']['loadavg'][0]})", flush=True)
            browser.close()
    finally:
        for s in servers.values():
            s.stop()
    remove_dir(folder)  # the servers' instance dirs and logs; kept when the run failed
    for r in results[1:]:  # the URLs loaded are the same every round: keep round 1's
        for label in roots:
            for phase in ("cold", "warm"):
                r[label][phase].pop("urls", None)
    result["rounds_raw"] = results
    result["summary"] = summarize(results)
    result["loadavg_end"] = loadavg()
    result["finished"] = now_utc()
    print(f"\n{rounds} rounds, {args.messages} messages in #general (list complete at {target}); "
          f"load average start {result['loadavg_start']}, end {result['loadavg_end']}\n")
    print(table(result["summary"]))
    for label in roots:
        by_type = results[0][label]["cold"]["by_type"]
        print(f"\n{label}: cold load by type (round 1): " + ", ".join(
            f"{t} {v['bytes'] / 1024:.1f} KiB/{v['requests']}" for t, v in by_type.items()))
    print(f"\nwritten to {write_result('first_load', result, args.out)}")


if __name__ == "__main__":
    main()
