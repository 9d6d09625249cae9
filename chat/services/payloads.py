"""The one wire format. REST responses, socket acks and broadcasts all use these shapes."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select

from chat.extensions import db
from chat.models import (ApiToken, Channel, Invite, Membership, Message, Reaction, User,
                         Workspace)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="milliseconds") + "Z"


def user_payload(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def me_payload(user: User) -> dict[str, Any]:
    return {**user_payload(user), "email": user.email, "created_at": iso(user.created_at)}


def member_payload(user: User, membership: Membership) -> dict[str, Any]:
    return {**user_payload(user), "role": membership.role.value, "active": membership.active,
            "joined_at": iso(membership.joined_at)}


def workspace_payload(workspace: Workspace, membership: Membership | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": workspace.id, "name": workspace.name,
                            "created_at": iso(workspace.created_at)}
    if membership is not None:
        data["role"] = membership.role.value
    return data


def channel_payload(channel: Channel, *, joined: bool | None = None,
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": channel.id, "workspace_id": channel.workspace_id, "kind": channel.kind.value,
        "name": channel.name, "topic": channel.topic, "purpose": channel.purpose,
        "broadcast": channel.broadcast, "is_default": channel.is_default,
        "archived": channel.archived_at is not None, "created_by": channel.created_by,
        "created_at": iso(channel.created_at), "last_message_id": channel.last_message_id,
    }
    if joined is not None:
        data["joined"] = joined
    if extra:
        data.update(extra)
    return data


def token_payload(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "prefix": token.prefix,
            "created_at": iso(token.created_at), "last_used_at": iso(token.last_used_at),
            "revoked": token.revoked_at is not None}


def invite_payload(invite: Invite) -> dict[str, Any]:
    return {"id": invite.id, "workspace_id": invite.workspace_id, "code": invite.code,
            "role": invite.role.value, "created_at": iso(invite.created_at),
            "expires_at": iso(invite.expires_at), "revoked": invite.revoked_at is not None,
            "uses": invite.uses}


def message_payloads(messages: list[Message]) -> list[dict[str, Any]]:
    """Serialize messages with their authors and reactions in two queries, whatever the count."""
    if not messages:
        return []
    ids = [m.id for m in messages]
    author_ids = {m.user_id for m in messages}
    authors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(author_ids)))}
    reactions: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for message_id, emoji, user_id in db.session.execute(
        select(Reaction.message_id, Reaction.emoji, Reaction.user_id)
        .where(Reaction.message_id.in_(ids)).order_by(Reaction.id)
    ):
        reactions[message_id].setdefault(emoji, []).append(user_id)
    return [_message_payload(m, authors[m.user_id], reactions.get(m.id, {})) for m in messages]


def message_payload(message: Message) -> dict[str, Any]:
    return message_payloads([message])[0]


def _message_payload(m: Message, author: User, reactions: dict[str, list[int]]) -> dict[str, Any]:
    deleted = m.deleted_at is not None
    return {
        "id": m.id, "workspace_id": m.workspace_id, "channel_id": m.channel_id,
        "author": user_payload(author), "client_msg_id": m.client_msg_id,
        "thread_root_id": m.thread_root_id,
        "body": "" if deleted else m.body, "html": "" if deleted else m.html,
        "mentions_channel": m.mentions_channel,
        "reply_count": m.reply_count, "last_reply_at": iso(m.last_reply_at),
        "reactions": [{"emoji": e, "count": len(u), "user_ids": u} for e, u in reactions.items()],
        "pinned": m.pinned_at is not None,
        "created_at": iso(m.created_at), "edited_at": iso(m.edited_at), "deleted": deleted,
    }
