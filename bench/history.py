"""History and unread counts over a channel holding 1,000,000 messages.

    python bench/history.py --backend sqlite|postgresql [--messages 1000000] [--quick]

The database is created through the app's migrations (``upgrade_schema``), the people, the
workspace and #general through the services, and then the messages are bulk-inserted with one
SQL statement (a recursive CTE on SQLite, ``generate_series`` on PostgreSQL): #general gets
``--messages`` rows, with a busy second channel interleaved (every 5th row), every 20th row a
thread reply to an earlier message and every 500th top-level message deleted, so the filters of
the real queries have something to skip.

Timed, in-process, through the real service functions, with a fresh session per call as one
request would have:

* ``messages.history`` newest 50; 50 before a cursor 10% from the oldest message; 50 before
  random cursors anywhere;
* ``unread.unread_counts`` for a reader 100 messages behind (and, for the record, one
  half the channel behind: a count is linear in what it counts);

then the same pages over HTTP (``GET /api/v1/channels/{id}/messages``) from a real server on
the same database, sequentially with one keep-alive connection. The executed SQL is captured
and its plan printed: ``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN ANALYZE`` on PostgreSQL
(in the ``bench`` database, created if missing; the tests' ``test`` database is never touched).
"""
from __future__ import annotations

import os
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import harness

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BENCH_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/bench")
CREATED_AT = "2026-01-01 00:00:00.000000"


def reset_postgres_bench() -> None:
    """(Re)create the schema of the separate ``bench`` database."""
    import sqlalchemy

    name = PG_BENCH_URL.rsplit("/", 1)[1]
    if name == "test":
        raise SystemExit("refusing to use the tests' database")
    admin = sqlalchemy.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar():
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = sqlalchemy.create_engine(PG_BENCH_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sqlalchemy.text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(instance: Path, database_url: str) -> Any:
    os.environ.update({"CHAT_INSTANCE_DIR": str(instance), "DATABASE_URL": database_url,
                       "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024", "CHAT_ASYNC_MODE": "threading"})
    from chat import create_app
    from chat.database import upgrade_schema

    app = create_app()
    upgrade_schema(app)
    return app


def seed(app: Any, messages: int) -> dict[str, Any]:
    """People and channels through the services, then the messages in bulk SQL."""
    from sqlalchemy import text

    from chat.core.actor import Actor
    from chat.extensions import db
    from chat.models import Channel, ChannelMember, Role
    from chat.services import accounts, channels, workspaces

    with app.app_context():
        owner = accounts.sign_up("owner@bench.test", "correct horse battery", "Owner Bench", "owner")
        reader = accounts.sign_up("reader@bench.test", "correct horse battery", "Reader Bench", "reader")
        ws = workspaces.create_workspace(Actor.cli(owner), "Bench")
        workspaces.add_member(ws.id, reader, Role.member)
        general = db.session.query(Channel).filter_by(workspace_id=ws.id, is_default=True).one()
        other = channels.create_channel(Actor.cli(owner), ws.id, "busy")
        _, reader_token = accounts.create_token(Actor.cli(reader), "bench")
        ids = {"workspace_id": ws.id, "general_id": general.id, "other_id": other.id,
               "owner_id": owner.id, "reader_id": reader.id, "reader_token": reader_token}
        total = messages * 5 // 4   # every 5th row goes to the busy channel
        dialect = db.engine.dialect.name
        params = {"n": total, "ws": ws.id, "g": general.id, "o": other.id, "u": owner.id, "t": CREATED_AT}
        # Row x (id = base + x): every 5th row in the busy channel; every 20th row a reply to row
        # x - 10 (same channel, itself top level); every 500th row deleted.
        select_rows = """
            SELECT {ws}, CASE WHEN x % 5 = 0 THEN {o} ELSE {g} END, {u},
                   CASE WHEN x % 20 = 3 AND x > 20 THEN x - 10 ELSE NULL END,
                   'message number ' || x || ' with some ordinary text in it',
                   '<p>message number ' || x || ' with some ordinary text in it</p>',
                   {false}, 0, {t}, CASE WHEN x % 500 = 7 THEN {t} ELSE NULL END
        """
        cols = ("workspace_id, channel_id, user_id, thread_root_id, body, html, mentions_channel, "
                "reply_count, created_at, deleted_at")
        t0 = time.monotonic()
        with db.engine.begin() as conn:
            if dialect == "sqlite":
                sql = (f"WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < :n) "
                       f"INSERT INTO messages ({cols}) "
                       + select_rows.format(ws=":ws", o=":o", g=":g", u=":u", false="0", t=":t") + " FROM seq")
            else:
                sql = (f"INSERT INTO messages ({cols}) "
                       + select_rows.format(ws=":ws", o=":o", g=":g", u=":u", false="false",
                                            t="CAST(:t AS timestamp)") + " FROM generate_series(1, :n) AS x")
            # Ids start after the rows the services wrote (welcome messages): shift the reply
            # pointers so they name real rows.
            base = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM messages")).scalar()
            conn.execute(text(sql), params)
            conn.execute(text("UPDATE messages SET thread_root_id = thread_root_id + :b "
                              "WHERE thread_root_id IS NOT NULL AND id > :b"), {"b": base})
            conn.execute(text("UPDATE messages SET reply_count = 1, last_reply_at = created_at "
                              "WHERE id IN (SELECT thread_root_id FROM messages WHERE id > :b "
                              "AND thread_root_id IS NOT NULL)"), {"b": base})
            # Mentions: the reader in every 100th message, the owner in every 30th.
            for who, every in ((reader.id, 100), (owner.id, 30)):
                conn.execute(text("INSERT INTO mentions (message_id, user_id, channel_id, workspace_id) "
                                  "SELECT id, :u, channel_id, workspace_id FROM messages "
                                  "WHERE id > :b AND id % :k = 0"), {"u": who, "b": base, "k": every})
            for cid in (general.id, other.id):
                conn.execute(text("UPDATE channels SET last_message_id = "
                                  "(SELECT MAX(id) FROM messages WHERE channel_id = :c) WHERE id = :c"), {"c": cid})
        seed_s = time.monotonic() - t0
        if dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))   # what autovacuum would soon do
        counts = dict(db.session.execute(text(
            "SELECT channel_id, COUNT(*) FROM messages GROUP BY channel_id")).all())
        top = db.session.execute(text(
            "SELECT MIN(id), MAX(id), COUNT(*) FROM messages WHERE channel_id = :c AND thread_root_id IS NULL"),
            {"c": general.id}).one()
        ids.update({"seed_s": round(seed_s, 1), "rows_by_channel": counts, "general_min_id": top[0],
                    "general_max_id": top[1], "general_top_level": top[2]})
        db.session.query(ChannelMember).filter_by(channel_id=general.id, user_id=reader.id).update(
            {"last_read_id": 0})
        db.session.commit()
    return ids


