"""Workspaces, their members and roles, deactivation and invite links."""
from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from chat.core import events, limits, ratelimits
from chat.core.actor import Actor
from chat.core.concurrency import lock_row
from chat.core.errors import Conflict, Forbidden, Invalid, NotFound
from chat.core.transactions import atomic
from chat.core.validation import check_bool, check_email, check_invite_hours, check_one_of, check_text
from chat.extensions import db
from chat.models import Bot, Channel, ChannelKind, ChannelMember, Invite, Membership, Role, User, UserKind, Workspace
from chat.models._time import utcnow
from chat.services import presence
from chat.services.access import (
    access_admin,
    access_membership,
    access_webhook_maker,
    reads_public_channels,
    refuse_bots,
)
from chat.services.channels import create_default_channel, join_default_channels
from chat.services.channels.unread import unread_counts
from chat.services.payloads import member_payload, workspace_payload

MAX_INVITE_HOURS = limits.INVITE_HOURS


def check_role(value: Any) -> Role:
    return Role(check_one_of(value, "role", [r.value for r in Role]))


@dataclass(frozen=True)
class WorkspaceView:
    """A workspace as one of its members sees it: the row and their membership (their role).
    ``payloads.workspace_payload(view.workspace, view.membership)`` serializes it."""

    workspace: Workspace
    membership: Membership

    @property
    def id(self) -> int:
        return self.workspace.id


@dataclass(frozen=True)
class WorkspaceMember:
    """A person and their place in a workspace (``payloads.member_payload``)."""

    user: User
    membership: Membership


def create_workspace(actor: Actor, name: Any) -> WorkspaceView:
    """A new workspace owned by the actor, starting with its #general channel."""
    refuse_bots(actor, "create workspaces")
    name = check_text(name, "name", max_length=limits.NAME_LENGTH)
    with atomic():
        workspace = Workspace(name=name, created_by=actor.id)
        db.session.add(workspace)
        db.session.flush()
        membership = Membership(workspace_id=workspace.id, user_id=actor.id, role=Role.owner)
        db.session.add(membership)
        create_default_channel(workspace.id, actor.id)
        _welcome(workspace, actor.id, Role.owner, UserKind.person)
    return WorkspaceView(workspace, membership)


def _welcome(workspace: Workspace, user_id: int, role: Role, kind: UserKind) -> None:
    """Inside a transaction: subscribe the newcomer and, if they may read public channels
    anyway, put them in the default channels (guests and bots see only what they are added to)."""
    public_news = reads_public_channels(role, kind)
    events.join_rooms(user_id, events.workspace_rooms(workspace.id, public_news=public_news))
    if public_news:
        join_default_channels(workspace.id, user_id)
    events.record(workspace.id, events.WORKSPACE_JOINED, workspace_payload(workspace),
                  target_user_id=user_id)


def add_member(workspace_id: int, user: User, role: Role) -> Membership:
    """Put a person in a workspace (used by invites and administration; ``user`` is the
    person added, not an actor). Reactivates nobody: a deactivated member stays out until an
    admin reactivates them. A bot is a member of its own workspace only (``services.bots``)."""
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("workspace not found")
    if user.is_bot and db.session.scalar(select(Bot.workspace_id).where(Bot.user_id == user.id)) != workspace_id:
        raise Forbidden("a bot belongs to the workspace it was made in", code="bot_not_allowed")
    with atomic():
        existing = db.session.scalar(select(Membership).where(Membership.workspace_id == workspace_id,
                                                              Membership.user_id == user.id))
        if existing is not None:
            if not existing.active:
                raise Forbidden("your account was deactivated in this workspace", code="deactivated")
            return existing
        membership = Membership(workspace_id=workspace_id, user_id=user.id, role=role)
        db.session.add(membership)
        db.session.flush()
        _welcome(workspace, user.id, role, user.kind)
        announce_member(user, membership)
    return membership


def list_workspaces(actor: Actor) -> list[dict[str, Any]]:
    """The person's workspaces, each with its total unread and mention badge."""
    rows = db.session.execute(
        select(Workspace, Membership).join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == actor.id, Membership.active).order_by(Workspace.name, Workspace.id)
    ).all()
    ids = [w.id for w, _ in rows]
    counts = unread_counts(actor.id, ids)
    channel_workspace = dict(db.session.execute(
        select(Channel.id, Channel.workspace_id).where(Channel.id.in_(list(counts) or [0]))).tuples().all())
    direct = set(db.session.scalars(select(Channel.id).where(
        Channel.id.in_(list(counts) or [0]), Channel.kind.in_([k for k in ChannelKind if k.is_direct]))))
    # Muted channels count their mentions only (channels.set_muted).
    muted = set(db.session.scalars(select(ChannelMember.channel_id).where(
        ChannelMember.user_id == actor.id, ChannelMember.channel_id.in_(list(counts) or [0]),
        ChannelMember.muted))) if counts else set()
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for channel_id, (unread, mentions) in counts.items():
        total = totals[channel_workspace[channel_id]]
        if channel_id in muted:
            total[1] += mentions
            continue
        total[0] += unread
        # Every unread direct message is addressed to you, so it counts as a mention.
        total[1] += unread if channel_id in direct else mentions
    return [{**workspace_payload(w, m), "unread_count": totals[w.id][0], "mention_count": totals[w.id][1]}
            for w, m in rows]


