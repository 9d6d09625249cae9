"""Bot users: accounts of their own kind that a workspace's admins make and manage.

A bot is a ``users`` row (``kind`` bot) plus its ``bots`` row: it posts, reacts, uploads and
listens like anyone, through the same services, with its tokens (``via`` bot_token). What it
may see is the channel rules' business (``access``: the ``bot`` fact keeps it to the channels it
was added to); what only people do (sign in, create workspaces, channels or tokens, accept
invites) is refused with ``access.refuse_bots``.

Admins of the bot's workspace create, change, deactivate and reactivate it, make and revoke
its tokens and read its signing secret; members may list the workspace's bots (no secrets).
Another workspace's bot answers NotFound, like one that does not exist.
"""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from flask import current_app
from sqlalchemy import select

from chat.core import events, limits, outbound, ratelimits, signing
from chat.core.actor import Actor
from chat.core.concurrency import lock_row, recheck_on_conflict
from chat.core.errors import ChatError, Conflict, NotFound
from chat.core.transactions import atomic, in_transaction
from chat.core.validation import check_bool, check_changes, check_http_url, check_text, check_username
from chat.extensions import db
from chat.models import ApiToken, Bot, Membership, Role, User, UserKind, Workspace
from chat.models._time import utcnow
from chat.services import accounts, channels, workspaces
from chat.services.access import access_admin, access_membership
from chat.services.integrations import listeners

# What an admin may change with update_bot (events_url: only once the URL answers Slack's
# url_verification handshake, see set_events_url).
CHANGEABLE = ("display_name", "description", "icon_url", "ignore_bots", "events_url")


class EventsUrlUnverified(ChatError):
    """The Events API request URL did not answer the url_verification handshake."""

    status = 400
    code = "events_url_unverified"


@dataclass(frozen=True)
class BotView:
    """A bot: its account, its own row and its membership of its workspace
    (``payloads.bot_payload``)."""

    user: User
    bot: Bot
    membership: Membership

    @property
    def id(self) -> int:
        return self.user.id


def _signing_secret() -> str:
    return secrets.token_hex(16)  # 32 hex digits, as Slack's signing secrets


def _handle_from(name: str) -> str:
    """``Build Bot`` -> ``build-bot``, ``Deploy`` -> ``deploy-bot``: a bot's handle says it is one."""
    base = re.sub(r"\s+", "-", name.strip().lower())
    return base if base.endswith("bot") else f"{base}-bot"


def _check_optional_url(value: Any, field: str) -> str | None:
    return None if value is None else check_http_url(value, field)


def _check_description(value: Any) -> str:
    return check_text(value, "description", max_length=limits.BOT_DESCRIPTION_LENGTH, allow_empty=True)


def create_bot(actor: Actor, workspace_id: int, name: Any, *, handle: Any = None, description: Any = "",
               icon_url: Any = None, ignore_bots: Any = True) -> BotView:
    """A new bot of the workspace, owned by the acting admin, in the workspace's default
    channels; its signing secret is made now. ``handle``: its @username (made from the name
    if absent). Tokens are made separately (``create_bot_token``)."""
    access_admin(actor.id, workspace_id)
    display = check_text(name, "name", max_length=limits.NAME_LENGTH)
    username = check_username(handle, "handle") if handle is not None else None
    description = _check_description(description)
    icon_url = _check_optional_url(icon_url, "icon_url")
    ignore_bots = check_bool(ignore_bots, "ignore_bots")
    ratelimits.for_person("RATE_LIMIT_BOTS", actor.id, workspace_id)

    def check_free() -> None:
        if username and db.session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict("this handle is taken", code="username_taken", field="handle")

    with recheck_on_conflict(check_free), atomic():
        check_free()
        handle_used = username or accounts.free_username(_handle_from(display))
        user = User(kind=UserKind.bot, email=f"{handle_used}@{accounts.BOT_EMAIL_DOMAIN}", username=handle_used,
                    display_name=display, password_hash="")
        db.session.add(user)
        db.session.flush()
        bot = Bot(user_id=user.id, workspace_id=workspace_id, owner_id=actor.id, description=description,
                  icon_url=icon_url, ignore_bots=ignore_bots, signing_secret=_signing_secret())
        db.session.add(bot)
        db.session.flush()
        membership = workspaces.add_member(workspace_id, user, Role.member)
        # A bot reads no public channel it is not in, so it is not put in the default
        # channels as people are: it is added to them, as an admin would add it.
        channels.join_default_channels(workspace_id, user.id)
    return BotView(user, bot, membership)


def create_integration_bot(workspace_id: int, owner_id: int, name: str, *, icon_url: str | None = None,
                           description: str = "") -> BotView:
    """Inside the caller's transaction, with its checks done: the bot account an integration
    posts as (an incoming webhook), owned by ``owner_id``, a member of the workspace and of no
    channel yet (the caller adds it where it posts)."""
    handle = accounts.free_username(_handle_from(name))
    user = User(kind=UserKind.bot, email=f"{handle}@{accounts.BOT_EMAIL_DOMAIN}", username=handle,
                display_name=name, password_hash="")
    db.session.add(user)
    db.session.flush()
    bot = Bot(user_id=user.id, workspace_id=workspace_id, owner_id=owner_id, description=description,
              icon_url=icon_url, ignore_bots=True, signing_secret=_signing_secret())
    db.session.add(bot)
    db.session.flush()
    membership = workspaces.add_member(workspace_id, user, Role.member)
    return BotView(user, bot, membership)


