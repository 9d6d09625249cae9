"""Webhooks: incoming ones, secret URLs that post Slack- and Mattermost-format messages into a
channel as a bot of their own; outgoing ones, which send matching messages to an integration and
post its replies as a bot of their own.

Modules: ``webhooks`` (incoming: make, list, rename, new secret, revoke), ``incoming`` (a post
to the secret URL: payload, channel, owner's rights, the message), ``outgoing`` (outgoing
webhooks: make, list, change, new token, delete; their replies; the ``outgoing_webhook``
delivery kind, registered when this package is imported)."""

from chat.services.webhooks.incoming import (
    ActionProhibited,
    ChannelIsArchived,
    ChannelNotFound,
    NoService,
    ThreadNotFound,
    find_webhook,
    post,
)
from chat.services.webhooks.outgoing import (
    OutgoingWebhookView,
    create_outgoing_webhook,
    delete_outgoing_webhook,
    get_outgoing_webhook,
    list_outgoing_webhooks,
    regenerate_token,
    update_outgoing_webhook,
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
    "OutgoingWebhookView",
    "ThreadNotFound",
    "WebhookView",
    "channel_workspace",
    "create_outgoing_webhook",
    "create_webhook",
    "delete_outgoing_webhook",
    "find_webhook",
    "get_outgoing_webhook",
    "get_webhook",
    "list_outgoing_webhooks",
    "list_webhooks",
    "post",
    "regenerate_secret",
    "regenerate_token",
    "revoke_webhook",
    "update_outgoing_webhook",
    "update_webhook",
]
