"""Channels, direct conversations, membership and read positions."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, body
from chat.services import channels
from chat.services.payloads import (
    channel_membership_payload,
    channel_payload,
    channel_view_payload,
    ok_payload,
    read_position_payload,
)


@api.get("/workspaces/<int:workspace_id>/channels")
def list_channels(workspace_id: int) -> ResponseReturnValue:
    return jsonify({"channels": channels.list_my_channels(actor(), workspace_id)})


@api.get("/workspaces/<int:workspace_id>/channels/browse")
def browse_channels(workspace_id: int) -> ResponseReturnValue:
    return jsonify({"channels": channels.browse_channels(actor(), workspace_id)})


@api.post("/workspaces/<int:workspace_id>/channels")
def create_channel(workspace_id: int) -> ResponseReturnValue:
    data = body()
    created = channels.create_channel(
        actor(), workspace_id, data.get("name"), private=data.get("private", False),
        broadcast=data.get("broadcast", False), topic=data.get("topic", ""), purpose=data.get("purpose", ""))
    return jsonify(channel_view_payload(created)), 201


@api.post("/workspaces/<int:workspace_id>/direct")
def open_direct(workspace_id: int) -> ResponseReturnValue:
    return jsonify(channel_view_payload(channels.open_direct(actor(), workspace_id, body().get("user_ids"))))


@api.get("/channels/<int:channel_id>")
def get_channel(channel_id: int) -> ResponseReturnValue:
    return jsonify(channel_view_payload(channels.get_channel(actor(), channel_id)))


@api.patch("/channels/<int:channel_id>")
def update_channel(channel_id: int) -> ResponseReturnValue:
    return jsonify(channel_payload(channels.update_channel(actor(), channel_id, body())))


@api.post("/channels/<int:channel_id>/join")
def join_channel(channel_id: int) -> ResponseReturnValue:
    return jsonify(channel_view_payload(channels.join_channel(actor(), channel_id)))


@api.post("/channels/<int:channel_id>/leave")
def leave_channel(channel_id: int) -> ResponseReturnValue:
    channels.leave_channel(actor(), channel_id)
    return jsonify(ok_payload())


@api.get("/channels/<int:channel_id>/members")
def list_channel_members(channel_id: int) -> ResponseReturnValue:
    return jsonify({"members": channels.list_channel_members(actor(), channel_id)})


@api.post("/channels/<int:channel_id>/members")
def add_channel_member(channel_id: int) -> ResponseReturnValue:
    data = body()
    member = channels.add_member(actor(), channel_id, data.get("user_id"), can_post=data.get("can_post"))
    return jsonify(channel_membership_payload(member))


@api.delete("/channels/<int:channel_id>/members/<int:user_id>")
def remove_channel_member(channel_id: int, user_id: int) -> ResponseReturnValue:
    channels.remove_member(actor(), channel_id, user_id)
    return jsonify(ok_payload())


@api.post("/channels/<int:channel_id>/read")
def mark_read(channel_id: int) -> ResponseReturnValue:
    return jsonify(read_position_payload(channels.mark_read(actor(), channel_id, body().get("message_id"))))
