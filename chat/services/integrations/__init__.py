"""Integrations: what bots and other products send and read, in their own formats.

Modules: ``slack_ids`` (our integer ids as Slack's U…/B…/C…/D…/G…/T… ids and back),
``slack_payload`` (Slack and Mattermost message payloads as checked models, with Slack's error
names), ``mrkdwn`` (Slack's mrkdwn as safe HTML), ``slack_format`` (whole messages: text,
attachments and blocks as HTML cards and a plain-text fallback)."""

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
    "ChannelRef",
    "MattermostMessage",
    "RenderedMessage",
    "SlackMessage",
    "SlackPayloadError",
    "UserRef",
    "markdown_sources",
    "parse_mattermost_message",
    "parse_slack_message",
    "render_mattermost",
    "render_slack",
]
