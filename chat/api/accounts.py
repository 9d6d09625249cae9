"""Accounts and personal API tokens."""
from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import login_user

from chat.api import actor, api, with_body
from chat.api.openapi import operation
from chat.api.schemas import array, ref, wrapped
from chat.core.actor import Via
from chat.core.requests import ChangePassword, CreateToken, SignIn, SignUp, UpdateMe
from chat.extensions import csrf
from chat.services import accounts
from chat.services.payloads import me_payload, new_token_payload, token_payload


@api.post("/auth/signup")
@csrf.exempt
@operation("accounts", status=201, ok=wrapped("user", ref("Me")),
           ok_description="Created. Sign in with POST /auth/token.",
           errors={400: ["invalid"], 409: ["email_taken", "username_taken", "conflict"], 503: ["busy"]})
@with_body(SignUp)
def signup(data: SignUp) -> ResponseReturnValue:
    """Create an account"""
    # For scripts and tests; browsers use the /signup page.
    user = accounts.sign_up(data.email, data.password, data.display_name, data.username, address=request.remote_addr)
    return jsonify({"user": me_payload(user)}), 201


@api.post("/auth/token")
@csrf.exempt
@operation("accounts", status=201, ok=ref("NewToken"), ok_description="Created",
           errors={401: ["bad_credentials", "bot_cannot_sign_in"], 409: ["too_many_tokens"], 503: ["busy"]})
@with_body(SignIn)
def create_token_with_password(data: SignIn) -> ResponseReturnValue:
    """Exchange email and password for an API token"""
    user, token, secret = accounts.exchange_password(data.email, data.password, data.name,
                                                  address=request.remote_addr or "")
    return jsonify(new_token_payload(token, secret, user)), 201


@api.get("/me")
@operation("accounts", ok=ref("Me"))
def get_me() -> ResponseReturnValue:
    """Your account"""
    return jsonify(me_payload(accounts.get_me(actor())))


@api.patch("/me")
@operation("accounts", ok=ref("Me"), errors={403: ["bot_not_allowed"]})
@with_body(UpdateMe)
def update_me(data: UpdateMe) -> ResponseReturnValue:
    """Change your display name"""
    return jsonify(me_payload(accounts.update_profile(actor(), display_name=data.display_name)))


@api.post("/me/password")
@operation("accounts", ok=ref("Me"), errors={403: ["wrong_password", "bot_not_allowed"], 503: ["busy"]})
@with_body(ChangePassword)
def change_password(data: ChangePassword) -> ResponseReturnValue:
    """Change your password

    Signs out every other browser session at once; the session making the request stays signed
    in. API tokens stay valid: revoke them with DELETE /tokens/{token_id}.
    """
    user = accounts.change_password(actor(), data.current_password, data.new_password)
    if actor().via == Via.session:
        login_user(user)  # re-issue this browser's session under the new epoch so it stays signed in
    return jsonify(me_payload(user))


@api.get("/tokens")
@operation("accounts", ok=wrapped("tokens", array(ref("Token"))))
def list_tokens() -> ResponseReturnValue:
    """Your API tokens, newest first (revoked ones included)"""
    return jsonify({"tokens": [token_payload(t) for t in accounts.list_tokens(actor())]})


@api.post("/tokens")
@operation("accounts", status=201, ok=ref("NewToken"), ok_description="Created",
           errors={403: ["bot_not_allowed"], 409: ["too_many_tokens"]})
@with_body(CreateToken)
def create_token(data: CreateToken) -> ResponseReturnValue:
    """Create an API token

    At most 100 active tokens per person.
    """
    token, secret = accounts.create_token(actor(), data.name)
    return jsonify(new_token_payload(token, secret)), 201


@api.delete("/tokens/<int:token_id>")
@operation("accounts", ok=ref("Token"), errors={404: ["not_found"]})
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke an API token (repeating is harmless)"""
    return jsonify(token_payload(accounts.revoke_token(actor(), token_id)))
