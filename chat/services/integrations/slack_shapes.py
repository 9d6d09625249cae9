"""Slack's objects (user, conversation, message) from our payloads (``services/payloads.py``):
the fields Slack's clients, slack_sdk and Bolt read, with Slack ids and ``ts`` values. The one
place for each shape: the Web API answers with them and the Events API sends them."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from chat.services.integrations import slack_emoji, slack_ids, slack_ts


def epoch(iso: str | None) -> int:
    if not iso:
        return 0
    return int(datetime.fromisoformat(iso.removesuffix("Z")).replace(tzinfo=UTC).timestamp())


def domain(name: str) -> str:
    """A workspace's name as Slack's team ``domain`` (lower case, dashes)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "team"


def user(member: dict[str, Any], team_id: str, *, email: str | None = None) -> dict[str, Any]:
    """A workspace member (``payloads.member_payload``) as Slack's user object. ``email``: shown
    only where the caller already knows it (see docs/integrations.md)."""
    role = member.get("role", "member")
    name = member["display_name"]
    profile: dict[str, Any] = {
        "real_name": name, "real_name_normalized": name, "display_name": name, "display_name_normalized": name,
        "team": team_id, "image_48": member.get("icon_url") or "", "image_72": member.get("icon_url") or "",
    }
    if email is not None:
        profile["email"] = email
    if member["is_bot"]:
        profile["bot_id"] = slack_ids.bot_id(member["id"])
        profile["always_active"] = False
    return {
        "id": slack_ids.user_id(member["id"]), "team_id": team_id, "name": member["username"],
        "deleted": not member.get("active", True), "real_name": name, "tz": "UTC", "tz_offset": 0,
        "is_admin": role in ("owner", "admin"), "is_owner": role == "owner", "is_primary_owner": False,
        "is_restricted": role == "guest", "is_ultra_restricted": False, "is_bot": member["is_bot"],
        "is_app_user": False, "updated": epoch(member.get("joined_at")), "profile": profile,
    }


def conversation_id(channel: dict[str, Any]) -> str:
    """A channel payload's Slack id: ``D…`` for a direct conversation, ``G…`` for a group one,
    ``C…`` for the others."""
    return conversation_id_of(channel["id"], channel["kind"])


def conversation_id_of(channel_id: int, kind: str) -> str:
    """``conversation_id`` from the channel's id and kind (``ChannelKind`` value)."""
    id_kind = {"dm": slack_ids.SlackIdKind.dm, "group": slack_ids.SlackIdKind.group}.get(
        kind, slack_ids.SlackIdKind.channel)
    return slack_ids.encode(id_kind, channel_id)


def conversation(channel: dict[str, Any], team_id: str, *, is_member: bool | None = None,
                 other_user: int | None = None) -> dict[str, Any]:
    """A channel payload as Slack's conversation object."""
    kind = channel["kind"]
    created = epoch(channel.get("created_at"))
    data: dict[str, Any] = {
        "id": conversation_id(channel), "created": created,
        "is_channel": kind in ("public", "private"), "is_group": False, "is_im": kind == "dm",
        "is_mpim": kind == "group", "is_private": kind != "public", "is_archived": bool(channel.get("archived")),
        "is_general": bool(channel.get("is_default")), "is_shared": False, "is_ext_shared": False,
        "is_org_shared": False, "context_team_id": team_id, "unlinked": 0,
    }
    if is_member is None:
        is_member = channel.get("joined")
    if is_member is not None:
        data["is_member"] = bool(is_member)
    if kind in ("dm",):
        data["user"] = slack_ids.user_id(other_user) if other_user else None
        data["is_user_deleted"] = False
    else:
        name = channel.get("name") or f"mpdm-{channel['id']}"
        creator = channel.get("created_by")
        data.update({
            "name": name, "name_normalized": name,
            "creator": slack_ids.user_id(creator) if creator else "",
            "topic": {"value": channel.get("topic") or "", "creator": "", "last_set": 0},
            "purpose": {"value": channel.get("purpose") or "", "creator": "", "last_set": 0},
        })
    return data


def text_of(payload: dict[str, Any]) -> str:
    """A message's ``text`` as Slack apps read it: integration content's source text (mrkdwn
    or Markdown, as posted), else the body as its author wrote it."""
    props = payload.get("props") or {}
    return (props.get("text") or "") if props else payload["body"]


def message(payload: dict[str, Any], team_id: str, *, thread_ts: str | None = None,
            parent_user_id: int | None = None) -> dict[str, Any]:
    """A message payload as Slack's message object. ``thread_ts``: its thread's first
    message's ts, for a reply (and ``parent_user_id``, that message's author, when known).

    A post of an incoming webhook is Slack's ``bot_message``: ``subtype``, ``bot_id`` and
    ``username``, no ``user``. Any other bot's message has ``bot_id`` beside its ``user``, as
    a Slack app's messages have."""
    author = payload["author"]
    ts = slack_ts.of_payload(payload)
    # Integration content (``messages.content``): its source, as the poster sent it.
    props = payload.get("props") or {}
    data: dict[str, Any] = {"type": "message", "user": slack_ids.user_id(author["id"]), "text": text_of(payload),
                            "ts": ts, "team": team_id}
    for name in ("blocks", "attachments"):
        if props.get(name):
            data[name] = props[name]
    if props.get("username"):
        data["username"] = props["username"]
    icons = {key: props[name] for key, name in (("emoji", "icon_emoji"), ("image_48", "icon_url")) if props.get(name)}
    if icons:
        data["icons"] = icons
    if author.get("is_bot"):
        data["bot_id"] = slack_ids.bot_id(author["id"])
    if props.get("webhook_id") is not None:
        del data["user"]
        data["subtype"] = "bot_message"
        data.setdefault("username", author["display_name"])
    if payload.get("client_msg_id"):
        data["client_msg_id"] = payload["client_msg_id"]
    if payload["thread_root_id"] is not None and thread_ts:
        data["thread_ts"] = thread_ts
        if parent_user_id is not None:
            data["parent_user_id"] = slack_ids.user_id(parent_user_id)
    elif payload["reply_count"]:
        data["thread_ts"] = ts
        data["reply_count"] = payload["reply_count"]
        if payload.get("last_reply_at"):
            data["latest_reply"] = f"{epoch(payload['last_reply_at'])}.000000"
    if payload.get("edited_at"):
        data["edited"] = {"user": slack_ids.user_id(author["id"]), "ts": f"{epoch(payload['edited_at'])}.000000"}
    if payload.get("reactions"):
        data["reactions"] = [{"name": slack_emoji.to_name(r["emoji"]), "count": r["count"],
                              "users": [slack_ids.user_id(u) for u in r["user_ids"]]} for r in payload["reactions"]]
    if payload.get("files"):
        data["files"] = [{"id": f["id"], "name": f["name"], "title": f["name"], "mimetype": f["content_type"],
                          "size": f["size"]} for f in payload["files"]]
    if payload.get("pinned"):
        data["pinned_to"] = [slack_ids.channel_id(payload["channel_id"])]
    if payload.get("deleted"):
        data["subtype"] = "tombstone"
        data["text"] = "This message was deleted."
    return data
