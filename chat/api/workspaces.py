"""Workspaces, members, invites and presence."""
from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from chat.api import actor, api, body, query_choice
from chat.services import presence, workspaces
from chat.services.payloads import invite_payload, workspace_member_payload, workspace_payload, workspace_view_payload


@api.get("/workspaces")
def list_workspaces() -> ResponseReturnValue:
    return jsonify({"workspaces": workspaces.list_workspaces(actor())})


@api.post("/workspaces")
def create_workspace() -> ResponseReturnValue:
    return jsonify(workspace_view_payload(workspaces.create_workspace(actor(), body().get("name")))), 201


@api.get("/workspaces/<int:workspace_id>")
def get_workspace(workspace_id: int) -> ResponseReturnValue:
    return jsonify(workspace_view_payload(workspaces.get_workspace(actor(), workspace_id)))


@api.patch("/workspaces/<int:workspace_id>")
def update_workspace(workspace_id: int) -> ResponseReturnValue:
    workspace = workspaces.update_workspace(actor(), workspace_id, body())
    return jsonify(workspace_payload(workspace))


@api.get("/workspaces/<int:workspace_id>/members")
def list_members(workspace_id: int) -> ResponseReturnValue:
    include_inactive = query_choice("include_inactive", ("0", "1", "false", "true")) in ("1", "true")
    return jsonify({"members": workspaces.list_members(actor(), workspace_id, include_inactive=include_inactive)})


@api.patch("/workspaces/<int:workspace_id>/members/<int:user_id>")
def update_member(workspace_id: int, user_id: int) -> ResponseReturnValue:
    return jsonify(workspace_member_payload(workspaces.update_member(actor(), workspace_id, user_id, body())))


@api.get("/workspaces/<int:workspace_id>/presence")
def workspace_presence(workspace_id: int) -> ResponseReturnValue:
    user_ids = presence.check_user_ids(request.args.get("user_ids"))
    return jsonify(presence.workspace_presence(actor(), workspace_id, user_ids))


@api.get("/workspaces/<int:workspace_id>/invites")
def list_invites(workspace_id: int) -> ResponseReturnValue:
    return jsonify({"invites": [invite_payload(i) for i in workspaces.list_invites(actor(), workspace_id)]})


@api.post("/workspaces/<int:workspace_id>/invites")
def create_invite(workspace_id: int) -> ResponseReturnValue:
    data = body()
    invite = workspaces.create_invite(actor(), workspace_id, data.get("role", "member"),
                                      data.get("expires_in_hours", 168))
    return jsonify(invite_payload(invite)), 201


@api.delete("/workspaces/<int:workspace_id>/invites/<int:invite_id>")
def revoke_invite(workspace_id: int, invite_id: int) -> ResponseReturnValue:
    return jsonify(invite_payload(workspaces.revoke_invite(actor(), workspace_id, invite_id)))


@api.get("/invites/<code>")
def invite_preview(code: str) -> ResponseReturnValue:
    return jsonify(workspaces.preview_invite(code))


@api.post("/invites/<code>/accept")
def accept_invite(code: str) -> ResponseReturnValue:
    return jsonify(workspace_view_payload(workspaces.accept_invite(actor(), code)))
