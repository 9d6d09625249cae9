"""Workspaces, members, invites and presence."""
from __future__ import annotations

from flask import jsonify, request

from chat.api import actor, api, body, query_choice
from chat.core.validation import check_user_id_list
from chat.services import presence, workspaces
from chat.services.payloads import invite_payload, workspace_payload


@api.get("/workspaces")
def list_workspaces():  # type: ignore[no-untyped-def]
    return jsonify({"workspaces": workspaces.list_workspaces(actor())})


@api.post("/workspaces")
def create_workspace():  # type: ignore[no-untyped-def]
    workspace = workspaces.create_workspace(actor(), body().get("name"))
    return jsonify(workspaces.get_workspace(actor(), workspace.id)), 201


@api.get("/workspaces/<int:workspace_id>")
def get_workspace(workspace_id: int):  # type: ignore[no-untyped-def]
    return jsonify(workspaces.get_workspace(actor(), workspace_id))


@api.patch("/workspaces/<int:workspace_id>")
def update_workspace(workspace_id: int):  # type: ignore[no-untyped-def]
    workspace = workspaces.update_workspace(actor(), workspace_id, body())
    return jsonify(workspace_payload(workspace))


@api.get("/workspaces/<int:workspace_id>/members")
def list_members(workspace_id: int):  # type: ignore[no-untyped-def]
    include_inactive = query_choice("include_inactive", ("0", "1", "false", "true")) in ("1", "true")
    return jsonify({"members": workspaces.list_members(actor(), workspace_id, include_inactive=include_inactive)})


@api.patch("/workspaces/<int:workspace_id>/members/<int:user_id>")
def update_member(workspace_id: int, user_id: int):  # type: ignore[no-untyped-def]
    return jsonify(workspaces.update_member(actor(), workspace_id, user_id, body()))


@api.get("/workspaces/<int:workspace_id>/presence")
def workspace_presence(workspace_id: int):  # type: ignore[no-untyped-def]
    user_ids = check_user_id_list(request.args.get("user_ids"))
    return jsonify(presence.workspace_presence(actor(), workspace_id, user_ids))


@api.get("/workspaces/<int:workspace_id>/invites")
def list_invites(workspace_id: int):  # type: ignore[no-untyped-def]
    return jsonify({"invites": [invite_payload(i) for i in workspaces.list_invites(actor(), workspace_id)]})


@api.post("/workspaces/<int:workspace_id>/invites")
def create_invite(workspace_id: int):  # type: ignore[no-untyped-def]
    data = body()
    invite = workspaces.create_invite(actor(), workspace_id, data.get("role", "member"),
                                      data.get("expires_in_hours", 168))
    return jsonify(invite_payload(invite)), 201


@api.delete("/workspaces/<int:workspace_id>/invites/<int:invite_id>")
def revoke_invite(workspace_id: int, invite_id: int):  # type: ignore[no-untyped-def]
    return jsonify(invite_payload(workspaces.revoke_invite(actor(), workspace_id, invite_id)))


@api.get("/invites/<code>")
def invite_preview(code: str):  # type: ignore[no-untyped-def]
    return jsonify(workspaces.preview_invite(code))


@api.post("/invites/<code>/accept")
def accept_invite(code: str):  # type: ignore[no-untyped-def]
    membership = workspaces.accept_invite(actor(), code)
    return jsonify(workspaces.get_workspace(actor(), membership.workspace_id))
