"""Messages, threads, reactions and pins."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, with_body, with_query
from chat.api.openapi import operation
from chat.api.schemas import array, json_response, ref, wrapped
from chat.core.requests import EditMessage, HistoryQuery, React, SendMessage, ThreadQuery
from chat.services import messages

TOUCH_ERRORS = {403: ["not_in_channel", "channel_archived"], 404: ["not_found"]}


@api.get("/channels/<int:channel_id>/messages")
@operation("messages", ok=ref("HistoryPage"), errors={404: ["not_found"]})
@with_query(HistoryQuery)
def history(channel_id: int, params: HistoryQuery) -> ResponseReturnValue:
    """A page of top-level messages, oldest first

    Without `before`/`after`: the newest page. With `before`: the page just older than that id.
    With `after`: the page just newer. With both: the page just newer than `after` among the
    messages older than `before`. Deleted messages are left out unless replies hang on them.
    """
    return jsonify(messages.history(actor(), channel_id, before=params.before, after=params.after,
                                    limit=params.limit))


@api.post("/channels/<int:channel_id>/messages")
@operation("messages", status=201, ok=ref("Message"), ok_description="Created and published as `message.created`",
           responses={"200": json_response(
               "A repeat of an earlier client_msg_id: the stored original, nothing published", ref("Message"))},
           errors={403: ["channel_archived", "not_in_channel", "broadcast_only"],
                   404: ["not_found", "thread_not_found", "file_not_found"],
                   409: ["client_msg_id_reused", "file_already_sent"]})
@with_body(SendMessage)
def send_message(channel_id: int, data: SendMessage) -> ResponseReturnValue:
    """Send a message (idempotent with client_msg_id)"""
    payload, created = messages.send_message(actor(), channel_id, data.body, client_msg_id=data.client_msg_id,
                                             thread_root_id=data.thread_root_id, file_ids=data.file_ids)
    return jsonify(payload), 201 if created else 200


@api.get("/channels/<int:channel_id>/pins")
@operation("messages", ok=wrapped("messages", array(ref("Message"))), errors={404: ["not_found"]})
def pinned(channel_id: int) -> ResponseReturnValue:
    """Pinned messages, most recently pinned first (at most 100)"""
    return jsonify({"messages": messages.pinned(actor(), channel_id)})


@api.get("/messages/<int:message_id>")
@operation("messages", ok=ref("Message"), errors={404: ["not_found"]})
def get_message(message_id: int) -> ResponseReturnValue:
    """One message"""
    return jsonify(messages.get_message(actor(), message_id))


@api.patch("/messages/<int:message_id>")
@operation("messages", ok=ref("Message"), errors={403: ["not_author", "channel_archived"], 404: ["not_found"]})
@with_body(EditMessage)
def edit_message(message_id: int, data: EditMessage) -> ResponseReturnValue:
    """Edit your message"""
    return jsonify(messages.edit_message(actor(), message_id, data.body))


@api.delete("/messages/<int:message_id>")
@operation("messages", ok=ref("DeletedMessage"), errors={403: ["not_author"], 404: ["not_found"]})
def delete_message(message_id: int) -> ResponseReturnValue:
    """Delete a message (yours, or any as an admin)"""
    return jsonify(messages.delete_message(actor(), message_id))


@api.get("/messages/<int:message_id>/thread")
@operation("messages", ok=ref("ThreadPage"), errors={404: ["not_found"]})
@with_query(ThreadQuery)
def thread(message_id: int, params: ThreadQuery) -> ResponseReturnValue:
    """A thread: its first message and a page of replies

    Any message of the thread may be given; the root is looked up.
    """
    return jsonify(messages.thread(actor(), message_id, after=params.after, limit=params.limit))


@api.post("/messages/<int:message_id>/reactions")
@operation("messages", ok=ref("Message"), errors={**TOUCH_ERRORS, 409: ["too_many_reactions"]})
@with_body(React)
def add_reaction(message_id: int, data: React) -> ResponseReturnValue:
    """React to a message (repeating is harmless)"""
    return jsonify(messages.react(actor(), message_id, data.emoji, add=True))


@api.delete("/messages/<int:message_id>/reactions/<emoji>")
@operation("messages", ok=ref("Message"), errors={400: ["invalid"], **TOUCH_ERRORS})
def remove_reaction(message_id: int, emoji: str) -> ResponseReturnValue:
    """Take back your reaction (repeating is harmless)"""
    return jsonify(messages.react(actor(), message_id, emoji, add=False))


@api.put("/messages/<int:message_id>/pin")
@operation("messages", ok=ref("Message"), errors=TOUCH_ERRORS)
def pin(message_id: int) -> ResponseReturnValue:
    """Pin a message (repeating is harmless)"""
    return jsonify(messages.set_pinned(actor(), message_id, True))


@api.delete("/messages/<int:message_id>/pin")
@operation("messages", ok=ref("Message"), errors=TOUCH_ERRORS)
def unpin(message_id: int) -> ResponseReturnValue:
    """Unpin a message (repeating is harmless)"""
    return jsonify(messages.set_pinned(actor(), message_id, False))


@api.get("/workspaces/<int:workspace_id>/mentions")
@operation("messages", ok=wrapped("messages", array(ref("Message"))), errors={404: ["not_found"]})
def mentions(workspace_id: int) -> ResponseReturnValue:
    """The 50 newest messages mentioning you

    In channels you are still in, read or not, newest first.
    """
    return jsonify({"messages": messages.unread_mentions(actor(), workspace_id)})
