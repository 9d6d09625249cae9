"""The delivery log: the requests the server sent integrations (a bot's Events API, and the
outgoing webhooks and slash commands as they come), their attempts, and replay. Workspace
admins only. The deliveries themselves are made and sent by services/integrations/deliveries.py."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, with_query
from chat.api.openapi import operation
from chat.api.schemas import ref
from chat.core import limits
from chat.core.requests import DeliveriesQuery
from chat.services import integrations
from chat.services.payloads import delivery_payload

ERRORS = {403: ["admin_only"], 404: ["not_found"]}


@api.get("/workspaces/<int:workspace_id>/deliveries")
@operation("deliveries", ok=ref("DeliveryPage"), errors=ERRORS)
@with_query(DeliveriesQuery)
def list_deliveries(workspace_id: int, params: DeliveriesQuery) -> ResponseReturnValue:
    """The workspace's deliveries to integrations, newest first, with their attempts (admins)

    Narrow them to one kind of integration (`kind`) or to one integration (`kind` and
    `integration_id`); page back with `before`, the last id of the page you have.
    """
    page = integrations.list_deliveries(actor(), workspace_id, kind=params.kind, integration_id=params.integration_id,
                                        before=params.before, limit=params.limit)
    full = len(page) == (params.limit or limits.DELIVERIES_PAGE.default)
    return jsonify({"deliveries": [delivery_payload(d) for d in page], "has_more": full})


@api.get("/deliveries/<int:delivery_id>")
@operation("deliveries", ok=ref("Delivery"), ok_description="OK: with the body and headers it sends", errors=ERRORS)
def get_delivery(delivery_id: int) -> ResponseReturnValue:
    """One delivery with its attempts, body and headers (its workspace's admins)"""
    return jsonify(delivery_payload(integrations.get_delivery(actor(), delivery_id), detail=True))


@api.post("/deliveries/<int:delivery_id>/replay")
@operation("deliveries", status=201, ok=ref("Delivery"),
           ok_description="Created: the new delivery, queued (it is sent at once, after this answer)",
           errors={400: ["invalid"], **ERRORS})
def replay_delivery(delivery_id: int) -> ResponseReturnValue:
    """Send a delivery again (its workspace's admins)

    A new delivery with the same URL, body and headers, signed afresh, whatever became of the
    first (`replay_of_id` names it); it is retried on failure like any other. A URL the server
    no longer accepts answers `invalid` (field `url`). Counted against
    `RATE_LIMIT_DELIVERY_REPLAYS`.
    """
    replay = integrations.replay_delivery(actor(), delivery_id)
    # The new row comes back without its attempt log (lazy="raise"): read it as the log shows it.
    return jsonify(delivery_payload(integrations.get_delivery(actor(), replay.id))), 201
