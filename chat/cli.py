"""Administration from the command line: ``flask --app app <command>``."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from flask import Flask
from sqlalchemy import select

from chat.core import event_log
from chat.core.actor import Actor
from chat.core.errors import ChatError
from chat.extensions import db
from chat.models import User
from chat.services import channels, users, workspaces

_T = TypeVar("_T")

def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


def _actor(email: str) -> Actor:
    """The person named on the command line, acting through it."""
    return Actor.cli(_user(email))


def register_cli(app: Flask) -> None:
    def run(fn: Callable[[], _T]) -> _T:
        try:
            return fn()
        except ChatError as err:
            raise click.ClickException(f"{err.code}: {err.message}") from None

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", "display_name", required=True, help="Display name")
    @click.option("--username", default=None, help="@mention handle (derived from the email if omitted)")
    @click.password_option(help="Password (prompted if omitted)")
    def create_user(email: str, display_name: str, username: str | None, password: str) -> None:
        """Create an account."""
        user = run(lambda: users.sign_up(email, password, display_name, username))
        click.echo(f"user {user.id} {user.email} @{user.username}")

    @app.cli.command("create-workspace")
    @click.argument("name")
    @click.option("--owner", required=True, help="Email of the owner")
    def create_workspace(name: str, owner: str) -> None:
        """Create a workspace (with #general) owned by an existing user."""
        workspace = run(lambda: workspaces.create_workspace(_actor(owner), name))
        click.echo(f"workspace {workspace.id} {workspace.name}")

    @app.cli.command("add-member")
    @click.argument("workspace_id", type=int)
    @click.argument("email")
    @click.option("--role", type=click.Choice(["owner", "admin", "member", "guest"]), default="member")
    def add_member(workspace_id: int, email: str, role: str) -> None:
        """Add an existing user to a workspace with a role."""
        membership = run(lambda: workspaces.add_member(workspace_id, _user(email), workspaces.check_role(role)))
        click.echo(f"member {membership.user_id} of workspace {workspace_id} as {membership.role.value}")

    @app.cli.command("create-channel")
    @click.argument("workspace_id", type=int)
    @click.argument("name")
    @click.option("--by", "by_email", required=True, help="Email of the member creating it")
    @click.option("--private", is_flag=True)
    @click.option("--broadcast", is_flag=True, help="Only admins and named posters may post")
    @click.option("--topic", default="")
    def create_channel(workspace_id: int, name: str, by_email: str, private: bool, broadcast: bool,
                       topic: str) -> None:
        """Create a channel in a workspace."""
        channel = run(lambda: channels.create_channel(_actor(by_email), workspace_id, name, private=private,
                                                      broadcast=broadcast, topic=topic))
        click.echo(f"channel {channel.id} #{channel.name}")

    @app.cli.command("prune-events")
    @click.option("--max-age-days", type=float, default=None,
                  help="Delete events older than this (default: EVENT_LOG_MAX_AGE_DAYS; 0: no age bound)")
    @click.option("--max-events", type=int, default=None,
                  help="Keep at most this many newest events (default: EVENT_LOG_MAX_EVENTS; 0: no bound)")
    def prune_events(max_age_days: float | None, max_events: int | None) -> None:
        """Prune the event log now (running servers do it every 10 minutes)."""
        days = app.config["EVENT_LOG_MAX_AGE_DAYS"] if max_age_days is None else max_age_days
        count = app.config["EVENT_LOG_MAX_EVENTS"] if max_events is None else max_events
        deleted = event_log.prune_with(days, count)
        click.echo(f"pruned {deleted} events; the log now starts after event {event_log.pruned_through()}")