@contextmanager
def capture_sql(engine: Any):  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    seen: list[tuple[str, Any]] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def explain(app: Any, call: Any, pick: Any) -> list[dict[str, Any]]:
    """Run ``call`` once, and explain every captured statement that ``pick`` selects."""
    from chat.extensions import db

    with app.app_context():
        with capture_sql(db.engine) as seen:
            call()
        db.session.remove()
        plans = []
        sqlite = db.engine.dialect.name == "sqlite"
        prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, COSTS OFF) "
        with db.engine.connect() as conn:
            for statement, params in seen:
                if not pick(statement):
                    continue
                rows = conn.exec_driver_sql(prefix + statement, params).all()
                lines = [str(r[3]) if sqlite else r[0] for r in rows]   # sqlite: (id, parent, 0, detail)
                plans.append({"sql": " ".join(statement.split()), "params": repr(params), "plan": lines})
        return plans


def time_calls(app: Any, fn: Any, iterations: int) -> dict[str, float]:
    """Latency of ``fn()`` inside an app context with a fresh session per call."""
    from chat.extensions import db

    samples = []
    with app.app_context():
        for i in range(iterations + 20):
            t0 = time.perf_counter_ns()
            fn(i)
            db.session.remove()   # a request's session ends with it
            if i >= 20:           # the first calls warm caches and the statement cache
                samples.append(time.perf_counter_ns() - t0)
    return harness.summarize_ms(samples)


