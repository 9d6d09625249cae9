"""The built-in slash commands, run in the server without any request: ``/me``, ``/shrug``,
``/topic``, ``/invite``, ``/leave``, ``/mute`` and ``/help``.

Each is a thin shell over the service that does the work (``send_message``, the channel
service's ``update_channel``, ``add_member``, ``leave_channel``, ``set_muted``), so the same
permission checks apply as anywhere else and a refusal is that service's error. What they have
to say to the person who ran them is an ephemeral message (``messages.ephemeral``), from the
server itself (no author), as Slack's built-ins answer through Slackbot.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy import func, select

from chat.core import ratelimits
from chat.core.actor import Actor
from chat.core.errors import Invalid, NotFound
from chat.extensions import db
from chat.models import Channel, Membership, User
from chat.services import channels, messages
from chat.services.access import ChannelAccess
from chat.services.messages import ephemeral

SHRUG = "¯\\\\\\_(ツ)\\_/¯"  # Markdown for ¯\_(ツ)_/¯ (as Mattermost writes it): the arm survives rendering
_PERSON = re.compile(r"@([A-Za-z0-9][A-Za-z0-9_.-]{0,31})")
_CHANNEL = re.compile(r"#([a-z0-9][a-z0-9_-]{0,79})")


@dataclass
class Ran:
    """What running a command did, as the door answers it: ``done`` (a built-in ran) or
    ``sent`` (a custom command's request is on its way; its answer comes later), the message
    it posted and the ephemeral message it showed, if any."""

    status: Literal["done", "sent"] = "done"
    message: dict[str, Any] | None = None
    ephemeral: dict[str, Any] | None = None


class Catalogued(Protocol):
    """A command as ``/help`` lists it (``commands.Listed``)."""

    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def usage_hint(self) -> str: ...
    @property
    def builtin(self) -> bool: ...


@dataclass(frozen=True)
class Context:
    """One run: who, where (the caller may post there: checked), with what text."""

    actor: Actor
    access: ChannelAccess
    text: str
    thread_root_id: int | None
    catalog: Callable[[], Sequence[Catalogued]] = field(default=list)  # every command of the workspace

    @property
    def channel_id(self) -> int:
        return self.access.channel.id

    @property
    def workspace_id(self) -> int:
        return self.access.channel.workspace_id

    def tell(self, body: str) -> dict[str, Any]:
        """Show the caller a note from the server, in the channel (and thread) they ran it in."""
        return ephemeral.show(self.actor.id, self.workspace_id, self.channel_id, author=None, body=body,
                              thread_root_id=self.thread_root_id)


@dataclass(frozen=True)
class Builtin:
    name: str
    description: str
    usage_hint: str
    run: Callable[[Context], Ran]


def _where(ctx: Context) -> str:
    channel = ctx.access.channel
    return "this conversation" if channel.kind.is_direct else f"#{channel.name}"


def _post(ctx: Context, body: str, subtype: str | None = None) -> Ran:
    ratelimits.for_person("RATE_LIMIT_SENDS", ctx.actor.id)
    payload, _ = messages.send_message(ctx.actor, ctx.channel_id, body, thread_root_id=ctx.thread_root_id,
                                       subtype=subtype)
    return Ran(message=payload)


def me(ctx: Context) -> Ran:
    if not ctx.text:
        raise Invalid("say what you do: /me [message]", field="text")
    return _post(ctx, ctx.text, subtype="me_message")


def shrug(ctx: Context) -> Ran:
    return _post(ctx, f"{ctx.text} {SHRUG}".strip())


def topic(ctx: Context) -> Ran:
    if not ctx.text:
        current = ctx.access.channel.topic
        note = f"The topic of {_where(ctx)} is: {current}" if current else f"{_where(ctx)} has no topic."
        return Ran(ephemeral=ctx.tell(f"{note} Set it with `/topic [text]`."))
    channel = channels.update_channel(ctx.actor, ctx.channel_id, {"topic": ctx.text})
    return Ran(ephemeral=ctx.tell(f"You set the topic of {_where(ctx)}: {channel.topic}"))


def invite(ctx: Context) -> Ran:
    names = [m.group(1).rstrip(".-").lower() for m in _PERSON.finditer(ctx.text)]
    rooms = _CHANNEL.findall(ctx.text.lower())
    if not names or len(rooms) > 1 or _PERSON.sub("", _CHANNEL.sub("", ctx.text)).strip(" ,"):
        raise Invalid("name people and, if not here, one channel: /invite @person [@person...] [#channel]",
                      field="text")
    people = dict(db.session.execute(
        select(func.lower(User.username), User.id).join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == ctx.workspace_id, Membership.active,
               func.lower(User.username).in_(names))).tuples().all())
    missing = [n for n in names if n not in people]
    if missing:
        raise NotFound(f"nobody called @{missing[0]} in this workspace", code="user_not_found")
    target = ctx.channel_id
    where = _where(ctx)
    if rooms:
        found = db.session.scalar(select(Channel.id).where(Channel.workspace_id == ctx.workspace_id,
                                                           Channel.name == rooms[0]))
        if found is None:
            raise NotFound("channel not found")
        target, where = found, f"#{rooms[0]}"
    for name in dict.fromkeys(names):
        channels.add_member(ctx.actor, target, people[name])
    added = ", ".join(f"@{n}" for n in dict.fromkeys(names))
    return Ran(ephemeral=ctx.tell(f"{added} {'is' if len(set(names)) == 1 else 'are'} in {where} now."))


def leave(ctx: Context) -> Ran:
    if ctx.text:
        raise Invalid("/leave takes no text: it leaves this channel", field="text")
    channels.leave_channel(ctx.actor, ctx.channel_id)
    return Ran()


def mute(ctx: Context) -> Ran:
    member = ctx.access.member
    muted = not (member is not None and member.muted)
    channels.set_muted(ctx.actor, ctx.channel_id, muted)
    if muted:
        note = (f"You muted {_where(ctx)}: its new messages make no badge or notification, except those that "
                "mention you. `/mute` again to unmute it.")
    else:
        note = f"You unmuted {_where(ctx)}."
    return Ran(ephemeral=ctx.tell(note))


_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+!|~-])")


def _plain(text: str) -> str:
    """Text shown as it is written inside Markdown (descriptions are plain text)."""
    return _MARKDOWN.sub(r"\\\1", text)


def help_(ctx: Context) -> Ran:
    lines = ["**Slash commands** you can use here:"]
    for command in ctx.catalog():
        usage = f" {command.usage_hint}" if command.usage_hint else ""
        about = f": {_plain(command.description)}" if command.description else ""
        origin = "" if command.builtin else " _(custom)_"
        lines.append(f"- `{command.name}{usage}`{about}{origin}")
    lines.append("Start a message with `//` to send text that begins with a slash.")
    return Ran(ephemeral=ctx.tell("\n".join(lines)))


BUILTINS: dict[str, Builtin] = {b.name: b for b in (
    Builtin("me", "Show your text as an action (in italics)", "[message]", me),
    Builtin("shrug", "Add ¯\\_(ツ)_/¯ to your message", "[message]", shrug),
    Builtin("topic", "Set the channel's topic", "[text]", topic),
    Builtin("invite", "Add people to this channel, or to another", "@person [@person...] [#channel]", invite),
    Builtin("leave", "Leave this channel", "", leave),
    Builtin("mute", "Mute or unmute this channel: no badge or notification except for mentions", "", mute),
    Builtin("help", "List the commands you can use", "", help_),
)}