def get_workspace(actor: Actor, workspace_id: int) -> WorkspaceView:
    membership = access_membership(actor.id, workspace_id)
    return WorkspaceView(db.session.get_one(Workspace, workspace_id), membership)


def integrations_workspace(actor: Actor, workspace_id: int) -> WorkspaceView:
    """The workspace whose Integrations page the actor opens: those who may make incoming
    webhooks there (``access_webhook_maker``: admins, and members where the workspace allows it).
    What else the page shows, each API decides (bots and the delivery log: admins)."""
    membership = access_webhook_maker(actor, workspace_id)
    return WorkspaceView(db.session.get_one(Workspace, workspace_id), membership)


def acting_workspace(actor: Actor, workspace_id: int | None = None) -> WorkspaceView:
    """The workspace a caller acts in when the door names none (the Slack Web API, where a
    token belongs to one team): ``workspace_id`` if given, else the caller's first active
    membership (a bot has exactly one). NotFound when there is none."""
    query = (select(Workspace, Membership).join(Membership, Membership.workspace_id == Workspace.id)
             .where(Membership.user_id == actor.id, Membership.active)
             .order_by(Membership.joined_at, Membership.id).limit(1))
    if workspace_id is not None:
        query = query.where(Workspace.id == workspace_id)
    row = db.session.execute(query).first()
    if row is None:
        raise NotFound("workspace not found")
    return WorkspaceView(row[0], row[1])


def get_member(actor: Actor, workspace_id: int, user_id: int, *, email: Any = None) -> WorkspaceMember:
    """One member of the caller's workspace, by id (``user_id``) or, when ``email`` is given,
    by email address; deactivated members too (shown as such). NotFound for anyone else,
    exactly as for nobody."""
    access_membership(actor.id, workspace_id)
    query = (select(User, Membership).join(Membership, Membership.user_id == User.id)
             .where(Membership.workspace_id == workspace_id))
    if email is not None:
        # Bots' addresses are placeholders: no one looks a bot up by email.
        query = query.where(User.email == check_email(email), User.kind == UserKind.person)
    else:
        query = query.where(User.id == user_id)
    row = db.session.execute(query).first()
    if row is None:
        raise NotFound("user not found")
    return WorkspaceMember(row[0], row[1])


def update_workspace(actor: Actor, workspace_id: int, changes: dict[str, Any]) -> Workspace:
    """Admins: rename the workspace, set its file size limit (null: the server's default), or
    its webhook settings (``members_create_webhooks``, ``webhook_overrides``)."""
    from chat.services.files import check_max_file_size

    access_admin(actor.id, workspace_id)
    flags = ("members_create_webhooks", "webhook_overrides")
    unknown = set(changes) - {"name", "max_file_size", *flags}
    if unknown or not changes:
        raise Invalid("send name, max_file_size, members_create_webhooks or webhook_overrides",
                      field=sorted(unknown)[0] if unknown else None)
    name = check_text(changes["name"], "name", max_length=limits.NAME_LENGTH) if "name" in changes else None
    max_size = check_max_file_size(changes["max_file_size"]) if "max_file_size" in changes else None
    settings = {flag: check_bool(changes[flag], flag) for flag in flags if flag in changes}
    workspace = db.session.get_one(Workspace, workspace_id)
    with atomic():
        if name is not None:
            workspace.name = name
        if "max_file_size" in changes:
            workspace.max_file_size = max_size
        for flag, value in settings.items():
            setattr(workspace, flag, value)
    return workspace


def list_members(actor: Actor, workspace_id: int, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    membership = access_membership(actor.id, workspace_id)
    query = (select(User, Membership).join(Membership, Membership.user_id == User.id)
             .where(Membership.workspace_id == workspace_id).order_by(User.display_name, User.id))
    if not (include_inactive and membership.role.is_admin):
        query = query.where(Membership.active)
    return [member_payload(u, m) for u, m in db.session.execute(query)]


def _owner_count(workspace_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Membership).where(
        Membership.workspace_id == workspace_id, Membership.role == Role.owner, Membership.active)).scalar_one()


