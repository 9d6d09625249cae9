"""Checks that guard a write, made to hold when requests race (several green threads, several
server processes, SQLite or PostgreSQL).

Two tools, used inside the service that writes:

- ``lock_row`` at the start of ``atomic()``: the checks that follow read state no concurrent
  writer can change before this transaction commits (the last-owner rule, a per-person cap).
- ``recheck_on_conflict`` around ``atomic()`` whose check a unique constraint backs up (channel
  names, emails, usernames): when two requests pass the check at once, the constraint stops the
  second, and it gets the same 409 as a request that came a moment later, never a 500.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from chat.core.errors import Conflict
from chat.extensions import Model, db


def lock_row(model: type[Model], row_id: int) -> None:
    """Inside ``atomic()``, before the checks it protects and before any ``events.record``:
    hold the row until commit, so every transaction that locks it runs its checks after the
    previous one committed.

    PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` (READ COMMITTED, so the statements after it
    see what the previous holder committed; ``NO KEY`` so inserts that merely reference the
    row, messages into a workspace say, are not held up). SQLite has no row locks and its
    deferred transactions take the database's write lock only at their first write; until then
    another process may commit between our check and our write. A write that changes nothing
    takes that lock now (atomic() already serializes the writers of this process).

    Objects loaded before the lock are expired, so the checks read the rows as they are now.
    """
    table = model.__table__
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update(key_share=True))
    else:
        db.session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))
    db.session.expire_all()


@contextmanager
def recheck_on_conflict(check: Callable[[], object]) -> Iterator[None]:
    """Around ``with atomic():`` that runs ``check`` before its insert or rename, where a unique
    constraint backs the check up.

    On PostgreSQL two transactions can both pass the check before either commits; the second
    then breaks the constraint and is rolled back. Its answer is what ``check`` says now that
    the first has committed (normally the same Conflict a later request gets); if the check
    passes even now, a plain Conflict: the request met a concurrent change and may be retried.
    """
    try:
        yield
    except IntegrityError:
        check()
        raise Conflict("this changed at the same moment as another request; try again") from None
