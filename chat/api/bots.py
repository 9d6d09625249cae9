"""Bot users of a workspace, their tokens and signing secrets."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, with_body
from chat.api.openapi import operation
from chat.api.schemas import array, ref, wrapped
from chat.core.requests import CreateBot, CreateToken, UpdateBot
from chat.services import bots
from chat.services.payloads import bot_payload, new_token_payload, signing_secret_payload, token_payload

ADMIN_ERRORS = {403: ["admin_only"], 404: ["not_found"]}


@api.get("/workspaces/<int:workspace_id>/bots")
@operation("bots", ok=wrapped("bots", array(ref("Bot"))), ok_description="OK: deactivated ones too, oldest first",
           errors={404: ["not_found"]})
def list_bots(workspace_id: int) -> ResponseReturnValue:
    """The workspace's bots (any member; no secrets)"""
    listed = bots.list_bots(actor(), workspace_id)
    admin = bots.is_admin_of(actor(), workspace_id)
    return jsonify({"bots": [bot_payload(b, admin=admin) for b in listed]})


@api.post("/workspaces/<int:workspace_id>/bots")
@operation("bots", status=201, ok=ref("Bot"), ok_description="Created, in the workspace's default channels",
           errors={**ADMIN_ERRORS, 409: ["username_taken"]})
@with_body(CreateBot)
def create_bot(workspace_id: int, data: CreateBot) -> ResponseReturnValue:
    """Create a bot (admins)

    The bot is a member of the workspace that sees only the channels it is added to. It has no
    password and never signs in: make it a token with POST /bots/{bot_id}/tokens.
    """
    view = bots.create_bot(actor(), workspace_id, data.name, handle=data.handle, description=data.description,
                           icon_url=data.icon_url, ignore_bots=data.ignore_bots)
    return jsonify(bot_payload(view, admin=True)), 201


@api.get("/bots/<int:bot_id>")
@operation("bots", ok=ref("Bot"), errors={404: ["not_found"]})
def get_bot(bot_id: int) -> ResponseReturnValue:
    """One bot of your workspace"""
    view = bots.get_bot(actor(), bot_id)
    return jsonify(bot_payload(view, admin=bots.is_admin_of(actor(), view.bot.workspace_id)))


@api.patch("/bots/<int:bot_id>")
@operation("bots", ok=ref("Bot"), errors={**ADMIN_ERRORS, 400: ["events_url_unverified"]})
@with_body(UpdateBot)
def update_bot(bot_id: int, data: UpdateBot) -> ResponseReturnValue:
    """Change a bot's name, description, icon, ignore_bots or Events API URL (admins)

    A new `events_url` is saved only once it answers Slack's `url_verification` handshake: a
    signed POST of `{"token", "challenge", "type": "url_verification"}` answered with 200 and the
    challenge (plain text, `challenge=...` or JSON `{"challenge": ...}`). Otherwise 400
    `events_url_unverified` says why, and nothing changes. Empty or null: no URL.
    """
    return jsonify(bot_payload(bots.update_bot(actor(), bot_id, data.changes()), admin=True))


@api.post("/bots/<int:bot_id>/deactivate")
@operation("bots", ok=ref("Bot"), errors=ADMIN_ERRORS)
def deactivate_bot(bot_id: int) -> ResponseReturnValue:
    """Deactivate a bot (admins; repeating is harmless)

    Its tokens are refused (401) and its open sockets close at once; it keeps its channels,
    tokens and history for a reactivation.
    """
    return jsonify(bot_payload(bots.set_bot_active(actor(), bot_id, False), admin=True))


@api.post("/bots/<int:bot_id>/reactivate")
@operation("bots", ok=ref("Bot"), errors=ADMIN_ERRORS)
def reactivate_bot(bot_id: int) -> ResponseReturnValue:
    """Reactivate a bot (admins; its tokens not revoked work again)"""
    return jsonify(bot_payload(bots.set_bot_active(actor(), bot_id, True), admin=True))


@api.get("/bots/<int:bot_id>/signing-secret")
@operation("bots", ok=ref("SigningSecret"), errors=ADMIN_ERRORS)
def get_signing_secret(bot_id: int) -> ResponseReturnValue:
    """The bot's signing secret (admins)

    Requests the server makes to the bot are signed with it (Slack's v0 scheme), so the bot
    can check they come from here.
    """
    return jsonify(signing_secret_payload(bot_id, bots.signing_secret(actor(), bot_id)))


@api.get("/bots/<int:bot_id>/tokens")
@operation("bots", ok=wrapped("tokens", array(ref("Token"))), errors=ADMIN_ERRORS)
def list_bot_tokens(bot_id: int) -> ResponseReturnValue:
    """The bot's tokens, newest first, revoked ones included (admins)"""
    return jsonify({"tokens": [token_payload(t) for t in bots.list_bot_tokens(actor(), bot_id)]})


@api.post("/bots/<int:bot_id>/tokens")
@operation("bots", status=201, ok=ref("NewToken"), ok_description="Created: the secret is shown only now",
           errors={**ADMIN_ERRORS, 409: ["too_many_tokens", "bot_deactivated"]})
@with_body(CreateToken)
def create_bot_token(bot_id: int, data: CreateToken) -> ResponseReturnValue:
    """Create a bot token (admins)

    The bot acts with it as `Authorization: Bearer <token>` on the REST API and the Socket.IO
    connection, exactly like a personal token. At most 100 active tokens per bot.
    """
    token, secret = bots.create_bot_token(actor(), bot_id, data.name)
    return jsonify(new_token_payload(token, secret)), 201


@api.delete("/bots/<int:bot_id>/tokens/<int:token_id>")
@operation("bots", ok=ref("Token"), errors=ADMIN_ERRORS)
def revoke_bot_token(bot_id: int, token_id: int) -> ResponseReturnValue:
    """Revoke a bot token (admins; repeating is harmless); the bot's open sockets close"""
    return jsonify(token_payload(bots.revoke_bot_token(actor(), bot_id, token_id)))
