"""Where a persisted send spends its CPU: cProfile around ``messages.send_message`` in-process.

    python bench/profile_send.py [--sends 2000]

The app is created as in history.py (SQLite file, migrations), two people and a private
channel through the services. ``send_message`` runs ``--sends`` times one after the other (each
a batch of one, as a lone send is; the socket.io emit goes to a room nobody is in); batches of
``--batch`` sends, one per channel, go through the group commit's writer directly, for the cost
per send when sends arrive together; then the lone sends run again under cProfile. Prints both
costs per send and the functions with the most cumulative time; writes
results/profile_send-<time>.json. Socket.IO and HTTP costs are not in here: this is the
application's share only.
"""
from __future__ import annotations

import cProfile
import pstats
import time
from typing import Any

import harness
from history import make_app


def main() -> None:
    parser = harness.base_args(__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=10, help="sends per batch for the batched figure")
    args = parser.parse_args()
    if args.quick:
        args.sends = min(args.sends, 300)
    work = harness.scratch_dir("profile-send")
    try:
        app = make_app(work, f"sqlite:///{work / 'chat.db'}")
        from chat.core.actor import Actor
        from chat.extensions import db
        from chat.services import accounts, channels, messages, workspaces

        with app.app_context():
            owner = Actor.cli(accounts.sign_up("owner@bench.test", "correct horse battery", "Owner Bench", "owner"))
            ws = workspaces.create_workspace(owner, "Bench")
            channel = channels.create_channel(owner, ws.id, "sends", private=True)
            channel_id = channel.id
            # Ten more channels for batches: one send in each, as the sends benchmark's senders.
            batch_channels = [channels.create_channel(owner, ws.id, f"batch-{i}", private=True).id
                              for i in range(args.batch)]
            db.session.remove()

            def one(i: int) -> None:
                # As the socket handler does: the socket's actor, the service call, the session ended.
                messages.send_message(owner, channel_id, f"message {i} with **some** text :tada:",
                                      client_msg_id=f"p-{i}")
                db.session.remove()

            for i in range(50):
                one(-i - 1)
            # CPU time, not wall time: other processes share the cores.
            t0 = time.process_time()
            for i in range(args.sends):
                one(i)
            plain = (time.process_time() - t0) / args.sends
            batched = per_send_in_batches(owner, batch_channels, max(args.sends // args.batch, 20))
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(args.sends, 2 * args.sends):
                one(i)
            profiler.disable()
        stats = pstats.Stats(profiler)
        total = stats.total_tt
        rows = []
        for (file, line, name), (_cc, nc, tt, ct, _) in stats.stats.items():
            where = file.split("site-packages/")[-1].split("/work/main/")[-1]
            rows.append({"function": f"{name} ({where}:{line})", "calls_per_send": round(nc / args.sends, 1),
                         "cum_pct": round(100 * ct / total, 1), "self_pct": round(100 * tt / total, 1)})
        top_cum = sorted(rows, key=lambda r: -r["cum_pct"])[:45]
        top_self = sorted(rows, key=lambda r: -r["self_pct"])[:20]
        print(f"send_message in-process: {plain * 1000:.2f} ms per send ({1 / plain:.0f} sends/s on one core)")
        print(f"written in batches of {args.batch}: {batched * 1000:.3f} ms per send")
        for r in top_cum:
            print(f"{r['cum_pct']:5.1f}% cum {r['self_pct']:5.1f}% self {r['calls_per_send']:6.1f}/send  "
                  f"{r['function']}")
        result = {"benchmark": "profile_send", "started": harness.now_utc(), "machine": harness.machine_description(),
                  "params": vars(args), "ms_per_send": round(plain * 1000, 3),
                  "ms_per_send_in_batch": round(batched * 1000, 3), "top_cumulative": top_cum,
                  "top_self": top_self}
        print(f"wrote {harness.write_result('profile_send', result, args.out)}")
    finally:
        harness.remove_dir(work)


def per_send_in_batches(owner: Any, channel_ids: list[int], batches: int) -> float:
    """CPU per send when the group commit writes ``len(channel_ids)`` sends together (one per
    channel), calling its writer directly as a batch leader would."""
    from chat.extensions import db
    from chat.services.messages import send

    def one(n: int) -> None:
        jobs = [send._Send(owner, channel_id, f"batched {n}-{i} with **some** text :tada:",
                           f"b-{n}-{i}", None, [], None) for i, channel_id in enumerate(channel_ids)]
        send._write_sends(jobs)
        for job in jobs:
            job.outcome()
        db.session.remove()

    for n in range(10):
        one(-n - 1)
    t0 = time.process_time()
    for n in range(batches):
        one(n)
    return (time.process_time() - t0) / (batches * len(channel_ids))


if __name__ == "__main__":
    main()
