"""Who is asking: a Flask-Login session (browser) or a personal API token (scripts).

Shared by the REST API, the HTML pages and the Socket.IO connection so that every door
authenticates the same way.
"""
from __future__ import annotations

from flask import Request
from flask_login import current_user

from chat.extensions import login_manager
from chat.models import User
from chat.services import users


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    return users.load_session_user(session_id)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def request_actor(request: Request) -> tuple[User | None, bool]:
    """(user, by_token). A request carrying a token is judged by the token alone."""
    if request.headers.get("Authorization"):
        secret = bearer_token(request)
        return (users.user_for_token(secret) if secret else None), True
    if current_user.is_authenticated:
        return current_user._get_current_object(), False
    return None, False
