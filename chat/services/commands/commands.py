"""Custom slash commands of a workspace: made, listed, changed, given a new token and deleted by
its admins; and the list of every command (built-in and custom) its members may run.

A custom command (``/deploy``) POSTs Slack's slash-command form to its request URL when someone
runs it (``invocations``). It answers in the channel as a bot account of its own, made with it
(``bots.create_integration_bot``, as an incoming webhook's), named after the command. Its
requests are signed with Slack's v0 scheme: with the signing secret of the bot named by
``app_bot_id`` when there is one (so one Slack app, a Bolt app say, checks its events and its
commands with one secret), else with the command's own. Every request also carries ``token``,
Slack's older verification token, one per command. Both are shown to admins.

Custom commands cannot take a built-in command's name (``builtins.BUILTINS``).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from chat.core import limits
from chat.core.actor import Actor
from chat.core.concurrency import recheck_on_conflict
from chat.core.errors import Conflict, NotFound
from chat.core.transactions import atomic
from chat.core.validation import check_changes, check_command_name, check_http_url, check_id, check_text
from chat.extensions import db
from chat.models import Bot, SlashCommand, User
from chat.services import bots
from chat.services.access import access_admin, access_membership, refuse_bots
from chat.services.commands.builtins import BUILTINS

# What update_slash_command changes.
CHANGEABLE = ("name", "url", "description", "usage_hint", "app_bot_id")


@dataclass(frozen=True)
class CommandView:
    """A custom command with its bot's account (the name its answers show)."""

    command: SlashCommand
    user: User

    @property
    def id(self) -> int:
        return self.command.id


@dataclass(frozen=True)
class Listed:
    """A command as the composer and ``/help`` list it."""

    name: str            # with its slash
    description: str
    usage_hint: str
    builtin: bool


def _token() -> str:
    return secrets.token_hex(12)  # 24 characters, as Slack's verification tokens


def _signing_secret() -> str:
    return secrets.token_hex(16)  # 32 hex digits, as Slack's signing secrets


def check_description(value: Any) -> str:
    return check_text(value, "description", max_length=limits.COMMAND_DESCRIPTION_LENGTH, allow_empty=True)


def check_usage_hint(value: Any) -> str:
    return check_text(value, "usage_hint", max_length=limits.COMMAND_USAGE_HINT_LENGTH, allow_empty=True)


def _check_name(value: Any) -> str:
    name = check_command_name(value, "name")
    if name in BUILTINS:
        raise Conflict(f"/{name} is a built-in command", code="name_taken", field="name")
    return name


def _check_name_free(workspace_id: int, name: str, except_id: int | None = None) -> None:
    existing = db.session.scalar(select(SlashCommand.id).where(SlashCommand.workspace_id == workspace_id,
                                                               SlashCommand.name == name))
    if existing is not None and existing != except_id:
        raise Conflict(f"the workspace already has a /{name} command", code="name_taken", field="name")


def _check_app_bot(workspace_id: int, value: Any) -> int | None:
    """A bot of the workspace whose signing secret signs the command's requests, or None."""
    if value is None:
        return None
    bot_id = check_id(value, "app_bot_id")
    bot = db.session.get(Bot, bot_id)
    if bot is None or bot.workspace_id != workspace_id:
        raise NotFound("bot not found", field="app_bot_id")
    return bot_id


def create_slash_command(actor: Actor, workspace_id: int, name: Any, url: Any, *, description: Any = "",
                         usage_hint: Any = "", app_bot_id: Any = None) -> CommandView:
    """Admins: a new command of the workspace, with its bot, token and signing secret."""
    access_admin(actor.id, workspace_id)
    refuse_bots(actor, "make slash commands")
    name = _check_name(name)
    url = check_http_url(url, "url")
    description, usage_hint = check_description(description), check_usage_hint(usage_hint)
    app_bot_id = _check_app_bot(workspace_id, app_bot_id)
    with recheck_on_conflict(lambda: _check_name_free(workspace_id, name)), atomic():
        _check_name_free(workspace_id, name)
        view = bots.create_integration_bot(workspace_id, actor.id, f"/{name}", description="slash command")
        command = SlashCommand(workspace_id=workspace_id, name=name, url=url, description=description,
                               usage_hint=usage_hint, bot_user_id=view.user.id, app_bot_id=app_bot_id,
                               signing_secret=_signing_secret(), token=_token(), created_by=actor.id)
        db.session.add(command)
        db.session.flush()
    return CommandView(command, view.user)


