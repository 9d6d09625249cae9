"""Webhooks of a workspace. Incoming: make, list, rename, new secret, revoke (posting to one is
the /hooks/<secret> door, chat/webhooks, not part of this API). Outgoing: make, list, change,
new token, delete (admins)."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, public_url, with_body
from chat.api.openapi import operation
from chat.api.schemas import array, ref, wrapped
from chat.core.requests import CreateOutgoingWebhook, CreateWebhook, UpdateOutgoingWebhook, UpdateWebhook
from chat.services import webhooks
from chat.services.payloads import new_webhook_payload, ok_payload, outgoing_webhook_payload, webhook_payload

ERRORS = {404: ["not_found"]}


@api.get("/workspaces/<int:workspace_id>/webhooks")
@operation("webhooks", ok=wrapped("webhooks", array(ref("Webhook"))),
           ok_description="OK: admins see every webhook of the workspace, others those they made; oldest first",
           errors=ERRORS)
def list_webhooks(workspace_id: int) -> ResponseReturnValue:
    """The workspace's incoming webhooks (no secrets)"""
    return jsonify({"webhooks": [webhook_payload(w) for w in webhooks.list_webhooks(actor(), workspace_id)]})


@api.post("/workspaces/<int:workspace_id>/webhooks")
@operation("webhooks", status=201, ok=ref("NewWebhook"), ok_description="Created: the URL is shown only now",
           errors={400: ["invalid"], 403: ["admin_only", "guest", "bot_not_allowed", "channel_archived",
                                           "not_in_channel", "broadcast_only"], 404: ["not_found"]})
@with_body(CreateWebhook)
def create_webhook(workspace_id: int, data: CreateWebhook) -> ResponseReturnValue:
    """Make an incoming webhook (admins; members too where the workspace allows)

    It posts into `channel_id`, a channel you may post in, as a bot of its own named `name`
    (with a BOT tag), and never where you may not post. POST Slack or Mattermost payloads to
    its `url` (docs/integrations.md).
    """
    view, secret = webhooks.create_webhook(actor(), workspace_id, data.channel_id, data.name, icon_url=data.icon_url)
    return jsonify(new_webhook_payload(view, secret, public_url())), 201


@api.get("/webhooks/<int:webhook_id>")
@operation("webhooks", ok=ref("Webhook"), errors=ERRORS)
def get_webhook(webhook_id: int) -> ResponseReturnValue:
    """One webhook (its workspace's admins and the person who made it)"""
    return jsonify(webhook_payload(webhooks.get_webhook(actor(), webhook_id)))


@api.patch("/webhooks/<int:webhook_id>")
@operation("webhooks", ok=ref("Webhook"), errors=ERRORS)
@with_body(UpdateWebhook)
def update_webhook(webhook_id: int, data: UpdateWebhook) -> ResponseReturnValue:
    """Rename a webhook or change its icon"""
    return jsonify(webhook_payload(webhooks.update_webhook(actor(), webhook_id, data.changes())))


@api.post("/webhooks/<int:webhook_id>/secret")
@operation("webhooks", ok=ref("NewWebhook"), ok_description="OK: the new URL, shown only now; the old one "
                                                            "answers `no_service` from now on",
           errors={**ERRORS, 403: ["webhook_revoked"]})
def regenerate_webhook_secret(webhook_id: int) -> ResponseReturnValue:
    """Give a webhook a new secret URL"""
    view, secret = webhooks.regenerate_secret(actor(), webhook_id)
    return jsonify(new_webhook_payload(view, secret, public_url()))


@api.delete("/webhooks/<int:webhook_id>")
@operation("webhooks", ok=ref("Webhook"), errors=ERRORS)
def revoke_webhook(webhook_id: int) -> ResponseReturnValue:
    """Revoke a webhook (repeating is harmless): its URL answers `no_service`; its posts stay"""
    return jsonify(webhook_payload(webhooks.revoke_webhook(actor(), webhook_id)))


# --- outgoing webhooks ---------------------------------------------------------------------------

OUTGOING_ERRORS = {403: ["admin_only"], 404: ["not_found"]}


