"""Slack's objects (user, conversation, message, file) from our payloads (``services/payloads.py``):
the fields Slack's clients, slack_sdk and Bolt read, with Slack ids and ``ts`` values. The one
place for each shape: the Web API answers with them and the Events API sends them."""
from __future__ import annotations

import re
from dataclasses import dataclass
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
    or Markdown, as posted), else the body as its author wrote it (a /me message's props mark
    only its kind: its text is its body)."""
    props = payload.get("props") or {}
    return (props.get("text") or "") if "format" in props else payload["body"]


def message(payload: dict[str, Any], team_id: str, *, thread_ts: str | None = None,
            parent_user_id: int | None = None, base_url: str | None = None) -> dict[str, Any]:
    """A message payload as Slack's message object. ``thread_ts``: its thread's first
    message's ts, for a reply (and ``parent_user_id``, that message's author, when known).
    ``base_url``: this server's address, to show the message's files (``files``, each as
    ``file`` shows it, without its shares).

    A post of an incoming webhook is Slack's ``bot_message``: ``subtype``, ``bot_id`` and
    ``username``, no ``user``. Any other bot's message has ``bot_id`` beside its ``user``, as
    a Slack app's messages have."""
    author = payload["author"]
    ts = slack_ts.of_payload(payload)
    # Integration content (``messages.content``): its source, as the poster sent it.
    props = payload.get("props") or {}
    data: dict[str, Any] = {"type": "message", "user": slack_ids.user_id(author["id"]), "text": text_of(payload),
                            "ts": ts, "team": team_id}
    if props.get("subtype"):  # a plain message's kind: /me is Slack's me_message
        data["subtype"] = props["subtype"]
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
    if base_url is not None and payload.get("files") and not payload.get("deleted"):
        data["files"] = [file(f, team_id, base_url) for f in payload["files"]]
        data["upload"] = False
    return data


# --- files ---------------------------------------------------------------------------------------

# Slack's short file type and its label, by the content type we sniffed from the bytes.
FILETYPES = {"image/png": ("png", "PNG"), "image/jpeg": ("jpg", "JPEG"), "image/gif": ("gif", "GIF"),
             "image/webp": ("webp", "WebP"), "application/pdf": ("pdf", "PDF"), "text/plain": ("text", "Plain Text")}
THUMBNAIL_BOX = 480  # chat/previews/worker.py: previews fit in 480 x 480 pixels


def file_id(public_id: str) -> str:
    """A file's Slack id: ``F`` and our public id (every public id has exactly one)."""
    return f"F{public_id}"


@dataclass(frozen=True)
class FileShare:
    """Where a file was shared: the message, in Slack's terms."""

    conversation: dict[str, Any]  # the channel payload (``channel_view_payload``)
    ts: str                       # the message's ts
    thread_ts: str | None         # its thread's, for a reply
    reply_count: int


def file(payload: dict[str, Any], team_id: str, base_url: str, *, share: FileShare | None = None) -> dict[str, Any]:
    """A file payload as Slack's file object. ``base_url`` makes its links absolute (clients fetch
    ``url_private`` with their token in ``Authorization``, as from Slack); ``share``: the
    message that shared it, for ``channels``/``groups``/``ims`` and ``shares``."""
    base = base_url.rstrip("/")
    created = epoch(payload["created_at"])
    filetype, pretty = FILETYPES.get(payload["content_type"], ("binary", "Binary"))
    data: dict[str, Any] = {
        "id": file_id(payload["id"]), "created": created, "timestamp": created, "name": payload["name"],
        "title": payload.get("title") or payload["name"], "mimetype": payload["content_type"],
        "filetype": filetype, "pretty_type": pretty, "user": slack_ids.user_id(payload["uploader"]["id"]),
        "user_team": team_id, "editable": False, "size": payload["size"], "mode": "hosted",
        "is_external": False, "external_type": "", "is_public": False, "public_url_shared": False,
        "display_as_bot": False, "username": "", "url_private": base + payload["url"],
        "url_private_download": base + payload["download_url"],
        "permalink": f"{base}/#w={payload['workspace_id']}" + (f"&c={payload['channel_id']}"
                                                               if payload["channel_id"] else ""),
        "channels": [], "groups": [], "ims": [], "comments_count": 0, "has_rich_preview": False,
        "file_access": "visible",
    }
    preview = payload["preview"]
    width, height = preview["width"], preview["height"]
    if preview["thumbnail_url"]:
        thumb = base + preview["thumbnail_url"]
        if payload["kind"] == "pdf":
            data.update({"thumb_pdf": thumb, "thumb_pdf_w": width or 0, "thumb_pdf_h": height or 0})
        else:
            w, h = _fitted(width, height)
            for size in (64, 80, 160, 360, 480):
                data[f"thumb_{size}"] = thumb
            data.update({"thumb_360_w": w, "thumb_360_h": h, "thumb_480_w": w, "thumb_480_h": h})
    if payload["kind"] == "image" and width and height:
        data.update({"original_w": width, "original_h": height})
    if share is not None:
        channel = share.conversation
        conversation = conversation_id(channel)
        public = channel["kind"] == "public"
        data["is_public"] = public
        data["channels" if public else "ims" if channel["kind"] == "dm" else "groups"] = [conversation]
        entry: dict[str, Any] = {"reply_users": [], "reply_users_count": 0, "reply_count": share.reply_count,
                                 "ts": share.ts, "team_id": team_id, "share_user_id": data["user"]}
        if channel.get("name"):
            entry["channel_name"] = channel["name"]
        if share.thread_ts:
            entry["thread_ts"] = share.thread_ts
        data["shares"] = {"public" if public else "private": {conversation: [entry]}}
    return data


def _fitted(width: int | None, height: int | None) -> tuple[int, int]:
    """An image's size scaled to fit its preview's box, never up."""
    if not width or not height:
        return 0, 0
    scale = min(1.0, THUMBNAIL_BOX / width, THUMBNAIL_BOX / height)
    return max(1, round(width * scale)), max(1, round(height * scale))
