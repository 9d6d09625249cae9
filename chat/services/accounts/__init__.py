"""Accounts: sign-up, sign-in, sessions, profile and personal API tokens.

Modules: ``users`` (people, passwords, sessions, tokens). A new account feature (single sign-on,
two-factor, ...) is a module here, its public names re-exported below."""

from chat.services.accounts.users import (
    TOKEN_PREFIX,
    TOKEN_USE_PRECISION,
    TokenOwner,
    authenticate,
    authenticate_token,
    change_password,
    create_token,
    exchange_password,
    get_me,
    list_tokens,
    load_session_user,
    revoke_token,
    sign_up,
    update_profile,
)

__all__ = [
    "TOKEN_PREFIX",
    "TOKEN_USE_PRECISION",
    "TokenOwner",
    "authenticate",
    "authenticate_token",
    "change_password",
    "create_token",
    "exchange_password",
    "get_me",
    "list_tokens",
    "load_session_user",
    "revoke_token",
    "sign_up",
    "update_profile",
]