@api.get("/workspaces/<int:workspace_id>/outgoing-webhooks")
@operation("webhooks", ok=wrapped("outgoing_webhooks", array(ref("OutgoingWebhook"))),
           ok_description="OK: every outgoing webhook of the workspace, with its token; oldest first",
           errors=OUTGOING_ERRORS)
def list_outgoing_webhooks(workspace_id: int) -> ResponseReturnValue:
    """The workspace's outgoing webhooks (admins)"""
    return jsonify({"outgoing_webhooks": [outgoing_webhook_payload(w)
                                          for w in webhooks.list_outgoing_webhooks(actor(), workspace_id)]})


@api.post("/workspaces/<int:workspace_id>/outgoing-webhooks")
@operation("webhooks", status=201, ok=ref("OutgoingWebhook"), ok_description="Created, with its token",
           errors=OUTGOING_ERRORS)
@with_body(CreateOutgoingWebhook)
def create_outgoing_webhook(workspace_id: int, data: CreateOutgoingWebhook) -> ResponseReturnValue:
    """Make an outgoing webhook (admins)

    A message in one of `channel_ids` (none: any public channel), whose first word matches one
    of `trigger_words` (none: any message; `trigger_when`), is POSTed to each of
    `callback_urls` with the fields of Mattermost's and Slack's outgoing webhooks, as JSON or
    a form (`content_type`). A JSON reply with `text` is posted as the hook, in the thread with
    `"response_type": "comment"` (docs/integrations.md).
    """
    view = webhooks.create_outgoing_webhook(
        actor(), workspace_id, name=data.name, callback_urls=data.callback_urls, channel_ids=data.channel_ids,
        trigger_words=data.trigger_words, trigger_when=data.trigger_when, content_type=data.content_type,
        description=data.description, icon_url=data.icon_url, ignore_bots=data.ignore_bots)
    return jsonify(outgoing_webhook_payload(view)), 201


@api.get("/outgoing-webhooks/<int:outgoing_webhook_id>")
@operation("webhooks", ok=ref("OutgoingWebhook"), errors=OUTGOING_ERRORS)
def get_outgoing_webhook(outgoing_webhook_id: int) -> ResponseReturnValue:
    """One outgoing webhook (its workspace's admins)"""
    return jsonify(outgoing_webhook_payload(webhooks.get_outgoing_webhook(actor(), outgoing_webhook_id)))


@api.patch("/outgoing-webhooks/<int:outgoing_webhook_id>")
@operation("webhooks", ok=ref("OutgoingWebhook"), errors={**OUTGOING_ERRORS, 409: ["nothing_to_match"]})
@with_body(UpdateOutgoingWebhook)
def update_outgoing_webhook(outgoing_webhook_id: int, data: UpdateOutgoingWebhook) -> ResponseReturnValue:
    """Change an outgoing webhook: what it watches, where it sends, its name or icon"""
    return jsonify(outgoing_webhook_payload(
        webhooks.update_outgoing_webhook(actor(), outgoing_webhook_id, data.changes())))


@api.post("/outgoing-webhooks/<int:outgoing_webhook_id>/token")
@operation("webhooks", ok=ref("OutgoingWebhook"), ok_description="OK: with its new token, sent from now on",
           errors=OUTGOING_ERRORS)
def regenerate_outgoing_webhook_token(outgoing_webhook_id: int) -> ResponseReturnValue:
    """Give an outgoing webhook a new token"""
    return jsonify(outgoing_webhook_payload(webhooks.regenerate_token(actor(), outgoing_webhook_id)))


@api.delete("/outgoing-webhooks/<int:outgoing_webhook_id>")
@operation("webhooks", ok=ref("Ok"), errors=OUTGOING_ERRORS)
def delete_outgoing_webhook(outgoing_webhook_id: int) -> ResponseReturnValue:
    """Delete an outgoing webhook: nothing more is sent; its replies stay (their bot deactivated)"""
    webhooks.delete_outgoing_webhook(actor(), outgoing_webhook_id)
    return jsonify(ok_payload())
