"""Who acts, and how they came: the first argument of every service function.

An ``Actor`` is a frozen value built once by the door a call came through (``chat.authn`` for
HTTP requests, ``chat.realtime`` for sockets, ``Actor.cli`` for the command line, ``Actor.job``
for background work). It carries plain copies of the person's fields, never the ORM row, so a
service cannot change the acting person by accident: a service that changes that person's own
record (profile, password) reads the row by ``actor.id`` and writes the row.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

# A client's User-Agent is kept for the record, not in full: a socket holds its actor for hours.
MAX_USER_AGENT = 512


class Via(StrEnum):
    """The door a call came through."""

    session = "session"      # a browser's signed-in cookie session (pages, REST, sockets)
    token = "token"          # a personal API token (scripts, REST, sockets)
    bot_token = "bot_token"  # a bot's token
    webhook = "webhook"      # an incoming webhook
    cli = "cli"              # `flask --app app ...` on the server
    job = "job"              # background work the server does for someone


class _Person(Protocol):
    """What an actor copies from a person (a ``chat.models.User`` row, or a token's owner)."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def is_bot(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting person and their door. Immutable: assigning any field raises
    ``dataclasses.FrozenInstanceError``; use ``refreshed`` for a newer copy of the person."""

    id: int
    username: str
    display_name: str
    email: str
    via: Via
    is_bot: bool = False             # the account is a bot (services refuse bots what only people do)
    token_id: int | None = None      # the personal or bot token the call came with
    address: str | None = None       # the client's IP address (None: cli and jobs)
    user_agent: str | None = None    # the client's User-Agent header, cut at MAX_USER_AGENT

    @classmethod
    def of(cls, user: _Person, via: Via, *, token_id: int | None = None, address: str | None = None,
           user_agent: str | None = None) -> Actor:
        """The person ``user`` acting through ``via``; the one place that reads a person's fields."""
        return cls(id=user.id, username=user.username, display_name=user.display_name, email=user.email,
                   via=via, is_bot=user.is_bot, token_id=token_id, address=address or None,
                   user_agent=user_agent[:MAX_USER_AGENT] if user_agent else None)

    @classmethod
    def cli(cls, user: _Person) -> Actor:
        """The person named on the command line (``chat/cli.py``)."""
        return cls.of(user, Via.cli)

    @classmethod
    def job(cls, user: _Person) -> Actor:
        """The person a background job works for."""
        return cls.of(user, Via.job)

    def refreshed(self, user: _Person) -> Actor:
        """The same door with the person's fields as ``user`` has them now (a re-read row)."""
        if user.id != self.id or user.is_bot != self.is_bot:
            raise ValueError("an actor is refreshed from the same person's row")
        return dataclasses.replace(self, username=user.username, display_name=user.display_name,
                                   email=user.email)
