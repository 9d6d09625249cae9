"""Background job handlers: each module registers its jobs with ``chat.core.jobs.job``.

A handler is a door like an API route: it takes plain values (ids, never rows: the row may
have changed or gone by the time it runs), calls services, and must be safe to run twice (jobs
run at least once). Services queue jobs by name inside their transaction
(``chat.core.jobs.enqueue``); ``create_app`` imports this package so that every process that
may run a job knows them all.
"""
from chat.jobs import commands, deliveries, housekeeping, previews  # noqa: F401  (register the jobs)
