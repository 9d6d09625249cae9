"""Workspaces, their members and roles, deactivation and invite links.

Modules: ``workspaces`` (the actions)."""

from chat.services.workspaces.workspaces import (
    MAX_INVITE_HOURS,
    WorkspaceMember,
    WorkspaceView,
    accept_invite,
    acting_workspace,
    add_member,
    announce_member,
    check_role,
    create_invite,
    create_workspace,
    get_member,
    get_workspace,
    integrations_workspace,
    list_invites,
    list_members,
    list_workspaces,
    preview_invite,
    revoke_invite,
    update_member,
    update_workspace,
)

__all__ = [
    "MAX_INVITE_HOURS",
    "WorkspaceMember",
    "WorkspaceView",
    "accept_invite",
    "acting_workspace",
    "add_member",
    "announce_member",
    "check_role",
    "create_invite",
    "create_workspace",
    "get_member",
    "get_workspace",
    "integrations_workspace",
    "list_invites",
    "list_members",
    "list_workspaces",
    "preview_invite",
    "revoke_invite",
    "update_member",
    "update_workspace",
]
