"""Requests to integrations (services/integrations/deliveries.py). Importing the integrations
and webhooks packages registers their kinds (``events_api``, ``outgoing_webhook``), so every
process that runs these jobs knows how to sign them and what to do with their answers."""
from __future__ import annotations

from chat.core.jobs import job
from chat.services import integrations, webhooks  # noqa: F401  (webhooks: registers outgoing_webhook)


@job(integrations.DELIVERY_JOB, retries=3, retry_delay=5, backoff=3)
def attempt(delivery_id: int) -> None:
    """Claim the delivery's due attempt and send it on a thread of its own, so this worker is
    free at once. Its HTTP failures are the delivery's own retries (recorded in its log, on
    Slack's schedule); these job retries are for the database failing."""
    integrations.start_attempt(delivery_id)


def _every(config: dict) -> float:
    return float(config["JOB_LEASE_SECONDS"]) / 2


@job(integrations.RECOVER_JOB, retries=0, every=_every)
def recover() -> None:
    """Attempts whose process died mid-request: logged as interrupted, retried."""
    integrations.recover_interrupted()
