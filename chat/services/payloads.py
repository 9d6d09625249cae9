"""The one wire format. REST responses, socket acks and broadcasts all use these shapes.

Services return rows or typed results (``ChannelView``, ``WorkspaceView``...); doors turn them
into JSON with the functions here and nothing else. Where a result is also an event's data (a
message, a channel), the service builds it here inside the transaction and the door answers
with that same object. The JSON Schemas of these shapes, and of every socket event, are in
chat/api/openapi.py; tests check real responses and events against them.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import bindparam, select

from chat.extensions import db
from chat.models import (
    ApiToken,
    Channel,
    ChannelMember,
    Delivery,
    DeliveryAttempt,
    File,
    Invite,
    Membership,
    Message,
    PreviewState,
    Reaction,
    User,
    UserKind,
    Workspace,
)

if TYPE_CHECKING:
    from chat.services.bots import BotView
    from chat.services.channels import ChannelView
    from chat.services.commands import CommandView, Listed, Ran
    from chat.services.messages.store import StoredMessage
    from chat.services.webhooks import OutgoingWebhookView, WebhookView
    from chat.services.workspaces import WorkspaceMember, WorkspaceView


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="milliseconds") + "Z"


def user_payload(user: User) -> dict[str, Any]:
    return author_payload(user.id, user.username, user.display_name, user.kind)


def author_payload(user_id: int, username: str, display_name: str, kind: UserKind) -> dict[str, Any]:
    """A person (or bot) as messages show them (``user_payload`` from the columns at hand)."""
    return {"id": user_id, "username": username, "display_name": display_name, "is_bot": kind == UserKind.bot}


def ok_payload() -> dict[str, Any]:
    """The answer to an action that has nothing to report."""
    return {"ok": True}


def me_payload(user: User) -> dict[str, Any]:
    return {**user_payload(user), "email": user.email, "created_at": iso(user.created_at)}


def member_payload(user: User, membership: Membership) -> dict[str, Any]:
    data = {**user_payload(user), "role": membership.role.value, "active": membership.active,
            "joined_at": iso(membership.joined_at)}
    if user.is_bot:  # what a client shows a bot with (its bots row is read for bots only)
        data["icon_url"] = user.bot.icon_url if user.bot is not None else None
    return data


def workspace_member_payload(member: WorkspaceMember) -> dict[str, Any]:
    return member_payload(member.user, member.membership)


def workspace_view_payload(view: WorkspaceView) -> dict[str, Any]:
    """A workspace for one of its members: with their ``role``."""
    return workspace_payload(view.workspace, view.membership)


def workspace_payload(workspace: Workspace, membership: Membership | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": workspace.id, "name": workspace.name,
                            "created_at": iso(workspace.created_at),
                            "max_file_size": workspace.max_file_size or current_app.config["FILE_MAX_BYTES"],
                            "members_create_webhooks": workspace.members_create_webhooks,
                            "webhook_overrides": workspace.webhook_overrides}
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


def channel_view_payload(view: ChannelView) -> dict[str, Any]:
    """A channel for one person: whether they joined it and, if so, their read position and
    whether they were named a poster."""
    extra: dict[str, Any] = {}
    if view.member is not None:
        extra = {"last_read_id": view.member.last_read_id, "can_post": view.member.can_post,
                 "muted": view.member.muted}
    return channel_payload(view.channel, joined=view.member is not None, extra=extra)


def channel_membership_payload(member: ChannelMember) -> dict[str, Any]:
    return {"channel_id": member.channel_id, "user_id": member.user_id, "can_post": member.can_post}


def muted_payload(member: ChannelMember, workspace_id: int) -> dict[str, Any]:
    """Whether the person muted a channel (``channel.muted``, to their own tabs)."""
    return {"channel_id": member.channel_id, "muted": member.muted, "workspace_id": workspace_id}


def read_position_payload(member: ChannelMember) -> dict[str, Any]:
    return {"channel_id": member.channel_id, "last_read_id": member.last_read_id}


def presence_status_payload(status: str) -> dict[str, Any]:
    return {"status": status}


def cursor_payload(event_id: int) -> dict[str, Any]:
    """A position in the event log to resume from."""
    return {"cursor": event_id}


def token_payload(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "name": token.name, "prefix": token.prefix,
            "created_at": iso(token.created_at), "last_used_at": iso(token.last_used_at),
            "revoked": token.revoked_at is not None}


def new_token_payload(token: ApiToken, secret: str, user: User | None = None) -> dict[str, Any]:
    """A token just created, with its secret (shown this once) and, on sign-in, its person."""
    data = {"token": secret, **token_payload(token)}
    if user is not None:
        data["user"] = me_payload(user)
    return data


def bot_payload(view: BotView, *, admin: bool = False) -> dict[str, Any]:
    """A bot as its workspace's members see it (no secrets); ``admin``: with the settings only
    the workspace's admins see (its Events API request URL)."""
    bot = view.bot
    payload = {**user_payload(view.user), "workspace_id": bot.workspace_id, "owner_id": bot.owner_id,
               "description": bot.description, "icon_url": bot.icon_url, "ignore_bots": bot.ignore_bots,
               "active": bot.deactivated_at is None, "created_at": iso(bot.created_at),
               "deactivated_at": iso(bot.deactivated_at)}
    if admin:
        payload["events_url"] = bot.events_url
    return payload


