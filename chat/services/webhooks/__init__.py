"""Incoming webhooks: secret URLs that post Slack- and Mattermost-format messages into a
channel as a bot of their own.

Modules: ``webhooks`` (make, list, rename, new secret, revoke), ``incoming`` (a post to the
secret URL: payload, channel, owner's rights, the message)."""

from chat.services.webhooks.incoming import (
    ActionProhibited,
    ChannelIsArchived,
    ChannelNotFound,
    NoService,
    ThreadNotFound,
    find_webhook,
    post,
)
from chat.services.webhooks.webhooks import (
    CHANGEABLE,
    WebhookView,
    channel_workspace,
    create_webhook,
    get_webhook,
    list_webhooks,
    regenerate_secret,
    revoke_webhook,
    update_webhook,
)

__all__ = [
    "CHANGEABLE",
    "ActionProhibited",
    "ChannelIsArchived",
    "ChannelNotFound",
    "NoService",
    "ThreadNotFound",
    "WebhookView",
    "channel_workspace",
    "create_webhook",
    "find_webhook",
    "get_webhook",
    "list_webhooks",
    "post",
    "regenerate_secret",
    "revoke_webhook",
    "update_webhook",
]
