"""Integrations: what bots and other products send and read, in their own formats, and what
the server sends to them.

Modules: ``slack_ids`` (our integer ids as Slack's U…/B…/C…/D…/G…/T… ids and back),
``slack_payload`` (Slack and Mattermost message payloads as checked models, with Slack's error
names), ``mrkdwn`` (Slack's mrkdwn as safe HTML), ``slack_format`` (whole messages: text,
attachments and blocks as HTML cards and a plain-text fallback), ``images`` (the signed
same-origin paths their images are shown through, and the proxy behind them), ``deliveries`` (requests to
integrations as background jobs, their log, replay), ``slack_shapes`` (Slack's user, conversation
and message objects), ``listeners`` (who listens to a channel: bots with an Events API URL),
``events_api`` (Slack's Events API: event_callback envelopes to those bots, kind ``events_api``,
registered when this package is imported), ``outgoing`` (what outgoing webhooks are sent; the
hooks themselves and their replies are ``services/webhooks/outgoing.py``)."""

from chat.services.integrations import events_api, listeners, outgoing
from chat.services.integrations.deliveries import (
    DELIVERY_JOB,
    PRUNE_JOB,
    RECOVER_JOB,
    RETRY_NUM_HEADER,
    RETRY_REASON_HEADER,
    Outcome,
    Signer,
    UnusableAnswer,
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
from chat.services.integrations.mrkdwn import ChannelRef, UserRef
from chat.services.integrations.slack_format import (
    RenderedMessage,
    markdown_sources,
    render_mattermost,
    render_slack,
)
from chat.services.integrations.slack_payload import (
    MattermostMessage,
    SlackMessage,
    SlackPayloadError,
    parse_mattermost_message,
    parse_slack_message,
)

__all__ = [
    "DELIVERY_JOB",
    "PRUNE_JOB",
    "RECOVER_JOB",
    "RETRY_NUM_HEADER",
    "RETRY_REASON_HEADER",
    "ChannelRef",
    "MattermostMessage",
    "Outcome",
    "RenderedMessage",
    "Signer",
    "SlackMessage",
    "SlackPayloadError",
    "UnusableAnswer",
    "UserRef",
    "deliver_now",
    "enqueue_delivery",
    "events_api",
    "get_delivery",
    "list_deliveries",
    "listeners",
    "markdown_sources",
    "outgoing",
    "parse_mattermost_message",
    "parse_slack_message",
    "prune",
    "prune_as_configured",
    "recover_interrupted",
    "register_kind",
    "render_mattermost",
    "render_slack",
    "replay_delivery",
    "retry_delays",
    "slack_v0_signer",
    "start_attempt",
]
