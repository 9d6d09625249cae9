"""Integrations: what the server sends to bots and other integrations (the delivery log),
and, as they come, bots, webhooks and slash commands (issue 13).

Modules: ``deliveries`` (requests to integrations as background jobs, their log, replay)."""

from chat.services.integrations.deliveries import (
    DELIVERY_JOB,
    PRUNE_JOB,
    RECOVER_JOB,
    RETRY_NUM_HEADER,
    RETRY_REASON_HEADER,
    Signer,
    deliver_now,
    enqueue_delivery,
    get_delivery,
    list_deliveries,
    prune,
    prune_as_configured,
    recover_interrupted,
    register_kind,
    replay_delivery,
    retry_delays,
    slack_v0_signer,
    start_attempt,
)

__all__ = [
    "DELIVERY_JOB", "PRUNE_JOB", "RECOVER_JOB", "RETRY_NUM_HEADER", "RETRY_REASON_HEADER", "Signer", "deliver_now",
    "enqueue_delivery", "get_delivery", "list_deliveries", "prune", "prune_as_configured", "recover_interrupted",
    "register_kind", "replay_delivery", "retry_delays", "slack_v0_signer", "start_attempt",
]
