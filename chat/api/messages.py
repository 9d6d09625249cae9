"""Messages, threads, reactions and pins."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, body, query_int
from chat.services import messages


@api.get("/channels/<int:channel_id>/messages")
def history(channel_id: int) -> ResponseReturnValue:
    return jsonify(messages.history(actor(), channel_id, before=query_int("before"),
                                    after=query_int("after"), limit=query_int("limit")))


@api.post("/channels/<int:channel_id>/messages")
def send_message(channel_id: int) -> ResponseReturnValue:
    data = body()
    payload, created = messages.send_message(actor(), channel_id, data.get("body"),
                                             client_msg_id=data.get("client_msg_id"),
                                             thread_root_id=data.get("thread_root_id"),
                                             file_ids=data.get("file_ids"))
    return jsonify(payload), 201 if created else 200


@api.get("/channels/<int:channel_id>/pins")
def pinned(channel_id: int) -> ResponseReturnValue:
    return jsonify({"messages": messages.pinned(actor(), channel_id)})


@api.get("/messages/<int:message_id>")
def get_message(message_id: int) -> ResponseReturnValue:
    return jsonify(messages.get_message(actor(), message_id))


@api.patch("/messages/<int:message_id>")
def edit_message(message_id: int) -> ResponseReturnValue:
    return jsonify(messages.edit_message(actor(), message_id, body().get("body")))


@api.delete("/messages/<int:message_id>")
def delete_message(message_id: int) -> ResponseReturnValue:
    return jsonify(messages.delete_message(actor(), message_id))


@api.get("/messages/<int:message_id>/thread")
def thread(message_id: int) -> ResponseReturnValue:
    return jsonify(messages.thread(actor(), message_id, after=query_int("after"), limit=query_int("limit")))


@api.post("/messages/<int:message_id>/reactions")
def add_reaction(message_id: int) -> ResponseReturnValue:
    return jsonify(messages.react(actor(), message_id, body().get("emoji"), add=True))


@api.delete("/messages/<int:message_id>/reactions/<emoji>")
def remove_reaction(message_id: int, emoji: str) -> ResponseReturnValue:
    return jsonify(messages.react(actor(), message_id, emoji, add=False))


@api.put("/messages/<int:message_id>/pin")
def pin(message_id: int) -> ResponseReturnValue:
    return jsonify(messages.set_pinned(actor(), message_id, True))


@api.delete("/messages/<int:message_id>/pin")
def unpin(message_id: int) -> ResponseReturnValue:
    return jsonify(messages.set_pinned(actor(), message_id, False))


@api.get("/workspaces/<int:workspace_id>/mentions")
def mentions(workspace_id: int) -> ResponseReturnValue:
    return jsonify({"messages": messages.unread_mentions(actor(), workspace_id)})