def webhook_payload(view: WebhookView) -> dict[str, Any]:
    """An incoming webhook (no secret): its name and icon are its bot's."""
    w = view.webhook
    return {"id": w.id, "workspace_id": w.workspace_id, "channel_id": w.channel_id, "bot_id": w.bot_user_id,
            "name": view.user.display_name, "icon_url": view.bot.icon_url, "created_by": w.created_by,
            "prefix": w.prefix, "created_at": iso(w.created_at), "secret_changed_at": iso(w.secret_changed_at),
            "revoked": w.revoked_at is not None, "revoked_at": iso(w.revoked_at)}


def new_webhook_payload(view: WebhookView, secret: str, base_url: str) -> dict[str, Any]:
    """A webhook with its secret URL, shown this once (creation, a new secret)."""
    return {**webhook_payload(view), "url": f"{base_url.rstrip('/')}/hooks/{secret}"}


def slash_command_payload(view: CommandView, signing_secret: str) -> dict[str, Any]:
    """A custom slash command with its secrets, for its workspace's admins: ``signing_secret``
    is the one its requests are signed with now (its app bot's, or its own)."""
    c = view.command
    return {"id": c.id, "workspace_id": c.workspace_id, "name": f"/{c.name}", "url": c.url,
            "description": c.description, "usage_hint": c.usage_hint, "bot_id": c.bot_user_id,
            "app_bot_id": c.app_bot_id, "token": c.token, "signing_secret": signing_secret,
            "created_by": c.created_by, "created_at": iso(c.created_at)}


def command_info_payload(command: Listed) -> dict[str, Any]:
    """A command as the composer and ``/help`` list it (no URL, no secrets)."""
    return {"name": command.name, "description": command.description, "usage_hint": command.usage_hint,
            "builtin": command.builtin}


def command_result_payload(ran: Ran) -> dict[str, Any]:
    """What running a command did: the message it posted, the ephemeral message it showed
    (the same payload as the ``message.ephemeral`` event), or ``sent`` for a request on its way."""
    return {"status": ran.status, "message": ran.message, "ephemeral": ran.ephemeral}


def outgoing_webhook_payload(view: OutgoingWebhookView) -> dict[str, Any]:
    """An outgoing webhook, with its token (only its workspace's admins see hooks): its name
    and icon are its bot's."""
    w = view.webhook
    return {"id": w.id, "workspace_id": w.workspace_id, "bot_id": w.bot_user_id, "name": view.user.display_name,
            "description": w.description, "icon_url": view.bot.icon_url, "channel_ids": view.channel_ids,
            "trigger_words": w.trigger_words, "trigger_when": w.trigger_when, "callback_urls": w.callback_urls,
            "content_type": w.content_type, "ignore_bots": w.ignore_bots, "token": w.token,
            "created_by": w.created_by, "created_at": iso(w.created_at), "token_changed_at": iso(w.token_changed_at)}


