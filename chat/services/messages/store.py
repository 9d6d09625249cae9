"""The send path's store step: checked sends in, stored messages out, inside the caller's
transaction. Nothing here checks, publishes or builds a payload (``send`` does); nothing here
loads a row through the ORM: for the few rows of a batch, the ORM's unit of work and bulk
statements cost several times what the database does."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam

from chat.core.prepared import Prepared
from chat.core.rendering import Rendered
from chat.core.transactions import insert_many
from chat.extensions import db
from chat.models import Channel, File, Mention, Message
from chat.models._time import utcnow
from chat.services import files
from chat.services.access import Poster
from chat.services.integrations.slack_format import RenderedMessage


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One send, checked and rendered (``send._plan``): everything the store step writes."""
    poster: Poster               # who posts where: the author, the channel and its workspace
    body: str
    rendered: Rendered | RenderedMessage  # our Markdown, or integration content (``content``)
    client_msg_id: str | None
    root: Message | None         # the thread's first message, for a reply
    mentioned: frozenset[int]    # the people to notify (mention rows)
    attachments: list[File]      # the sender's unsent uploads for this channel
    props: dict[str, Any] | None = None  # integration content's source (``content.MessageContent.props``)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as the store step wrote it: its columns, no ORM object. A new message has no
    replies, edits, pin or deletion yet; the fields are here so that ``new_message_payload``
    reads it like a ``Message``."""
    id: int
    workspace_id: int
    channel_id: int
    user_id: int
    client_msg_id: str | None
    thread_root_id: int | None
    body: str
    html: str
    mentions_channel: bool
    props: dict[str, Any] | None
    created_at: datetime
    reply_count: int = 0
    last_reply_at: datetime | None = None
    edited_at: datetime | None = None
    pinned_at: datetime | None = None
    deleted_at: datetime | None = None


def store_messages(messages: Sequence[NewMessage]) -> list[StoredMessage]:
    """Write the messages inside the current ``atomic()``, in order, and return them as stored:
    one multi-row INSERT of the messages (prepared), their files attached, their mention rows
    added, their threads' reply counts raised, and one UPDATE of each channel's last message
    (prepared; a channel's last message in the batch wins). Raises ``IntegrityError`` for a
    client id already stored and ``Conflict`` for a file another send took meanwhile; the
    caller's transaction then rolls back with nothing written."""
    now = utcnow()
    rows: list[dict[str, Any]] = [
        {"workspace_id": m.poster.workspace_id, "channel_id": m.poster.channel_id, "user_id": m.poster.user_id,
         "client_msg_id": m.client_msg_id, "thread_root_id": m.root.id if m.root is not None else None,
         "body": m.body, "html": m.rendered.html, "mentions_channel": m.rendered.mentions_channel,
         "props": m.props, "reply_count": 0, "created_at": now}
        for m in messages]
    db.session.flush()  # a thread root's count may be pending from an earlier send of the batch
    ids = insert_many(Message.__table__, rows)
    stored = [StoredMessage(id=message_id, **row) for message_id, row in zip(ids, rows, strict=True)]
    for message, new in zip(stored, messages, strict=True):
        files.attach(new.attachments, message.id, message.channel_id)
        for user_id in new.mentioned:
            db.session.add(Mention(message_id=message.id, user_id=user_id, channel_id=message.channel_id,
                                   workspace_id=message.workspace_id))
        if new.root is not None:
            new.root.reply_count += 1
            new.root.last_reply_at = message.created_at
    last = {message.channel_id: message.id for message in stored}
    _SET_LAST_MESSAGE.run_many([{"channel": cid, "message": mid} for cid, mid in last.items()])
    return stored


_SET_LAST_MESSAGE = Prepared(Channel.__table__.update().where(Channel.__table__.c.id == bindparam("channel"))
                             .values(last_message_id=bindparam("message")))