def measure_inprocess(app: Any, ids: dict[str, Any], iterations: int) -> dict[str, Any]:
    from chat.core.actor import Actor
    from chat.extensions import db
    from chat.models import ChannelMember, User
    from chat.services import messages
    from chat.services.channels import unread

    rng = random.Random(7)
    g, lo, hi = ids["general_id"], ids["general_min_id"], ids["general_max_id"]
    deep = lo + (hi - lo) // 10
    ws = ids["workspace_id"]

    def reader() -> Any:  # as the HTTP door does: the person read, an actor built
        return Actor.cli(db.session.get(User, ids["reader_id"]))

    def set_last_read(value: int) -> None:
        with app.app_context():
            db.session.query(ChannelMember).filter_by(channel_id=g, user_id=ids["reader_id"]).update(
                {"last_read_id": value})
            db.session.commit()

    out: dict[str, Any] = {}
    cases = {
        "history_newest_50": lambda i: messages.history(reader(), g, limit=50),
        "history_before_deep_cursor_50": lambda i: messages.history(reader(), g, before=deep, limit=50),
        "history_before_random_cursor_50": lambda i: messages.history(
            reader(), g, before=rng.randint(lo + 1000, hi), limit=50),
    }
    with app.app_context():
        page = messages.history(reader(), g, before=deep, limit=50)
        assert len(page["messages"]) == 50 and page["has_more"], "the deep page must be full"
        db.session.remove()
    for name, fn in cases.items():
        out[name] = time_calls(app, fn, iterations)
    # Unread counts: a reader 100 top-level messages behind, and one half the channel behind.
    with app.app_context():
        behind_100 = db.session.execute(db.text(
            "SELECT id FROM messages WHERE channel_id = :c AND thread_root_id IS NULL "
            "ORDER BY id DESC LIMIT 1 OFFSET 100"), {"c": g}).scalar()
    set_last_read(behind_100)
    out["unread_counts_100_behind"] = time_calls(app, lambda i: unread.unread_counts(ids["reader_id"], [ws]),
                                                 iterations)
    with app.app_context():
        out["unread_counts_100_behind"]["result"] = {
            str(k): v for k, v in unread.unread_counts(ids["reader_id"], [ws]).items()}
    set_last_read(lo + (hi - lo) // 2)
    out["unread_counts_half_behind"] = time_calls(app, lambda i: unread.unread_counts(ids["reader_id"], [ws]),
                                                  max(10, iterations // 20))
    with app.app_context():
        out["unread_counts_half_behind"]["result"] = {
            str(k): v for k, v in unread.unread_counts(ids["reader_id"], [ws]).items()}
    set_last_read(behind_100)
    return out


def plans(app: Any, ids: dict[str, Any]) -> dict[str, Any]:
    from chat.core.actor import Actor
    from chat.extensions import db
    from chat.models import User
    from chat.services import messages
    from chat.services.channels import unread

    g, lo, hi = ids["general_id"], ids["general_min_id"], ids["general_max_id"]
    deep = lo + (hi - lo) // 10
    is_history = lambda s: "FROM messages" in s and "ORDER BY" in s   # noqa: E731
    is_count = lambda s: "count(" in s.lower()                         # noqa: E731
    return {
        "history_newest": explain(
            app, lambda: messages.history(Actor.cli(db.session.get(User, ids["reader_id"])), g, limit=50),
            is_history),
        "history_before_cursor": explain(
            app, lambda: messages.history(Actor.cli(db.session.get(User, ids["reader_id"])), g, before=deep, limit=50),
            is_history),
        "unread_counts": explain(app, lambda: unread.unread_counts(ids["reader_id"], [ids["workspace_id"]]),
                                 is_count),
    }


def measure_http(instance: Path, database_url: str, ids: dict[str, Any], iterations: int) -> dict[str, Any]:
    import requests

    server = harness.start_server(instance, database_url=database_url, async_mode="eventlet",
                                  extra_env={"RATE_LIMITS_ENABLED": "0"})  # capacity, not limits
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {ids['reader_token']}"
        g, lo, hi = ids["general_id"], ids["general_min_id"], ids["general_max_id"]
        deep = lo + (hi - lo) // 10
        out = {}
        for name, query in (("http_history_newest_50", "limit=50"),
                            ("http_history_before_deep_cursor_50", f"limit=50&before={deep}")):
            url = f"{server.url}/api/v1/channels/{g}/messages?{query}"
            samples = []
            for i in range(iterations + 20):
                t0 = time.perf_counter_ns()
                r = session.get(url, timeout=10)
                elapsed = time.perf_counter_ns() - t0
                r.raise_for_status()
                if i >= 20:
                    samples.append(elapsed)
            assert len(r.json()["messages"]) == 50
            out[name] = harness.summarize_ms(samples)
        return out
    finally:
        server.stop()


def main() -> None:
    parser = harness.base_args(__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages in the measured channel")
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.iterations = min(args.messages, 100_000), min(args.iterations, 200)
    work = harness.scratch_dir(f"history-{args.backend}")
    try:
        if args.backend == "postgresql":
            reset_postgres_bench()
            url = PG_BENCH_URL
        else:
            url = f"sqlite:///{work / 'chat.db'}"
        app = make_app(work, url)
        ids = seed(app, args.messages)
        print(f"history {args.backend}: seeded {ids['rows_by_channel']} in {ids['seed_s']} s", flush=True)
        timings = measure_inprocess(app, ids, args.iterations)
        the_plans = plans(app, ids)
        if not args.no_http:
            from chat.extensions import db
            with app.app_context():
                db.engine.dispose()
            timings.update(measure_http(work, url, ids, max(100, args.iterations // 2)))
        for name, t in timings.items():
            print(f"history {args.backend}: {name:36} p50 {t['p50_ms']:8.3f} ms  p99 {t['p99_ms']:8.3f} ms",
                  flush=True)
        for name, items in the_plans.items():
            for item in items:
                print(f"--- {name}: {item['sql'][:160]}...\n    " + "\n    ".join(item["plan"]))
        ids.pop("reader_token")
        result = {"benchmark": "history", "backend": args.backend, "started": harness.now_utc(),
                  "machine": harness.machine_description(), "params": vars(args), "data": ids,
                  "timings": timings, "plans": the_plans}
        print(f"wrote {harness.write_result(f'history-{args.backend}', result, args.out)}")
    finally:
        harness.remove_dir(work)


if __name__ == "__main__":
    sys.exit(main())