def restyle_integration_bot(user_id: int, *, name: str | None = None, icon_url: str | None = None,
                            clear_icon: bool = False) -> None:
    """Inside the caller's transaction: an integration's new name or icon is its bot's."""
    bot = db.session.get_one(Bot, user_id)
    view = _view(bot)
    if name is not None:
        view.user.display_name = name
    if icon_url is not None or clear_icon:
        bot.icon_url = icon_url
    db.session.flush()
    workspaces.announce_member(view.user, view.membership)


def retire_integration_bot(user_id: int) -> None:
    """Inside the caller's transaction: an integration that is deleted leaves its bot
    deactivated (its posts stay, shown as a deactivated bot's)."""
    bot = db.session.get_one(Bot, user_id)
    if bot.deactivated_at is not None:
        return
    view = _view(bot)
    bot.deactivated_at = utcnow()
    view.membership.active = False
    db.session.flush()
    workspaces.announce_member(view.user, view.membership)


def _view(bot: Bot) -> BotView:
    user = db.session.get_one(User, bot.user_id)
    membership = db.session.scalars(select(Membership).where(Membership.workspace_id == bot.workspace_id,
                                                             Membership.user_id == bot.user_id)).one()
    return BotView(user, bot, membership)


def _bot(actor: Actor, bot_id: int, *, admin: bool) -> Bot:
    """The bot if the actor is a member (``admin``: an admin) of its workspace; NotFound for a
    bot of a workspace they are not in, exactly as for no bot at all."""
    bot = db.session.get(Bot, bot_id)
    if bot is None:
        raise NotFound("bot not found")
    try:
        access_membership(actor.id, bot.workspace_id)
    except NotFound:
        raise NotFound("bot not found") from None
    if admin:
        access_admin(actor.id, bot.workspace_id)
    return bot


def list_bots(actor: Actor, workspace_id: int) -> list[BotView]:
    """The workspace's bots, deactivated ones too, oldest first (any member)."""
    access_membership(actor.id, workspace_id)
    return _list(workspace_id)


def _list(workspace_id: int) -> list[BotView]:
    rows = db.session.execute(
        select(User, Bot, Membership).join(Bot, Bot.user_id == User.id)
        .join(Membership, (Membership.user_id == User.id) & (Membership.workspace_id == Bot.workspace_id))
        .where(Bot.workspace_id == workspace_id).order_by(User.id)).all()
    return [BotView(user, bot, membership) for user, bot, membership in rows]


def get_bot(actor: Actor, bot_id: int) -> BotView:
    return _view(_bot(actor, bot_id, admin=False))


def is_admin_of(actor: Actor, workspace_id: int) -> bool:
    """Whether the actor, a member of the workspace, administers it (sees its bots' settings,
    such as their Events API URL)."""
    return access_membership(actor.id, workspace_id).role.is_admin


def update_bot(actor: Actor, bot_id: int, changes: dict[str, Any]) -> BotView:
    """Admins: change the bot's name, description, icon or whether it ignores other bots."""
    bot = _bot(actor, bot_id, admin=True)
    check_changes(changes, CHANGEABLE)
    display = check_text(changes["display_name"], "display_name", max_length=limits.NAME_LENGTH) \
        if "display_name" in changes else None
    description = _check_description(changes["description"]) if "description" in changes else None
    icon_url = _check_optional_url(changes["icon_url"], "icon_url") if "icon_url" in changes else None
    ignore_bots = check_bool(changes["ignore_bots"], "ignore_bots") if "ignore_bots" in changes else None
    events_url = None
    if "events_url" in changes:
        events_url = check_events_url(changes["events_url"])
        if events_url is not None:
            verify_events_url(bot.signing_secret, events_url)  # outside any transaction
            bot = _bot(actor, bot_id, admin=True)  # still theirs to change after the wait
    view = _view(bot)
    with atomic():
        if "events_url" in changes:
            bot.events_url = events_url
        if display is not None:
            view.user.display_name = display
        if description is not None:
            bot.description = description
        if "icon_url" in changes:
            bot.icon_url = icon_url
        if ignore_bots is not None:
            bot.ignore_bots = ignore_bots
        db.session.flush()
        if "events_url" in changes:
            listeners.refresh(bot.workspace_id)
        workspaces.announce_member(view.user, view.membership)
    return view


def check_events_url(value: Any) -> str | None:
    """An Events API request URL: an http(s) URL, or empty (or null) for none."""
    if value is None or value == "":
        return None
    return check_http_url(value, "events_url")


