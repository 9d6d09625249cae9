"""Run every benchmark in one go and print the results table.

    pip install -r requirements.txt -r bench/requirements.txt
    python bench/run.py            # full run: ~25 minutes on 2 cores
    python bench/run.py --quick    # smoke run: small sizes, ~5 minutes

Each benchmark is its own script (fanout.py, sends.py, history.py, idle.py, files.py; see their
docstrings) run as a child process writing JSON under bench/results/; this script then writes
``summary-<time>.json`` and ``summary-<time>.md`` (the tables pasted into bench/README.md).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
STEPS = ("fanout", "sends", "profile-send", "history-sqlite", "history-postgresql", "idle", "files", "webhooks",
         "bot-events")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--modes", default="all", help="async modes for fanout/sends/idle (default all)")
    parser.add_argument("--only", default=",".join(STEPS), help=f"comma-separated subset of {STEPS}")
    args = parser.parse_args()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    quick = ["--quick"] if args.quick else []
    commands = {
        "fanout": ["fanout.py", "--modes", args.modes],
        "sends": ["sends.py", "--modes", args.modes],
        "profile-send": ["profile_send.py"],
        "history-sqlite": ["history.py", "--backend", "sqlite"],
        "history-postgresql": ["history.py", "--backend", "postgresql"],
        "idle": ["idle.py", "--modes", args.modes],
        "files": ["files.py"],
        "webhooks": ["webhooks.py"],
        "bot-events": ["bot_events.py"],
    }
    outputs: dict[str, Any] = {}
    for step in args.only.split(","):
        out = RESULTS / f"{step}-{stamp}.json"
        t0 = time.monotonic()
        print(f"=== {step}", flush=True)
        code = subprocess.call([sys.executable, str(BENCH / commands[step][0]), *commands[step][1:], *quick,
                                "--out", str(out)], cwd=BENCH)
        print(f"=== {step}: exit {code} in {time.monotonic() - t0:.0f} s", flush=True)
        if code == 0 and out.exists():
            outputs[step] = json.loads(out.read_text())
    markdown = tables(outputs, quick=args.quick)
    (RESULTS / f"summary-{stamp}.md").write_text(markdown)
    print(markdown)
    print(f"wrote {RESULTS / f'summary-{stamp}.md'}")


def _f(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def tables(o: dict[str, Any], quick: bool = False) -> str:
    lines: list[str] = []
    any_result = next(iter(o.values()), None)
    if any_result:
        m = any_result["machine"]
        lines += [f"Run {any_result['started']}{' (quick)' if quick else ''} on {m['cores']} cores ({m['cpu']}), "
                  f"{m['memory_gib']} GiB, Linux {m['kernel']}, Python {m['python']}, SQLite {m['sqlite']}; "
                  + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".", ""]
    if "fanout" in o:
        p = o["fanout"]["params"]
        lines += [(f"**Fan-out**: {p['members']} members in one channel, 1 sender at {p['rate']:.0f} msg/s "
                   f"for {p['duration']:.0f} s (delivery = send → arrival at each member)."), "",
                  ("| mode | server | delivered / expected | lost | p50 ms | p99 ms | max ms | chat/bare p99 | "
                   "server CPU |"), "|---|---|---|---|---|---|---|---|---|"]
        ratios = o["fanout"].get("ratios", {})
        for r in o["fanout"]["runs"]:
            d = r["delivery"]
            ratio = f"**{ratios[r['mode']]['p99']}x**" if r["server"] == "chat" and r["mode"] in ratios else ""
            lines.append(f"| {r['mode']} | {r['server']} | {r['delivered']:,} / {r['expected_deliveries']:,} | "
                         f"{r['lost']} | {_f(d.get('p50_ms'))} | {_f(d.get('p99_ms'))} | {_f(d.get('max_ms'))} | "
                         f"{ratio} | {r['server_cpu']['cpu_share']:.0%} |")
        lines.append("")
    if "sends" in o:
        p = o["sends"]["params"]
        lines += [(f"**Persisted sends**: {p['senders']} senders, closed loop (next send when the ack is back), "
                   f"{p['duration']:.0f} s; chat = committed to SQLite."), "",
                  "| mode | server | acked msg/s | chat/bare | ack p50 ms | ack p99 ms | errors | server CPU |",
                  "|---|---|---|---|---|---|---|---|"]
        ratios = o["sends"].get("ratios", {})
        for r in o["sends"]["runs"]:
            ratio = f"**{ratios[r['mode']]:.0%}**" if r["server"] == "chat" and r["mode"] in ratios else ""
            lines.append(f"| {r['mode']} | {r['server']} | {_f(r['acked_per_s'])} | {ratio} | "
                         f"{_f(r['ack'].get('p50_ms'))} | {_f(r['ack'].get('p99_ms'))} | "
                         f"{sum(r['errors'].values())} | {r['server_cpu']['cpu_share']:.0%} |")
        lines.append("")
    if "profile-send" in o:
        p = o["profile-send"]
        lines += [(f"**Cost of one send** in-process (profile_send.py, SQLite, no sockets): "
                   f"{p['ms_per_send']} ms of one core per `send_message`. Where it goes (cumulative share "
                   f"under cProfile, chat and rendering functions):"), "",
                  "| function | calls/send | cumulative % |", "|---|---|---|"]
        for r in p["top_cumulative"]:
            if "chat/" in r["function"] or ("markdown_it/main.py" in r["function"] and "render" in r["function"]):
                lines.append(f"| `{r['function']}` | {r['calls_per_send']} | {r['cum_pct']} |")
        lines.append("")
    hist = [o[k] for k in ("history-sqlite", "history-postgresql") if k in o]
    if hist:
        lines += [(f"**History** ({hist[0]['data']['general_top_level']:,} top-level messages among "
                   f"{sum(hist[0]['data']['rows_by_channel'].values()):,} rows; page = 50 messages; "
                   f"in-process = the service function with a fresh session per call; HTTP = one keep-alive "
                   f"client, eventlet server)."), "",
                  "| backend | query | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|"]
        for h in hist:
            for name, t in h["timings"].items():
                lines.append(f"| {h['backend']} | {name} | {_f(t['p50_ms'], 2)} | {_f(t['p99_ms'], 2)} | "
                             f"{_f(t['max_ms'], 2)} |")
        lines.append("")
    if "idle" in o:
        lines += ["**Idle sockets** (memory per socket = RSS growth / sockets; held past one ping interval).", "",
                  ("| mode | server | connected | failed | still connected after hold | RSS MiB | KiB/socket | "
                   "idle CPU |"), "|---|---|---|---|---|---|---|---|"]
        for r in o["idle"]["runs"]:
            lines.append(f"| {r['mode']} | {r['server']} | {r['connected']:,} | {r['failed']} | "
                         f"{r['still_connected_after_hold']:,} | {_f(r['rss_mib_at_max'], 0)} | "
                         f"{_f(r['kib_per_socket'])} | {r['idle_cpu']['cpu_share']:.0%} |")
        lines.append("")
    if "webhooks" in o:
        w = o["webhooks"]
        t, f = w["throughput"], w["fanout"]
        lines += [(f"**Incoming webhooks** (webhooks.py): {w['params']['hooks']} hooks posting closed loop vs as "
                   f"many socket senders, {w['params']['duration']:.0f} s each; then one hook at "
                   f"{f['rate']:.0f}/s into a channel {f['connected']} members have open."), "",
                  "| measure | value |", "|---|---|",
                  f"| webhook posts/s | {_f(t['webhook_posts']['posted_per_s'])} |",
                  f"| socket sends/s | {_f(t['socket_sends']['acked_per_s'])} |",
                  f"| webhooks / sockets (target >= 0.5) | **{t['webhooks_over_sockets']}** |",
                  f"| webhook answer p99 | {_f(t['webhook_posts']['answer'].get('p99_ms'))} ms |",
                  (f"| post -> {f['connected']} members: delivered / expected, lost | "
                  f"{f['delivered']:,} / {f['expected_deliveries']:,}, {f['lost']} |"),
                  (f"| post -> members delay p50 / p99 | {_f(f['delay'].get('p50_ms'))} / "
                  f"**{_f(f['delay'].get('p99_ms'))}** ms |"), ""]
    if "bot-events" in o:
        b = o["bot-events"]
        p = b["params"]
        lines += [(f"**Events to a slow bot** (bot_events.py): {p['rate']:.0f} msg/s for {p['duration']:.0f} s "
                   f"to a bot taking {p['latency']:g} s per request: received {b['received']} / {b['posted']} "
                   f"(lost {b['lost']}, duplicates {b['duplicates']}) at {b['received_per_s']}/s; post -> bot delay "
                   f"p50 {_f(b['delay'].get('p50_ms'))} ms, p99 **{_f(b['delay'].get('p99_ms'))}** ms (one at a "
                   f"time would take {b['serial_would_take_s']} s)."), ""]
    if "files" in o:
        from files import report

        lines += ["**Files** (eventlet, SQLite; see files.py)", "", report(o["files"]), ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
