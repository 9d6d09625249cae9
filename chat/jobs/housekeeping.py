"""Periodic clean-up of what crashes and closed tabs leave behind, every HOUSEKEEPING_SECONDS
(and when a worker starts). A failed run is not retried: the next period is its retry."""
from __future__ import annotations

from chat.core import event_log
from chat.core.jobs import job
from chat.services import files, integrations
from chat.services.integrations import images
from chat.storage import storage


def _every(config: dict) -> float:
    return float(config["HOUSEKEEPING_SECONDS"])


@job("housekeeping.sweep-staged-uploads", retries=0, every=_every)
def sweep_staged_uploads() -> None:
    """Staged upload bytes older than an hour: their request is gone."""
    storage().sweep()


@job("housekeeping.forget-unsent-uploads", retries=0, every=_every)
def forget_unsent_uploads() -> None:
    """Uploads nobody sent within a day."""
    files.forget_unsent()


@job("housekeeping.prune-events", retries=0, every=_every)
def prune_events() -> None:
    """Events past EVENT_LOG_MAX_AGE_DAYS and EVENT_LOG_MAX_EVENTS."""
    event_log.prune_as_configured()


@job(integrations.PRUNE_JOB, retries=0, every=_every)
def prune_deliveries() -> None:
    """Finished deliveries to integrations past DELIVERY_LOG_MAX_AGE_DAYS, with their attempts."""
    integrations.prune_as_configured()


@job("housekeeping.prune-image-cache", retries=0, every=_every)
def prune_image_cache() -> None:
    """Proxied images past IMAGE_PROXY_CACHE_SECONDS, then the oldest past IMAGE_PROXY_CACHE_BYTES."""
    images.prune_cache()
