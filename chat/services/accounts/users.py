"""Accounts: sign up, sign in, profile and personal API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import DateTime, String, bindparam, func, or_, select, update

from chat.core import events, hashing, limits, ratelimits
from chat.core.actor import Actor
from chat.core.concurrency import lock_row, recheck_on_conflict
from chat.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from chat.core.prepared import Prepared
from chat.core.transactions import atomic
from chat.core.validation import check_email, check_password, check_text, check_username
from chat.extensions import db
from chat.models import ApiToken, Bot, User, UserKind
from chat.models._time import utcnow
from chat.services.access import refuse_bots

TOKEN_PREFIX = "chat_"
# Bots' accounts carry an address under this reserved domain (RFC 2606), which nobody can sign
# up with: a bot is never taken for a person who may be reached or invited by email.
BOT_EMAIL_DOMAIN = "bots.invalid"
# A fixed hash to verify against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH: str | None = None


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def _hash(password: str) -> str:
    # Argon2 takes tens of milliseconds of CPU and megabytes of memory: run it off the event
    # loop, a bounded number at a time.
    return hashing.run(_hasher().hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(hashing.run(_hasher().verify, password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def free_username(base: str) -> str:
    """An unused @handle made from ``base`` (a numbered one if taken)."""
    return _free_username(base)


def _free_username(base: str) -> str:
    base = re.sub(r"[^a-z0-9_.-]", "", base.lower())[:24] or "user"
    if len(base) < 2 or not base[0].isalnum():
        base = f"user{base}"[:24]
    candidate, n = base, 1
    while db.session.scalar(select(User.id).where(User.username == candidate)) is not None:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def sign_up(email: object, password: object, display_name: object,
            username: object | None = None, *, address: str | None = None) -> User:
    """A new account. ``address``: where the request came from, counted against the sign-up
    limit (the command line passes none)."""
    if address is not None:
        ratelimits.hit("RATE_LIMIT_SIGNUP", "addr", address)
    email = check_email(email)
    if email.endswith("@" + BOT_EMAIL_DOMAIN):
        raise Invalid(f"addresses at {BOT_EMAIL_DOMAIN} are reserved for bots", field="email")
    password = check_password(password)
    display = check_text(display_name, "display_name", max_length=limits.NAME_LENGTH)
    name = check_username(username) if username is not None else None

    def check_free() -> None:
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            raise Conflict("an account with this email already exists", code="email_taken", field="email")
        if name and db.session.scalar(select(User.id).where(User.username == name)) is not None:
            raise Conflict("this username is taken", code="username_taken", field="username")

    password_hash = _hash(password)  # slow: before the transaction, never under the writer lock
    with recheck_on_conflict(check_free), atomic():
        check_free()
        user = User(email=email, username=name or _free_username(email.split("@")[0]),
                    display_name=display, password_hash=password_hash)
        db.session.add(user)
    return user


def authenticate(email: object, password: object, *, address: str) -> User:
    """The user with these credentials, or Unauthorized (same answer for unknown emails).

    ``address`` is where the attempt came from: attempts and failures are throttled per
    address and per account (core.ratelimits), RateLimited before any password is checked.
    """
    global _DUMMY_HASH
    if not isinstance(email, str) or not isinstance(password, str):
        raise Invalid("email and password are required")
    ratelimits.check_sign_in(email, address)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or _hash("not a real password")
        _verify(_DUMMY_HASH, password)
        ratelimits.sign_in_failed(email, address)
        raise Unauthorized("wrong email or password", code="bad_credentials")
    if user.kind == UserKind.bot:
        # A bot has no password; it acts with a token an admin of its workspace made.
        raise Unauthorized("bots cannot sign in: use a bot token", code="bot_cannot_sign_in")
    if not _verify(user.password_hash, password):
        ratelimits.sign_in_failed(email, address)
        raise Unauthorized("wrong email or password", code="bad_credentials")
    ratelimits.sign_in_succeeded(email, address)
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: "<id>:<epoch>"; a bumped epoch ends every old session. No bot has
    a session."""
    try:
        user_id, epoch = (int(p) for p in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.session_epoch == epoch and not user.is_bot else None


def get_me(actor: Actor) -> User:
    """The acting person's own row (for ``me_payload``)."""
    user = db.session.get(User, actor.id)
    if user is None:
        raise NotFound("account not found")
    return user


def update_profile(actor: Actor, *, display_name: object = None) -> User:
    """Change the acting person's profile; returns their row as stored (the actor keeps the
    values it was built with). A bot's profile is its admins' to change (services.bots)."""
    refuse_bots(actor, "change their own profile")
    display = (check_text(display_name, "display_name", max_length=limits.NAME_LENGTH)
               if display_name is not None else None)
    with atomic():
        user = get_me(actor)
        if display is not None:
            user.display_name = display
    return user


def change_password(actor: Actor, current: object, new: object) -> User:
    """Set a new password and end every other session; returns the row, for the door to sign
    this browser in again. A wrong current password counts as a failed sign-in from the
    actor's address (whoever holds a session must not get unlimited guesses at the password);
    an actor without an address (command line, jobs) is not throttled."""
    refuse_bots(actor, "have a password")
    user = get_me(actor)
    address = actor.address
    if address is not None and isinstance(current, str):
        ratelimits.check_sign_in(user.email, address)
    if not isinstance(current, str) or not _verify(user.password_hash, current):
        if address is not None and isinstance(current, str):
            ratelimits.sign_in_failed(user.email, address)
        # 403, not 401: the person is signed in, and clients treat 401 as "signed out".
        raise Forbidden("the current password is wrong", code="wrong_password", field="current_password")
    new_hash = _hash(check_password(new))
    with atomic():
        user.password_hash = new_hash
        user.session_epoch += 1  # signs out every other session
        # Sockets opened by those sessions close too; clients with valid credentials reconnect.
        events.disconnect_user(user.id)
    return user


# --- personal API tokens -------------------------------------------------------------------

def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(actor: Actor, name: object) -> tuple[ApiToken, str]:
    """A new token of the acting person and its secret; the secret is shown once and only its
    digest is kept. A bot's tokens are made by its admins (``create_bot_token``)."""
    refuse_bots(actor, "create tokens")
    return _create_token(actor.id, name)


def exchange_password(email: object, password: object, name: object, *, address: str) -> tuple[User, ApiToken, str]:
    """Sign in with email and password (``authenticate``) and get a new token for the account:
    (user, token, secret)."""
    user = authenticate(email, password, address=address)
    token, secret = _create_token(user.id, name)
    return user, token, secret


def _create_token(user_id: int, name: object, *, counted_for: int | None = None) -> tuple[ApiToken, str]:
    """A new token of ``user_id``; ``counted_for``: whose RATE_LIMIT_TOKENS it counts against
    (the person making it, when that is not the token's owner)."""
    label = check_text(name, "name", max_length=limits.NAME_LENGTH)
    ratelimits.for_person("RATE_LIMIT_TOKENS", user_id if counted_for is None else counted_for)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with atomic():
        lock_row(User, user_id)  # tokens made at the same moment are counted one after another
        active = db.session.execute(select(func.count()).select_from(ApiToken).where(
            ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))).scalar_one()
        if active >= 100:
            raise Conflict("revoke an old token first: at most 100 active tokens", code="too_many_tokens")
        token = ApiToken(user_id=user_id, name=label, token_digest=_digest(secret), prefix=secret[:12])
        db.session.add(token)
    return token, secret