def signing_secret_payload(bot_id: int, secret: str) -> dict[str, Any]:
    return {"bot_id": bot_id, "signing_secret": secret}


def delivery_attempt_payload(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {"number": attempt.number, "started_at": iso(attempt.started_at), "finished_at": iso(attempt.finished_at),
            "duration_ms": attempt.duration_ms, "status_code": attempt.status_code, "error": attempt.error,
            "reason": attempt.reason, "response_excerpt": attempt.response_excerpt}


def delivery_payload(delivery: Delivery, *, detail: bool = False) -> dict[str, Any]:
    """A delivery to an integration with its attempts (loaded with it); ``detail``: with the
    body and headers it sends, for the one-delivery view."""
    payload: dict[str, Any] = {
        "id": delivery.id, "workspace_id": delivery.workspace_id, "kind": delivery.kind,
        "integration_id": delivery.integration_id, "event": delivery.event, "url": delivery.url,
        "status": delivery.status.value, "attempts": delivery.attempts, "created_at": iso(delivery.created_at),
        "finished_at": iso(delivery.finished_at), "next_attempt_at": iso(delivery.next_attempt_at),
        "replay_of_id": delivery.replay_of_id,
        "attempt_log": [delivery_attempt_payload(a) for a in delivery.attempt_log]}
    if detail:
        payload["body"] = delivery.body
        payload["headers"] = json.loads(delivery.headers)
    return payload


def invite_payload(invite: Invite) -> dict[str, Any]:
    return {"id": invite.id, "workspace_id": invite.workspace_id, "code": invite.code,
            "role": invite.role.value, "created_at": iso(invite.created_at),
            "expires_at": iso(invite.expires_at), "revoked": invite.revoked_at is not None,
            "uses": invite.uses}


def file_payload(f: File, uploader: User) -> dict[str, Any]:
    return file_payload_by(f, user_payload(uploader))


def file_payload_by(f: File, uploader: dict[str, Any]) -> dict[str, Any]:
    """A file from parts at hand (``uploader`` is a ``user_payload``)."""
    # Stable URLs under the API: every request for them checks access again.
    base = f"/api/v1/files/{f.public_id}"
    return {
        "id": f.public_id, "workspace_id": f.workspace_id, "channel_id": f.channel_id,
        "message_id": f.message_id, "uploader": uploader, "name": f.name, "title": f.title, "size": f.size,
        "content_type": f.content_type, "kind": f.kind.value, "created_at": iso(f.created_at),
        "preview": {
            "state": f.preview_state.value, "page_count": f.page_count, "width": f.width, "height": f.height,
            "thumbnail_url": f"{base}/thumbnail" if f.preview_state == PreviewState.ready and f.has_thumbnail
            else None,
        },
        "url": f"{base}/content", "download_url": f"{base}/content?download=1",
    }


def file_payloads(files: list[File]) -> list[dict[str, Any]]:
    """Serialize files with their uploaders in one query, whatever the count."""
    uploader_ids = {f.uploader_id for f in files}
    uploaders = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(uploader_ids)))} if files else {}
    return [file_payload(f, uploaders[f.uploader_id]) for f in files]


def props_payload(props: dict[str, Any] | None) -> dict[str, Any] | None:
    """A message's ``props`` as clients get them: as stored, and with an ``icon_url`` its
    ``icon_proxy_url``, the same picture through this server's image proxy: the page may show
    only its own images (``img-src 'self'``), and readers' browsers never contact the icon's server."""
    if not props or not props.get("icon_url"):
        return props
    # images imports the files package, which imports this module.
    from chat.services.integrations.images import proxied

    return {**props, "icon_proxy_url": proxied(props["icon_url"])}


