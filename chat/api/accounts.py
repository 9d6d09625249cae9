"""Accounts and personal API tokens."""
from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_login import login_user

from chat.api import actor, api, body
from chat.core.actor import Via
from chat.extensions import csrf
from chat.services import users
from chat.services.payloads import me_payload, new_token_payload, token_payload


@api.post("/auth/signup")
@csrf.exempt
def signup() -> ResponseReturnValue:
    """Create an account (scripts and tests); browsers use the /signup page."""
    data = body()
    user = users.sign_up(data.get("email"), data.get("password"), data.get("display_name"),
                         data.get("username"), address=request.remote_addr)
    return jsonify({"user": me_payload(user)}), 201


@api.post("/auth/token")
@csrf.exempt
def create_token_with_password() -> ResponseReturnValue:
    """Exchange email and password for a new personal API token."""
    data = body()
    user, token, secret = users.exchange_password(data.get("email"), data.get("password"),
                                                  data.get("name", "API token"), address=request.remote_addr or "")
    return jsonify(new_token_payload(token, secret, user)), 201


@api.get("/me")
def get_me() -> ResponseReturnValue:
    return jsonify(me_payload(users.get_me(actor())))


@api.patch("/me")
def update_me() -> ResponseReturnValue:
    data = body()
    return jsonify(me_payload(users.update_profile(actor(), display_name=data.get("display_name"))))


@api.post("/me/password")
def change_password() -> ResponseReturnValue:
    """Change the password; every other browser session ends (API tokens stay valid)."""
    data = body()
    user = users.change_password(actor(), data.get("current_password"), data.get("new_password"))
    if actor().via == Via.session:
        login_user(user)  # re-issue this browser's session under the new epoch so it stays signed in
    return jsonify(me_payload(user))


@api.get("/tokens")
def list_tokens() -> ResponseReturnValue:
    return jsonify({"tokens": [token_payload(t) for t in users.list_tokens(actor())]})


@api.post("/tokens")
def create_token() -> ResponseReturnValue:
    token, secret = users.create_token(actor(), body().get("name"))
    return jsonify(new_token_payload(token, secret)), 201


@api.delete("/tokens/<int:token_id>")
def revoke_token(token_id: int) -> ResponseReturnValue:
    return jsonify(token_payload(users.revoke_token(actor(), token_id)))