def list_tokens(actor: Actor) -> list[ApiToken]:
    return list_tokens_of(actor.id)


def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    # Sockets are closed by person (their room reaches every process), so all of the person's
    # sockets close; those opened with a session or another live token reconnect by themselves.
    return revoke_token_of(actor.id, token_id)


def create_bot_token(actor: Actor, bot_id: int, name: object) -> tuple[ApiToken, str]:
    """For the bot's admins (``services.bots`` checks them): a new token of the bot, counted
    against the admin's token limit."""
    return _create_token(bot_id, name, counted_for=actor.id)


def list_tokens_of(user_id: int) -> list[ApiToken]:
    """Every token of an account, newest first (the caller has checked who may see them)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                   .order_by(ApiToken.id.desc())))


def revoke_token_of(user_id: int, token_id: int) -> ApiToken:
    """Revoke a token of this account (the caller has checked who may); its sockets close."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("token not found")
    if token.revoked_at is None:
        with atomic():
            token.revoked_at = utcnow()
            events.disconnect_user(user_id)
    return token


@dataclass(frozen=True)
class TokenOwner:
    """The person a personal token belongs to, as an ``Actor`` copies them."""

    id: int
    username: str
    display_name: str
    email: str
    is_bot: bool


# Every API request and every socket connect asks this; run prepared on the driver, it costs a
# fraction of an ORM query loading two rows (bench/connect_cost.py). ``stale``: the token's
# last use is older than TOKEN_USE_PRECISION, so it is written again. A deactivated bot's
# tokens are dead (people have no bots row: NULL).
TOKEN_USE_PRECISION = timedelta(minutes=5)
_TOKEN_OWNER = Prepared(
    select(ApiToken.id, User.id, User.username, User.display_name, User.email, User.kind,
           or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < bindparam("stale_before", type_=DateTime)))
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Bot, Bot.user_id == User.id)
    .where(ApiToken.token_digest == bindparam("digest", type_=String), ApiToken.revoked_at.is_(None),
           Bot.deactivated_at.is_(None)))


def authenticate_token(secret: str) -> tuple[TokenOwner, int] | None:
    """The account a live token belongs to (a person's, or an active bot's), and the token's
    id; None for anything else."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    now = utcnow()
    rows = _TOKEN_OWNER.rows({"digest": _digest(secret), "stale_before": now - TOKEN_USE_PRECISION})
    if not rows:
        return None
    token_id, user_id, username, display_name, email, kind, stale = rows[0]
    if stale:
        with atomic():  # throttled so the token path stays read-only almost always
            db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
    # A driver value: the enum's stored name.
    return TokenOwner(user_id, username, display_name, email, UserKind[kind] == UserKind.bot), token_id


def dead_token_reason(secret: str) -> str | None:
    """Why a token that ``authenticate_token`` refused does not work, when it is a real one:
    "revoked", or "inactive" (its bot is deactivated); None for a string that was never a
    token. For doors whose protocol tells these apart (Slack's token_revoked and
    account_inactive): whoever holds a revoked secret learns only that it was revoked."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = db.session.execute(select(ApiToken.revoked_at, Bot.deactivated_at).outerjoin(
        Bot, Bot.user_id == ApiToken.user_id).where(ApiToken.token_digest == _digest(secret))).first()
    if row is None:
        return None
    return "revoked" if row[0] is not None else "inactive" if row[1] is not None else None