def update_member(actor: Actor, workspace_id: int, user_id: int, changes: dict[str, Any]) -> WorkspaceMember:
    """Change a member's role or active flag. Admins manage members and guests; only owners
    grant or take away admin and owner; a workspace always keeps an active owner.
    Deactivation ends the person's access at once, open sockets included.

    The checks run under the workspace's lock, after any change being written at the same
    moment has committed: two owners demoting each other at once leave one owner, not none."""
    unknown = set(changes) - {"role", "active"}
    if unknown or not changes:
        access_admin(actor.id, workspace_id)  # outsiders learn nothing from a malformed request
        raise Invalid("give role and/or active", field=sorted(unknown)[0] if unknown else None)
    with atomic():
        lock_row(Workspace, workspace_id)
        actor_ms = access_admin(actor.id, workspace_id)
        target = db.session.scalar(select(Membership).where(Membership.workspace_id == workspace_id,
                                                            Membership.user_id == user_id))
        if target is None:
            raise NotFound("member not found")
        user = db.session.get_one(User, user_id)
        if user.is_bot:
            raise Forbidden("a bot is changed through its own endpoints (/bots)", code="bot_account")
        role = check_role(changes["role"]) if "role" in changes else target.role
        active = check_bool(changes["active"], "active") if "active" in changes else target.active
        touches_admins = target.role.is_admin or role.is_admin
        if touches_admins and actor_ms.role != Role.owner and (role != target.role or active != target.active):
            raise Forbidden("only owners change admins and owners", code="owner_only")
        losing_owner = target.role == Role.owner and target.active and (role != Role.owner or not active)
        if losing_owner and _owner_count(workspace_id) <= 1:
            raise Conflict("a workspace needs at least one active owner", code="last_owner")
        deactivating = target.active and not active
        reactivating = not target.active and active
        role_changed = role != target.role
        target.role, target.active = role, active
        db.session.flush()
        announce_member(user, target)
        if deactivating or role_changed:
            # Their sockets reconnect and rejoin only the rooms they may still read.
            events.disconnect_user(user_id)
        if reactivating:
            # Their open sockets listen again to everything they may read: the workspace and
            # the channels they were in (membership rows stay while deactivated).
            events.join_rooms(user_id, presence.rooms_for(user_id))
            # Their open tabs learn that the workspace is back.
            events.record(workspace_id, events.WORKSPACE_JOINED,
                          workspace_payload(db.session.get_one(Workspace, workspace_id)), target_user_id=user_id)
    return WorkspaceMember(user, target)


def announce_member(user: User, membership: Membership) -> None:
    """Inside a transaction: tell the workspace about a member's arrival or change (the member
    payload plus workspace_id, for clients in several workspaces)."""
    events.notify(events.WORKSPACE_MEMBER_UPDATED,
                  {**member_payload(user, membership), "workspace_id": membership.workspace_id},
                  events.workspace_room(membership.workspace_id))


# --- invite links ---------------------------------------------------------------------------

def create_invite(actor: Actor, workspace_id: int, role: Any = "member",
                  expires_in_hours: Any = limits.INVITE_HOURS_DEFAULT) -> Invite:
    access_admin(actor.id, workspace_id)
    role = check_role(role)
    if role == Role.owner:
        raise Invalid("invite links cannot make owners", field="role")
    expires_in_hours = check_invite_hours(expires_in_hours)
    ratelimits.for_person("RATE_LIMIT_INVITES", actor.id, workspace_id)
    with atomic():
        invite = Invite(workspace_id=workspace_id, code=secrets.token_urlsafe(24), role=role,
                        created_by=actor.id, expires_at=utcnow() + timedelta(hours=expires_in_hours))
        db.session.add(invite)
    return invite


def list_invites(actor: Actor, workspace_id: int) -> list[Invite]:
    access_admin(actor.id, workspace_id)
    return list(db.session.scalars(select(Invite).where(Invite.workspace_id == workspace_id,
                                                        Invite.revoked_at.is_(None),
                                                        Invite.expires_at > utcnow())
                                   .order_by(Invite.id.desc())))


def revoke_invite(actor: Actor, workspace_id: int, invite_id: int) -> Invite:
    access_admin(actor.id, workspace_id)
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.workspace_id != workspace_id:
        raise NotFound("invite not found")
    with atomic():
        invite.revoked_at = invite.revoked_at or utcnow()
    return invite


def _usable_invite(code: Any) -> Invite:
    if not isinstance(code, str) or len(code) > 64:
        raise NotFound("invite not found")
    invite = db.session.scalar(select(Invite).where(Invite.code == code))
    if invite is None or invite.revoked_at is not None or invite.expires_at <= utcnow():
        raise NotFound("this invite link is invalid or has expired", code="invite_invalid")
    return invite


def preview_invite(code: Any) -> dict[str, Any]:
    invite = _usable_invite(code)
    workspace = db.session.get_one(Workspace, invite.workspace_id)
    return {"workspace": {"id": workspace.id, "name": workspace.name}, "role": invite.role.value,
            "expires_at": invite.expires_at.isoformat() + "Z"}


def accept_invite(actor: Actor, code: Any) -> WorkspaceView:
    """Join the invite's workspace; accepting again (even at the same moment) changes nothing."""
    refuse_bots(actor, "accept invites")
    user = db.session.get(User, actor.id)
    if user is None:
        raise NotFound("account not found")
    try:
        with atomic():
            invite = _usable_invite(code)
            membership = add_member(invite.workspace_id, user, invite.role)
            # In SQL: acceptances of one link at the same moment each count.
            db.session.execute(update(Invite).where(Invite.id == invite.id).values(uses=Invite.uses + 1)
                               .execution_options(synchronize_session=False))
    except IntegrityError:  # accepted at the same moment in another tab: that acceptance stands
        invite = _usable_invite(code)
        membership = add_member(invite.workspace_id, user, invite.role)
    return WorkspaceView(db.session.get_one(Workspace, membership.workspace_id), membership)
