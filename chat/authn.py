"""Who is asking: a Flask-Login session (browser) or a personal API token (scripts), as an
``Actor`` carrying the client's address and user agent.

Shared by the REST API, the HTML pages and the Socket.IO connection so that every door
authenticates the same way and builds its actor in one place.
"""
from __future__ import annotations

from flask import Request
from flask_login import current_user

from chat.core.actor import Actor, Via
from chat.extensions import login_manager
from chat.models import User
from chat.services import accounts


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    return accounts.load_session_user(session_id)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def token_actor(secret: str, request: Request) -> Actor | None:
    """The owner of the live personal or bot token ``secret`` (``via``: token or bot_token),
    come through ``request``; None for any other secret."""
    return token_actor_from(secret, request.remote_addr, request.headers.get("User-Agent"))


def token_actor_from(secret: str, address: str | None, user_agent: str | None) -> Actor | None:
    """``token_actor`` for a door that has no Flask request (a socket's connect)."""
    found = accounts.authenticate_token(secret)
    if found is None:
        return None
    user, token_id = found
    return Actor.of(user, Via.bot_token if user.is_bot else Via.token, token_id=token_id, address=address,
                    user_agent=user_agent)


def session_actor(request: Request) -> Actor | None:
    """The person signed in with this request's session cookie, or None."""
    if not current_user.is_authenticated:
        return None
    return Actor.of(current_user._get_current_object(), Via.session, address=request.remote_addr,
                    user_agent=request.headers.get("User-Agent"))


def request_actor(request: Request) -> tuple[Actor | None, bool]:
    """(actor, by_token) for a REST request. A request carrying an Authorization header is
    judged by its token alone."""
    if request.headers.get("Authorization"):
        secret = bearer_token(request)
        return (token_actor(secret, request) if secret else None), True
    return session_actor(request), False