def _manageable(actor: Actor, command_id: int) -> SlashCommand:
    """The command if the actor administers its workspace; NotFound for anyone outside it, and
    Forbidden (admin_only) for its other members, as for a bot's settings."""
    command = db.session.get(SlashCommand, command_id)
    if command is None:
        raise NotFound("slash command not found")
    try:
        access_membership(actor.id, command.workspace_id)
    except NotFound:
        raise NotFound("slash command not found") from None
    access_admin(actor.id, command.workspace_id)
    return command


def _view(command: SlashCommand) -> CommandView:
    return CommandView(command, db.session.get_one(User, command.bot_user_id))


def list_slash_commands(actor: Actor, workspace_id: int) -> list[CommandView]:
    """Admins: the workspace's custom commands with their settings, by name."""
    access_admin(actor.id, workspace_id)
    rows = db.session.execute(select(SlashCommand, User).join(User, User.id == SlashCommand.bot_user_id)
                              .where(SlashCommand.workspace_id == workspace_id).order_by(SlashCommand.name)).all()
    return [CommandView(command, user) for command, user in rows]


def get_slash_command(actor: Actor, command_id: int) -> CommandView:
    return _view(_manageable(actor, command_id))


def update_slash_command(actor: Actor, command_id: int, changes: dict[str, Any]) -> CommandView:
    """Admins: its name (its bot's name follows), URL, description, usage hint or signing bot."""
    command = _manageable(actor, command_id)
    check_changes(changes, CHANGEABLE)
    name = _check_name(changes["name"]) if "name" in changes else None
    url = check_http_url(changes["url"], "url") if "url" in changes else None
    description = check_description(changes["description"]) if "description" in changes else None
    usage_hint = check_usage_hint(changes["usage_hint"]) if "usage_hint" in changes else None
    app_bot_id = _check_app_bot(command.workspace_id, changes["app_bot_id"]) if "app_bot_id" in changes else None

    def check_free() -> None:
        if name is not None:
            _check_name_free(command.workspace_id, name, except_id=command.id)

    with recheck_on_conflict(check_free), atomic():
        check_free()
        if name is not None and name != command.name:
            command.name = name
            bots.restyle_integration_bot(command.bot_user_id, name=f"/{name}")
        if url is not None:
            command.url = url
        if description is not None:
            command.description = description
        if usage_hint is not None:
            command.usage_hint = usage_hint
        if "app_bot_id" in changes:
            command.app_bot_id = app_bot_id
        db.session.flush()
    return _view(command)


def regenerate_token(actor: Actor, command_id: int) -> CommandView:
    """Admins: a new verification token; requests carry it from now on."""
    command = _manageable(actor, command_id)
    with atomic():
        command.token = _token()
    return _view(command)


def delete_slash_command(actor: Actor, command_id: int) -> None:
    """Admins: the command is gone (running it answers "not a valid command"); the answers its
    bot posted stay, and a response_url handed out before answers with a note, not as the bot."""
    command = _manageable(actor, command_id)
    with atomic():
        db.session.delete(command)


def signing_secret_of(command_id: int) -> str | None:
    """The secret a command's requests are signed with now (None: it is gone)."""
    command = db.session.get(SlashCommand, command_id)
    if command is None:
        return None
    if command.app_bot_id is not None:
        secret = db.session.scalar(select(Bot.signing_secret).where(Bot.user_id == command.app_bot_id))
        if secret:
            return secret
    return command.signing_secret


def find_command(workspace_id: int, name: str) -> SlashCommand | None:
    return db.session.scalar(select(SlashCommand).where(SlashCommand.workspace_id == workspace_id,
                                                        SlashCommand.name == name))


def list_commands(actor: Actor, workspace_id: int) -> list[Listed]:
    """Every command a member of the workspace may run, built-in and custom, by name (no URLs
    or secrets): what the composer suggests and ``/help`` lists."""
    access_membership(actor.id, workspace_id)
    return listed(workspace_id)


def listed(workspace_id: int) -> list[Listed]:
    found = [Listed(f"/{b.name}", b.description, b.usage_hint, True) for b in BUILTINS.values()]
    rows = db.session.execute(select(SlashCommand.name, SlashCommand.description, SlashCommand.usage_hint)
                              .where(SlashCommand.workspace_id == workspace_id))
    found += [Listed(f"/{name}", description, usage_hint, False) for name, description, usage_hint in rows]
    return sorted(found, key=lambda c: c.name)

