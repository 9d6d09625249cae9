"""Channels and conversations: create, join, leave, members, read positions, the channel list.

Modules: ``channels`` (the actions), ``unread`` (unread and mention counts for lists)."""

from chat.services.channels.channels import (
    DEFAULT_CHANNEL,
    MAX_GROUP_SIZE,
    ChannelView,
    add_member,
    browse_channels,
    can_join,
    create_channel,
    create_default_channel,
    enroll,
    get_channel,
    join_channel,
    join_default_channels,
    leave_channel,
    list_channel_members,
    list_my_channels,
    mark_read,
    open_direct,
    remove_member,
    set_muted,
    update_channel,
)

__all__ = [
    "DEFAULT_CHANNEL",
    "MAX_GROUP_SIZE",
    "ChannelView",
    "add_member",
    "browse_channels",
    "can_join",
    "create_channel",
    "create_default_channel",
    "enroll",
    "get_channel",
    "join_channel",
    "join_default_channels",
    "leave_channel",
    "list_channel_members",
    "list_my_channels",
    "mark_read",
    "open_direct",
    "remove_member",
    "set_muted",
    "update_channel",
]