def verify_events_url(secret: str, url: str) -> None:
    """Slack's ``url_verification`` handshake: POST ``{"token", "challenge", "type"}`` to
    ``url``, signed with the bot's ``secret`` (v0), through the outbound client; the answer must
    be 200 with the challenge, as plain text, as a form's ``challenge=`` or as JSON
    ``{"challenge": ...}``. ``EventsUrlUnverified`` with the reason otherwise. Never inside a
    transaction: the wait may last the outbound policy's whole deadline."""
    if in_transaction():
        raise RuntimeError("verify_events_url must not run inside a transaction")
    db.session.rollback()  # end the read transaction the caller's checks began: hold nothing
    challenge = secrets.token_urlsafe(32)
    body = json.dumps({"token": "", "challenge": challenge, "type": "url_verification"}).encode()
    headers = {"Content-Type": "application/json", **signing.headers(secret, body)}
    try:
        answer = outbound.request("POST", url, body=body, headers=headers,
                                  policy=outbound.Policy.from_config(current_app.config))
    except outbound.OutboundError as e:
        raise EventsUrlUnverified(f"the URL did not answer the url_verification request: {e.message}",
                                  field="events_url") from None
    if answer.status != 200:
        raise EventsUrlUnverified(f"the URL answered the url_verification request with HTTP {answer.status}, "
                                  "not 200", field="events_url")
    if _challenge_of(answer) != challenge:
        raise EventsUrlUnverified("the URL did not answer the url_verification request with its challenge "
                                  "(as plain text, challenge=... or JSON {\"challenge\": ...})", field="events_url")


def _challenge_of(answer: outbound.Response) -> str | None:
    """The challenge an answer carries, in any of the three forms Slack takes."""
    try:
        text = answer.body.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    content_type = answer.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/json" or text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            value = data.get("challenge")
            return value if isinstance(value, str) else None
    if content_type == "application/x-www-form-urlencoded" or text.startswith("challenge="):
        values = parse_qs(text, keep_blank_values=True).get("challenge")
        return values[0] if values else None
    return text


def set_events_url(actor: Actor, bot_id: int, url: Any) -> BotView:
    """Admins: where the bot's Events API envelopes go. ``url``: an http(s) URL that answers
    Slack's ``url_verification`` handshake (``verify_events_url``; the old URL is kept when it
    does not), or empty to have none."""
    return update_bot(actor, bot_id, {"events_url": url})


def set_bot_active(actor: Actor, bot_id: int, active: bool) -> BotView:
    """Admins: deactivate a bot (its tokens stop working, its sockets close, it loses its
    channels' events like a deactivated person) or reactivate it. Repeating is harmless."""
    bot = _bot(actor, bot_id, admin=True)
    with atomic():
        lock_row(Workspace, bot.workspace_id)
        view = _view(bot)
        if active == (bot.deactivated_at is None):
            return view
        bot.deactivated_at = None if active else utcnow()
        view.membership.active = active
        db.session.flush()
        listeners.refresh(bot.workspace_id)
        workspaces.announce_member(view.user, view.membership)
        if not active:
            events.disconnect_user(bot.user_id)
    return view


def signing_secret(actor: Actor, bot_id: int) -> str:
    """Admins: the secret requests to the bot are signed with (HMAC needs it as it is)."""
    return _bot(actor, bot_id, admin=True).signing_secret


# --- the bot's tokens ----------------------------------------------------------------------------

def create_bot_token(actor: Actor, bot_id: int, name: Any) -> tuple[ApiToken, str]:
    """Admins: a new token of the bot and its secret, shown once (only a digest is kept)."""
    bot = _bot(actor, bot_id, admin=True)
    if bot.deactivated_at is not None:
        raise Conflict("reactivate the bot first", code="bot_deactivated")
    return accounts.create_bot_token(actor, bot.user_id, name)


def list_bot_tokens(actor: Actor, bot_id: int) -> list[ApiToken]:
    """Admins: the bot's tokens, newest first (revoked ones included)."""
    return accounts.list_tokens_of(_bot(actor, bot_id, admin=True).user_id)


def revoke_bot_token(actor: Actor, bot_id: int, token_id: int) -> ApiToken:
    """Admins: revoke a token of the bot; the bot's sockets close (repeating is harmless)."""
    return accounts.revoke_token_of(_bot(actor, bot_id, admin=True).user_id, token_id)


# --- for the server's operator (the command line): whoever runs it may do anything -------------

def operator_list_bots(workspace_id: int) -> list[BotView]:
    if db.session.get(Workspace, workspace_id) is None:
        raise NotFound("workspace not found")
    return _list(workspace_id)


def operator_revoke_bot_tokens(*, token_id: int | None = None, bot_id: int | None = None) -> list[ApiToken]:
    """Revoke one bot token by its id, or every live token of one bot; the tokens revoked."""
    if token_id is not None:
        token = db.session.get(ApiToken, token_id)
        owner = db.session.get(User, token.user_id) if token is not None else None
        if token is None or owner is None or not owner.is_bot:
            raise NotFound("no bot token with this id")
        return [accounts.revoke_token_of(owner.id, token.id)]
    if bot_id is None or db.session.get(Bot, bot_id) is None:
        raise NotFound("bot not found")
    live = [t for t in accounts.list_tokens_of(bot_id) if t.revoked_at is None]
    return [accounts.revoke_token_of(bot_id, t.id) for t in live]
