"""Bot users: create, change, deactivate, list; their tokens and signing secrets.

Modules: ``bots`` (the actions). Webhooks, the Slack-compatible Web API and event delivery to
bots are modules of their own as they come."""

from chat.services.bots.bots import (
    CHANGEABLE,
    BotView,
    EventsUrlUnverified,
    check_events_url,
    create_bot,
    create_bot_token,
    create_integration_bot,
    get_bot,
    is_admin_of,
    list_bot_tokens,
    list_bots,
    operator_list_bots,
    operator_revoke_bot_tokens,
    restyle_integration_bot,
    retire_integration_bot,
    revoke_bot_token,
    set_bot_active,
    set_events_url,
    signing_secret,
    update_bot,
)

__all__ = [
    "CHANGEABLE",
    "BotView",
    "EventsUrlUnverified",
    "check_events_url",
    "create_bot",
    "create_bot_token",
    "create_integration_bot",
    "get_bot",
    "is_admin_of",
    "list_bot_tokens",
    "list_bots",
    "operator_list_bots",
    "operator_revoke_bot_tokens",
    "restyle_integration_bot",
    "retire_integration_bot",
    "revoke_bot_token",
    "set_bot_active",
    "set_events_url",
    "signing_secret",
    "update_bot",
]
