"""Workspaces, members, invites and presence."""
from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from chat.api import actor, api, with_body, with_query
from chat.api.openapi import operation
from chat.api.schemas import array, obj, ref, wrapped
from chat.core.requests import CreateInvite, CreateWorkspace, MembersQuery, PresenceQuery, UpdateMember, UpdateWorkspace
from chat.services import presence, workspaces
from chat.services.payloads import invite_payload, workspace_member_payload, workspace_payload, workspace_view_payload

PRESENCE = obj({"presence": {"type": "object", "propertyNames": {"pattern": "^[1-9][0-9]*$"},
                             "additionalProperties": {"type": "string", "enum": [presence.ONLINE, presence.AWAY]},
                             "description": "user id -> status; people without an open socket "
                                            "(offline) are absent"},
                "live": {"type": "boolean",
                         "description": "whether presence.changed is pushed for this workspace"}})


@api.get("/workspaces")
@operation("workspaces", ok=wrapped("workspaces", array(ref("Workspace"))))
def list_workspaces() -> ResponseReturnValue:
    """Your workspaces with unread and mention badges"""
    return jsonify({"workspaces": workspaces.list_workspaces(actor())})


@api.post("/workspaces")
@operation("workspaces", status=201, ok=ref("Workspace"), ok_description="Created, with #general",
           errors={403: ["bot_not_allowed"]})
@with_body(CreateWorkspace)
def create_workspace(data: CreateWorkspace) -> ResponseReturnValue:
    """Create a workspace (you become its owner)"""
    return jsonify(workspace_view_payload(workspaces.create_workspace(actor(), data.name))), 201


@api.get("/workspaces/<int:workspace_id>")
@operation("workspaces", ok=ref("Workspace"), errors={404: ["not_found"]})
def get_workspace(workspace_id: int) -> ResponseReturnValue:
    """One of your workspaces"""
    return jsonify(workspace_view_payload(workspaces.get_workspace(actor(), workspace_id)))


@api.patch("/workspaces/<int:workspace_id>")
@operation("workspaces", ok=ref("Workspace"), ok_description="OK (without `role`)",
           errors={403: ["admin_only"], 404: ["not_found"]})
@with_body(UpdateWorkspace)
def update_workspace(workspace_id: int, data: UpdateWorkspace) -> ResponseReturnValue:
    """Rename a workspace or set its file size limit (admins)"""
    workspace = workspaces.update_workspace(actor(), workspace_id, data.changes())
    return jsonify(workspace_payload(workspace))


@api.get("/workspaces/<int:workspace_id>/members")
@operation("workspaces", ok=wrapped("members", array(ref("Member"))), errors={404: ["not_found"]})
@with_query(MembersQuery)
def list_members(workspace_id: int, params: MembersQuery) -> ResponseReturnValue:
    """The workspace's members"""
    return jsonify({"members": workspaces.list_members(actor(), workspace_id,
                                                       include_inactive=params.include_inactive)})


@api.patch("/workspaces/<int:workspace_id>/members/<int:user_id>")
@operation("workspaces", ok=ref("Member"),
           errors={403: ["admin_only", "owner_only", "bot_account"], 404: ["not_found"], 409: ["last_owner"]})
@with_body(UpdateMember)
def update_member(workspace_id: int, user_id: int, data: UpdateMember) -> ResponseReturnValue:
    """Change a member's role or deactivate/reactivate them (admins)

    Admins manage members and guests; only owners change admins and owners; a workspace keeps at
    least one active owner. Deactivating or changing the role closes the person's open sockets.
    """
    return jsonify(workspace_member_payload(workspaces.update_member(actor(), workspace_id, user_id,
                                                                     data.changes())))


@api.get("/workspaces/<int:workspace_id>/presence")
@operation("workspaces", ok=PRESENCE, errors={404: ["not_found"]})
@with_query(PresenceQuery)
def workspace_presence(workspace_id: int, params: PresenceQuery) -> ResponseReturnValue:
    """Who is connected

    In workspaces of more than PRESENCE_PUSH_LIMIT (100) active members, changes are not pushed
    (`live` is false): poll every 60 s for the people you show, naming them in `user_ids`
    (docs/realtime.md).
    """
    return jsonify(presence.workspace_presence(actor(), workspace_id, params.user_ids))


@api.get("/workspaces/<int:workspace_id>/invites")
@operation("workspaces", ok=wrapped("invites", array(ref("Invite"))),
           ok_description="OK: not revoked, not expired, newest first",
           errors={403: ["admin_only"], 404: ["not_found"]})
def list_invites(workspace_id: int) -> ResponseReturnValue:
    """Usable invite links (admins)"""
    return jsonify({"invites": [invite_payload(i) for i in workspaces.list_invites(actor(), workspace_id)]})


@api.post("/workspaces/<int:workspace_id>/invites")
@operation("workspaces", status=201, ok=ref("Invite"), ok_description="Created",
           errors={403: ["admin_only"], 404: ["not_found"]})
@with_body(CreateInvite)
def create_invite(workspace_id: int, data: CreateInvite) -> ResponseReturnValue:
    """Create an invite link (admins)"""
    invite = workspaces.create_invite(actor(), workspace_id, data.role, data.expires_in_hours)
    return jsonify(invite_payload(invite)), 201


@api.delete("/workspaces/<int:workspace_id>/invites/<int:invite_id>")
@operation("workspaces", ok=ref("Invite"), errors={403: ["admin_only"], 404: ["not_found"]})
def revoke_invite(workspace_id: int, invite_id: int) -> ResponseReturnValue:
    """Revoke an invite link (admins; repeating is harmless)"""
    return jsonify(invite_payload(workspaces.revoke_invite(actor(), workspace_id, invite_id)))


@api.get("/invites/<code>")
@operation("workspaces", ok=ref("InvitePreview"), errors={404: ["invite_invalid", "not_found"]})
def invite_preview(code: str) -> ResponseReturnValue:
    """What an invite link leads to"""
    return jsonify(workspaces.preview_invite(code))


@api.post("/invites/<code>/accept")
@operation("workspaces", ok=ref("Workspace"),
           ok_description="The workspace you are now in (also when you already were)",
           errors={403: ["deactivated", "bot_not_allowed"], 404: ["invite_invalid", "not_found"]})
def accept_invite(code: str) -> ResponseReturnValue:
    """Join the workspace of an invite link"""
    return jsonify(workspace_view_payload(workspaces.accept_invite(actor(), code)))
