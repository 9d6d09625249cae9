"""The server's CPU cost of one socket's visit: connect, catch up, disconnect.

    python bench/connect_cost.py [--people 200] [--rounds 3] [--concurrency 50]

One chat server (eventlet, SQLite) with ``--people`` members of one workspace, and the bare
python-socketio server (bench/bare_server.py) beside it. Each round, every person opens a raw
Engine.IO websocket (as bench/crowdclients.py does), sends the Socket.IO connect packet with
their token, and (chat only) one ``sync`` from the head of the log; then closes. At most
``--concurrency`` visits run at once. The figure is the server process's CPU seconds (user +
system, from /proc) per visit, so it does not depend on how busy the machine is; the ratio to
the bare server's connect-and-close is what 2,000 connects in under 10 s needs (bench/crowd.py).
"""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import harness
from crowd import head
from loadclients import _session


async def visit(session: Any, url: str, token: str | None, sync_from: int | None) -> None:
    ws = await session.ws_connect(url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                                  max_msg_size=0, timeout=30)
    try:
        async for msg in ws:
            data = msg.data
            if not isinstance(data, str):
                continue
            if data.startswith("0"):
                auth = {"token": token} if token else {"channels": [1]}
                await ws.send_str("40" + json.dumps(auth, separators=(",", ":")))
            elif data.startswith("40"):
                if sync_from is None:
                    return
                await ws.send_str("421" + json.dumps(["sync", {"since": sync_from, "limit": 500}]))
            elif data.startswith("431"):
                return
            elif data.startswith("44"):
                raise ConnectionError(data[:200])
    finally:
        await ws.close()


async def storm(url: str, tokens: list[str | None], sync_from: int | None, concurrency: int) -> float:
    session = _session()
    gate = asyncio.Semaphore(concurrency)

    async def one(token: str | None) -> None:
        async with gate:
            await visit(session, url, token, sync_from)

    t0 = time.monotonic()
    try:
        await asyncio.gather(*(one(t) for t in tokens))
    finally:
        await session.close()
    return time.monotonic() - t0


def measure(target: harness.Target, tokens: list[str | None], sync_from: int | None, rounds: int,
            concurrency: int) -> dict[str, Any]:
    asyncio.run(storm(target.url, tokens[:10], sync_from, concurrency))  # warm up
    per_visit, walls = [], []
    for _ in range(rounds):
        c0 = harness.cpu_seconds(target.process.pid)
        walls.append(asyncio.run(storm(target.url, tokens, sync_from, concurrency)))
        per_visit.append((harness.cpu_seconds(target.process.pid) - c0) / len(tokens) * 1000)
    return {"cpu_ms_per_visit": [round(x, 2) for x in per_visit],
            "wall_s": [round(x, 2) for x in walls], "visits": len(tokens)}


def main() -> None:
    parser = harness.base_args(__doc__ or "")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--profile", help="py-spy the chat server's connect rounds into this .collapsed file")
    args = parser.parse_args()
    harness.raise_fd_limit()
    workdir = harness.scratch_dir("connect_cost")
    result: dict[str, Any] = {"benchmark": "connect_cost", "started": harness.now_utc(),
                              "machine": harness.machine_description(), "args": vars(args)}
    chat = harness.start_chat(workdir / "srv", "eventlet")
    bare = harness.start_bare("eventlet", workdir)
    try:
        pop = harness.populate(chat.url, args.people)
        tokens: list[str | None] = [m["token"] for m in pop.members]
        cursor = head(chat.url, pop.owner_token)
        result["bare_connect"] = measure(bare, [None] * args.people, None, args.rounds, args.concurrency)
        print("bare connect+close:", result["bare_connect"], flush=True)
        profiler = None
        if args.profile:  # py-spy stops by itself after the duration: size it to the rounds
            profiler = harness.Profiler(chat.process.pid, Path(args.profile), 0.012 * args.people * (args.rounds + 1))
        result["chat_connect"] = measure(chat, tokens, None, args.rounds, args.concurrency)
        print("chat connect+close:", result["chat_connect"], flush=True)
        if profiler is not None:
            result["profile"] = profiler.finish()
        result["chat_connect_sync"] = measure(chat, tokens, cursor, args.rounds, args.concurrency)
        print("chat connect+sync+close:", result["chat_connect_sync"], flush=True)
    finally:
        chat.stop()
        bare.stop()
        harness.remove_dir(workdir)
    path = harness.write_result("connect_cost", result, args.out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
