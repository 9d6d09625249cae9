"""Administration from the command line: ``flask --app app <command>``."""
from __future__ import annotations

import json
import logging
import shlex
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import click
from flask import Flask
from sqlalchemy import select

from chat.core import event_log, jobs
from chat.core.actor import Actor
from chat.core.errors import ChatError
from chat.extensions import db
from chat.models import Bot, User
from chat.models._time import utcnow
from chat.services import accounts, bots, channels, commands, webhooks, workspaces
from chat.services.payloads import new_webhook_payload

_T = TypeVar("_T")

def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


def _actor(email: str) -> Actor:
    """The person named on the command line, acting through it."""
    return Actor.cli(_user(email))


def _bot_owner(bot_id: int) -> Actor:
    """The admin who made the bot, acting through the command line."""
    bot = db.session.get(Bot, bot_id)
    owner = db.session.get(User, bot.owner_id) if bot is not None and bot.owner_id is not None else None
    if bot is None:
        raise click.ClickException(f"no bot with id {bot_id}")
    if owner is None:
        raise click.ClickException(f"bot {bot_id} has no owner any more: name an admin with --by EMAIL")
    return Actor.cli(owner)


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
        user = run(lambda: accounts.sign_up(email, password, display_name, username))
        click.echo(f"user {user.id} {user.email} @{user.username}")

    @app.cli.command("create-workspace")
    @click.argument("name")
    @click.option("--owner", required=True, help="Email of the owner")
    def create_workspace(name: str, owner: str) -> None:
        """Create a workspace (with #general) owned by an existing user."""
        created = run(lambda: workspaces.create_workspace(_actor(owner), name))
        click.echo(f"workspace {created.id} {created.workspace.name}")

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
        created = run(lambda: channels.create_channel(_actor(by_email), workspace_id, name, private=private,
                                                      broadcast=broadcast, topic=topic))
        click.echo(f"channel {created.id} #{created.channel.name}")

    @app.cli.command("create-bot")
    @click.argument("workspace_id", type=int)
    @click.argument("name")
    @click.option("--by", "by_email", required=True, help="Email of the workspace admin who makes (and owns) it")
    @click.option("--handle", default=None, help="Its @username (made from the name if omitted)")
    @click.option("--description", default="", help="What the bot does")
    @click.option("--events-url", default=None,
                  help="Its Events API request URL, set once it answers Slack's url_verification handshake")
    def create_bot(workspace_id: int, name: str, by_email: str, handle: str | None, description: str,
                   events_url: str | None) -> None:
        """Create a bot in the workspace's default channels, with a token. Prints BOT_ID=,
        BOT_TOKEN=, BOT_TOKEN_ID= and SIGNING_SECRET= lines for
        `eval "$(flask --app app create-bot ...)"`, then EVENTS_URL= with --events-url. The
        handshake is signed with the new secret: an app that checks signatures fails it until it
        has the secret, so the bot is made either way, and `update-bot` sets the URL later."""
        admin = _actor(by_email)
        created = run(lambda: bots.create_bot(admin, workspace_id, name, handle=handle, description=description))
        token, secret = run(lambda: bots.create_bot_token(admin, created.id, "command line"))
        click.echo(f"BOT_ID={created.id}")
        click.echo(f"BOT_TOKEN={shlex.quote(secret)}")
        click.echo(f"BOT_TOKEN_ID={token.id}")
        click.echo(f"SIGNING_SECRET={shlex.quote(created.bot.signing_secret)}")
        if events_url is not None:
            view = run(lambda: bots.set_events_url(admin, created.id, events_url))
            click.echo(f"EVENTS_URL={shlex.quote(view.bot.events_url or '')}")

    @app.cli.command("update-bot")
    @click.argument("bot_id", type=int)
    @click.option("--events-url", required=True,
                  help="Where its Events API requests go (it must answer Slack's url_verification); '' for none")
    @click.option("--by", "by_email", default=None,
                  help="Email of the workspace admin making the change (default: the bot's owner)")
    def update_bot(bot_id: int, events_url: str, by_email: str | None) -> None:
        """Set a bot's Events API request URL, once it answers Slack's url_verification
        handshake. Prints an EVENTS_URL= line for `eval "$(flask --app app update-bot ...)"`."""
        admin = _actor(by_email) if by_email else run(lambda: _bot_owner(bot_id))
        view = run(lambda: bots.set_events_url(admin, bot_id, events_url))
        click.echo(f"EVENTS_URL={shlex.quote(view.bot.events_url or '')}")

    @app.cli.command("create-webhook")
    @click.argument("channel_id", type=int)
    @click.option("--by", "by_email", required=True,
                  help="Email of the person who makes (and owns) it: an admin, or a member where allowed")
    @click.option("--name", default="Incoming webhook", show_default=True, help="The name its posts show")
    @click.option("--icon-url", default=None, help="An http(s) picture its posts show")
    def create_webhook(channel_id: int, by_email: str, name: str, icon_url: str | None) -> None:
        """Create an incoming webhook posting into CHANNEL_ID. Prints WEBHOOK_ID= and
        WEBHOOK_URL= lines for `eval "$(flask --app app create-webhook ...)"` (the URL is shown
        only now; its host is PUBLIC_URL, else http://CHAT_HOST:CHAT_PORT)."""
        owner = _actor(by_email)
        workspace_id = run(lambda: webhooks.channel_workspace(channel_id))
        view, secret = run(lambda: webhooks.create_webhook(owner, workspace_id, channel_id, name, icon_url=icon_url))
        base = app.config["PUBLIC_URL"] or f"http://{app.config['CHAT_HOST']}:{app.config['CHAT_PORT']}"
        click.echo(f"WEBHOOK_ID={view.id}")
        click.echo(f"WEBHOOK_URL={shlex.quote(new_webhook_payload(view, secret, base)['url'])}")

    @app.cli.command("create-slash-command")
    @click.argument("workspace_id", type=int)
    @click.argument("name")
    @click.argument("url")
    @click.option("--by", "by_email", required=True, help="Email of the workspace admin who makes it")
    @click.option("--description", default="", help="What it does (shown by /help and the composer)")
    @click.option("--usage-hint", default="", help="What to type after it, such as '[environment]'")
    @click.option("--app-bot", "app_bot_id", type=int, default=None,
                  help="A bot whose signing secret signs its requests (one Slack app, one secret)")
    def create_slash_command(workspace_id: int, name: str, url: str, by_email: str, description: str,
                             usage_hint: str, app_bot_id: int | None) -> None:
        """Create a custom slash command NAME (/deploy) that POSTs Slack's slash-command form to
        URL. Prints SLASH_COMMAND_ID=, SLASH_COMMAND_TOKEN= (Slack's verification token) and
        SIGNING_SECRET= lines for `eval "$(flask --app app create-slash-command ...)"`."""
        admin = _actor(by_email)
        view = run(lambda: commands.create_slash_command(admin, workspace_id, name, url, description=description,
                                                         usage_hint=usage_hint, app_bot_id=app_bot_id))
        click.echo(f"SLASH_COMMAND_ID={view.id}")
        click.echo(f"SLASH_COMMAND_TOKEN={shlex.quote(view.command.token)}")
        click.echo(f"SIGNING_SECRET={shlex.quote(commands.signing_secret_of(view.id) or '')}")

    @app.cli.command("create-outgoing-webhook")
    @click.argument("workspace_id", type=int)
    @click.option("--by", "by_email", required=True, help="Email of the workspace admin who makes (and owns) it")
    @click.option("--name", default="Outgoing webhook", show_default=True, help="The name its replies show")
    @click.option("--url", "urls", multiple=True, required=True, help="A callback URL (repeat for several)")
    @click.option("--channel", "channel_ids", type=int, multiple=True,
                  help="A channel it watches (repeat for several; none: any public channel, with --trigger)")
    @click.option("--trigger", "trigger_words", multiple=True, help="A trigger word (repeat for several)")
    @click.option("--starts-with", is_flag=True, help="The first word starts with a trigger word (else: equals one)")
    @click.option("--form", is_flag=True, help="Send application/x-www-form-urlencoded (else JSON)")
    def create_outgoing_webhook(workspace_id: int, by_email: str, name: str, urls: tuple[str, ...],
                                channel_ids: tuple[int, ...], trigger_words: tuple[str, ...], starts_with: bool,
                                form: bool) -> None:
        """Create an outgoing webhook of WORKSPACE_ID. Prints OUTGOING_WEBHOOK_ID= and
        OUTGOING_WEBHOOK_TOKEN= lines for `eval "$(flask --app app create-outgoing-webhook ...)"`."""
        admin = _actor(by_email)
        view = run(lambda: webhooks.create_outgoing_webhook(
            admin, workspace_id, name=name, callback_urls=list(urls), channel_ids=list(channel_ids),
            trigger_words=list(trigger_words), trigger_when="starts_with" if starts_with else "first_word",
            content_type="application/x-www-form-urlencoded" if form else "application/json"))
        click.echo(f"OUTGOING_WEBHOOK_ID={view.id}")
        click.echo(f"OUTGOING_WEBHOOK_TOKEN={shlex.quote(view.webhook.token)}")

    @app.cli.command("list-bots")
    @click.argument("workspace_id", type=int)
    def list_bots(workspace_id: int) -> None:
        """The workspace's bots: id, @handle, state, live tokens and name, one per line."""
        for view in run(lambda: bots.operator_list_bots(workspace_id)):
            live = sum(1 for t in accounts.list_tokens_of(view.id) if t.revoked_at is None)
            state = "active" if view.bot.deactivated_at is None else "deactivated"
            click.echo(f"bot {view.id} @{view.user.username} {state} tokens={live} {view.user.display_name}")

    @app.cli.command("revoke-bot-token")
    @click.argument("token_id", type=int, required=False)
    @click.option("--bot", "bot_id", type=int, default=None, help="Revoke every live token of this bot instead")
    def revoke_bot_token(token_id: int | None, bot_id: int | None) -> None:
        """Revoke a bot token by its id (from the API's token lists), or all of one bot's."""
        if (token_id is None) == (bot_id is None):
            raise click.UsageError("give a TOKEN_ID or --bot BOT_ID")
        revoked = run(lambda: bots.operator_revoke_bot_tokens(token_id=token_id, bot_id=bot_id))
        for token in revoked:
            click.echo(f"revoked token {token.id} ({token.prefix}...) of bot {token.user_id}")

    @app.cli.command("prune-events")
    @click.option("--max-age-days", type=float, default=None,
                  help="Delete events older than this (default: EVENT_LOG_MAX_AGE_DAYS; 0: no age bound)")
    @click.option("--max-events", type=int, default=None,
                  help="Keep at most this many newest events (default: EVENT_LOG_MAX_EVENTS; 0: no bound)")
    def prune_events(max_age_days: float | None, max_events: int | None) -> None:
        """Prune the event log now (the housekeeping job does it every HOUSEKEEPING_SECONDS)."""
        days = app.config["EVENT_LOG_MAX_AGE_DAYS"] if max_age_days is None else max_age_days
        count = app.config["EVENT_LOG_MAX_EVENTS"] if max_events is None else max_events
        deleted = event_log.prune_with(days, count)
        click.echo(f"pruned {deleted} events; the log now starts after event {event_log.pruned_through()}")

    @app.cli.group("jobs", invoke_without_command=True)
    @click.option("--limit", default=50, show_default=True, help="Jobs shown per section")
    @click.pass_context
    def jobs_command(ctx: click.Context, limit: int) -> None:
        """Background jobs waiting, queued, scheduled, running and failed."""
        if ctx.invoked_subcommand is not None:
            return
        click.echo(f"queue: {jobs.queue().url.split('://')[0]}; "
                   + ", ".join(f"{n} {section}" for section, n in jobs.counts().items()))
        for section, listed in jobs.overview(limit).items():
            click.echo(f"\n{section} ({len(listed)}{'+' if len(listed) == limit else ''}):")
            for item in listed:
                when = f" {item.when:%Y-%m-%d %H:%M:%S}Z" if item.when else ""
                note = f"  [{item.note}]" if item.note else ""
                click.echo(f"  {item.name} {json.dumps(item.kwargs)}{when}{note}")

    @jobs_command.command("retry")
    @click.argument("failed_id", type=int)
    def jobs_retry(failed_id: int) -> None:
        """Queue a failed job again (its number is in the failed list)."""
        try:
            row = jobs.retry_failed(failed_id)
        except LookupError as err:
            raise click.ClickException(str(err)) from None
        click.echo(f"queued {row.name} {row.kwargs} again")

    @jobs_command.command("enqueue")
    @click.argument("name")
    @click.option("--kwargs", "kwargs_json", default="{}", help="The job's arguments, a JSON object")
    @click.option("--delay", type=float, default=0, help="Run it no sooner than this many seconds from now")
    def jobs_enqueue(name: str, kwargs_json: str, delay: float) -> None:
        """Queue a job by hand, e.g. `jobs enqueue housekeeping.prune-events`."""
        try:
            kwargs = json.loads(kwargs_json)
        except ValueError as err:
            raise click.ClickException(f"--kwargs is not JSON: {err}") from None
        if name not in jobs.registered() or not isinstance(kwargs, dict):
            raise click.ClickException(f"no job {name!r} (known: {', '.join(sorted(jobs.registered()))})"
                                       if name not in jobs.registered() else "--kwargs must be a JSON object")
        jobs.submit(name, at=utcnow() + timedelta(seconds=delay) if delay > 0 else None, **kwargs)
        click.echo(f"queued {name} {json.dumps(kwargs)}")

    @app.cli.command("worker")
    @click.option("--workers", type=int, default=None, help="Worker threads (default: JOB_WORKERS, at least 1)")
    def worker(workers: int | None) -> None:
        """Run background jobs in this process until stopped (SIGINT: finish the running ones;
        SIGTERM: queue them again). Needs the Redis queue shared with the servers."""
        queue = jobs.queue()
        if not queue.shared:
            raise click.ClickException(
                "the job queue is the embedded SQLite file: `python app.py` runs its jobs itself. "
                "Set MESSAGE_QUEUE_URL (or JOB_QUEUE_URL) to a Redis URL to run workers apart.")
        count = workers or max(app.config["JOB_WORKERS"], 1)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("huey").setLevel(logging.WARNING)
        click.echo(f"jobs worker: {count} workers on {queue.url}", err=True)
        jobs.run_workers(app, count)
