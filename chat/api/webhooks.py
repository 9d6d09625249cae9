"""Incoming webhooks of a workspace: make, list, rename, new secret, revoke. Posting to one is
the /hooks/<secret> door (chat/webhooks), not part of this API."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, public_url, with_body
from chat.api.openapi import operation
from chat.api.schemas import array, ref, wrapped
from chat.core.requests import CreateWebhook, UpdateWebhook
from chat.services import webhooks
from chat.services.payloads import new_webhook_payload, webhook_payload

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
