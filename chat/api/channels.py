"""Channels, direct conversations, membership and read positions."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, with_body
from chat.api.openapi import operation
from chat.api.schemas import array, ref, wrapped
from chat.core.requests import AddChannelMember, CreateChannel, MarkRead, OpenDirect, UpdateChannel
from chat.services import channels
from chat.services.payloads import (
    channel_membership_payload,
    channel_payload,
    channel_view_payload,
    ok_payload,
    read_position_payload,
)


@api.get("/workspaces/<int:workspace_id>/channels")
@operation("channels", ok=wrapped("channels", array(ref("Channel"))),
           ok_description="OK: joined channels with `joined`, `last_read_id`, `can_post`, `unread_count`, "
                          "`mention_count`, and `members` for dm/group",
           errors={404: ["not_found"]})
def list_channels(workspace_id: int) -> ResponseReturnValue:
    """Your channels and conversations with unread counts"""
    return jsonify({"channels": channels.list_my_channels(actor(), workspace_id)})


@api.get("/workspaces/<int:workspace_id>/channels/browse")
@operation("channels", ok=wrapped("channels", array(ref("Channel"))),
           ok_description="OK: with `joined` and `member_count`", errors={404: ["not_found"]})
def browse_channels(workspace_id: int) -> ResponseReturnValue:
    """Public channels, joined or not, with member counts

    Guests see only the public channels they were added to.
    """
    return jsonify({"channels": channels.browse_channels(actor(), workspace_id)})


@api.post("/workspaces/<int:workspace_id>/channels")
@operation("channels", status=201, ok=ref("Channel"), ok_description="Created",
           errors={403: ["guest", "admin_only", "bot_not_allowed"], 404: ["not_found"],
                   409: ["name_taken", "conflict"]})
@with_body(CreateChannel)
def create_channel(workspace_id: int, data: CreateChannel) -> ResponseReturnValue:
    """Create a channel (you join it)"""
    created = channels.create_channel(actor(), workspace_id, data.name, private=data.private,
                                      broadcast=data.broadcast, topic=data.topic, purpose=data.purpose)
    return jsonify(channel_view_payload(created)), 201


@api.post("/workspaces/<int:workspace_id>/direct")
@operation("channels", ok=ref("Channel"), ok_description="The conversation, created on first use",
           errors={404: ["not_found"]})
@with_body(OpenDirect)
def open_direct(workspace_id: int, data: OpenDirect) -> ResponseReturnValue:
    """Open the direct or group conversation with exactly these people

    You are always included: `[your id]` opens a note to yourself, one other person a `dm`, more
    a `group`, whose size limit (`maxItems` of `user_ids`) counts you too.
    """
    return jsonify(channel_view_payload(channels.open_direct(actor(), workspace_id, data.user_ids)))


@api.get("/channels/<int:channel_id>")
@operation("channels", ok=ref("Channel"), errors={404: ["not_found"]})
def get_channel(channel_id: int) -> ResponseReturnValue:
    """A channel you can read"""
    return jsonify(channel_view_payload(channels.get_channel(actor(), channel_id)))


@api.patch("/channels/<int:channel_id>")
@operation("channels", ok=ref("Channel"),
           errors={403: ["not_channel_manager", "direct_channel", "default_channel", "admin_only",
                         "channel_archived"], 404: ["not_found"], 409: ["name_taken", "conflict"]})
@with_body(UpdateChannel)
def update_channel(channel_id: int, data: UpdateChannel) -> ResponseReturnValue:
    """Change a channel's name, topic, purpose, broadcast flag or archive it

    Any member may change the topic alone; everything else needs a workspace admin or the
    channel's creator, and `broadcast` needs an admin. An archived channel must be unarchived
    before other changes. Unknown fields are refused.
    """
    return jsonify(channel_payload(channels.update_channel(actor(), channel_id, data.changes())))


@api.post("/channels/<int:channel_id>/join")
@operation("channels", ok=ref("Channel"), errors={403: ["channel_archived"], 404: ["not_found"]})
def join_channel(channel_id: int) -> ResponseReturnValue:
    """Join a public channel"""
    return jsonify(channel_view_payload(channels.join_channel(actor(), channel_id)))


@api.post("/channels/<int:channel_id>/leave")
@operation("channels", ok=ref("Ok"),
           errors={403: ["direct_channel", "default_channel"], 404: ["not_found"], 409: ["not_in_channel"]})
def leave_channel(channel_id: int) -> ResponseReturnValue:
    """Leave a channel"""
    channels.leave_channel(actor(), channel_id)
    return jsonify(ok_payload())


@api.get("/channels/<int:channel_id>/members")
@operation("channels", ok=wrapped("members", array(ref("Member"))), ok_description="OK: members with `can_post`",
           errors={404: ["not_found"]})
def list_channel_members(channel_id: int) -> ResponseReturnValue:
    """The channel's members"""
    return jsonify({"members": channels.list_channel_members(actor(), channel_id)})


@api.post("/channels/<int:channel_id>/members")
@operation("channels", ok=ref("ChannelMembership"),
           errors={403: ["not_in_channel", "direct_channel", "channel_archived", "admin_only"],
                   404: ["not_found"]})
@with_body(AddChannelMember)
def add_channel_member(channel_id: int, data: AddChannelMember) -> ResponseReturnValue:
    """Add someone to a channel, or (admins) set can_post

    Any member may add people from the workspace; only admins send `can_post`. Adding someone
    already in the channel is harmless.
    """
    member = channels.add_member(actor(), channel_id, data.user_id, can_post=data.can_post)
    return jsonify(channel_membership_payload(member))


@api.delete("/channels/<int:channel_id>/members/<int:user_id>")
@operation("channels", ok=ref("Ok"),
           errors={403: ["not_channel_manager", "direct_channel", "default_channel"], 404: ["not_found"],
                   409: ["not_in_channel"]})
def remove_channel_member(channel_id: int, user_id: int) -> ResponseReturnValue:
    """Remove someone from a channel (your own id: leave)"""
    channels.remove_member(actor(), channel_id, user_id)
    return jsonify(ok_payload())


@api.post("/channels/<int:channel_id>/read")
@operation("channels", ok=ref("ReadPosition"), errors={404: ["not_found"], 409: ["not_in_channel"]})
@with_body(MarkRead)
def mark_read(channel_id: int, data: MarkRead) -> ResponseReturnValue:
    """Move your read position forward

    The position never moves back and never past the newest message; all your tabs receive
    `channel.read`.
    """
    return jsonify(read_position_payload(channels.mark_read(actor(), channel_id, data.message_id)))


@api.put("/channels/<int:channel_id>/mute")
@operation("channels", ok=ref("Channel"), ok_description="OK: the channel, `muted` true",
           errors={404: ["not_found"], 409: ["not_in_channel"]})
def mute_channel(channel_id: int) -> ResponseReturnValue:
    """Mute a channel you are in (as `/mute` does)

    It shows dimmed in your list and its unread messages make no badge or notification; those
    that mention you still do. Your other tabs hear of it (`channel.muted`). Repeating is harmless.
    """
    return jsonify(channel_view_payload(channels.set_muted(actor(), channel_id, True)))


@api.delete("/channels/<int:channel_id>/mute")
@operation("channels", ok=ref("Channel"), ok_description="OK: the channel, `muted` false",
           errors={404: ["not_found"], 409: ["not_in_channel"]})
def unmute_channel(channel_id: int) -> ResponseReturnValue:
    """Unmute a channel (repeating is harmless)"""
    return jsonify(channel_view_payload(channels.set_muted(actor(), channel_id, False)))