def message_payloads(messages: list[Message], authors: dict[int, dict[str, Any]] | None = None
                     ) -> list[dict[str, Any]]:
    """Serialize messages with their authors, reactions and files in three queries, whatever the
    count; two when the caller read the authors (``user_payload``s by id) with the messages."""
    if not messages:
        return []
    ids = {"ids": [m.id for m in messages]}
    if authors is None:
        authors = author_payloads({m.user_id for m in messages})
    reactions: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for message_id, emoji, user_id in db.session.execute(_REACTIONS, ids):
        reactions[message_id].setdefault(emoji, []).append(user_id)
    files: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for f in db.session.scalars(_FILES, ids):
        # A file's uploader is the author of the message that shared it.
        files[f.message_id].append(file_payload_by(f, authors[f.uploader_id]))
    return [new_message_payload(m, authors[m.user_id], reactions.get(m.id, {}), files.get(m.id, []))
            for m in messages]


def author_payloads(user_ids: set[int]) -> dict[int, dict[str, Any]]:
    """``user_payload`` of each person, by id, in one query of four columns."""
    return {user_id: author_payload(user_id, username, display_name, kind)
            for user_id, username, display_name, kind in db.session.execute(_AUTHORS, {"ids": sorted(user_ids)})}


# Built once: on a history page, building and keying statements cost about what running them did.
_AUTHORS = (select(User.id, User.username, User.display_name, User.kind)
            .where(User.id.in_(bindparam("ids", expanding=True))))
_REACTIONS = (select(Reaction.message_id, Reaction.emoji, Reaction.user_id)
              .where(Reaction.message_id.in_(bindparam("ids", expanding=True))).order_by(Reaction.id))
_FILES = (select(File).where(File.message_id.in_(bindparam("ids", expanding=True)), File.deleted_at.is_(None))
          .order_by(File.id))


def ephemeral_payload(ephemeral_id: str, *, workspace_id: int, channel_id: int, thread_root_id: int | None,
                      author: dict[str, Any] | None, body: str, html: str, props: dict[str, Any] | None,
                      created_at: float, ts: str) -> dict[str, Any]:
    """A message shown to one person and never stored (``messages.ephemeral``): ``author`` is
    an ``author_payload`` (null: the server itself, for built-in commands), ``created_at`` Unix
    time, ``ts`` its Slack timestamp (what ``chat.postEphemeral`` answers as ``message_ts``)."""
    moment = datetime.fromtimestamp(created_at, UTC).replace(tzinfo=None)
    return {"id": ephemeral_id, "ephemeral": True, "workspace_id": workspace_id, "channel_id": channel_id,
            "thread_root_id": thread_root_id, "author": author, "body": body, "html": html, "props": props,
            "created_at": iso(moment), "ts": ts}


def message_payload(message: Message) -> dict[str, Any]:
    return message_payloads([message])[0]


def new_message_payload(m: Message | StoredMessage, author: dict[str, Any], reactions: dict[str, list[int]],
                        files: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A message from parts already at hand (``author`` is a ``user_payload``): no queries. A
    ``StoredMessage`` is a message the send path just wrote, without loading it again."""
    deleted = m.deleted_at is not None
    return {
        "id": m.id, "workspace_id": m.workspace_id, "channel_id": m.channel_id,
        "author": author, "client_msg_id": m.client_msg_id,
        "thread_root_id": m.thread_root_id,
        "body": "" if deleted else m.body, "html": "" if deleted else m.html,
        "mentions_channel": m.mentions_channel,
        "props": None if deleted else props_payload(m.props),
        "reply_count": m.reply_count, "last_reply_at": iso(m.last_reply_at),
        "reactions": [{"emoji": e, "count": len(u), "user_ids": u} for e, u in reactions.items()],
        "files": [] if deleted else (files or []),
        "pinned": m.pinned_at is not None,
        "created_at": iso(m.created_at), "edited_at": iso(m.edited_at), "deleted": deleted,
    }
