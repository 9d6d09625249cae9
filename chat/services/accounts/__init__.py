"""Accounts: sign-up, sign-in, sessions, profile and personal API tokens.

Modules: ``users`` (people, passwords, sessions, tokens). A new account feature (single sign-on,
two-factor, ...) is a module here, its public names re-exported below."""

from chat.services.accounts.users import (
    BOT_EMAIL_DOMAIN,
    TOKEN_PREFIX,
    TOKEN_USE_PRECISION,
    TokenOwner,
    authenticate,
    authenticate_token,
    change_password,
    create_bot_token,
    create_token,
    exchange_password,
    free_username,
    get_me,
    list_tokens,
    list_tokens_of,
    load_session_user,
    revoke_token,
    revoke_token_of,
    sign_up,
    update_profile,
)

__all__ = [
    "BOT_EMAIL_DOMAIN",
    "TOKEN_PREFIX",
    "TOKEN_USE_PRECISION",
    "TokenOwner",
    "authenticate",
    "authenticate_token",
    "change_password",
    "create_bot_token",
    "create_token",
    "exchange_password",
    "free_username",
    "get_me",
    "list_tokens",
    "list_tokens_of",
    "load_session_user",
    "revoke_token",
    "revoke_token_of",
    "sign_up",
    "update_profile",
]
