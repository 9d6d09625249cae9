"""Statements run prepared on the driver: the rows they write read back the same through the
ORM, and a multi-row INSERT longer than one statement keeps ids and rows in step."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select

from chat.core.actor import Actor
from chat.core.transactions import atomic, insert_many
from chat.extensions import db
from chat.models import Event, Message
from chat.services import accounts, channels, messages, workspaces


def test_many_rows_in_chunks_get_their_own_ids_in_order(app) -> None:
    owner = Actor.cli(accounts.sign_up("pc@example.test", "password123", "P Chunk", "pchunk"))
    ws = workspaces.create_workspace(owner, "Chunks")
    when = datetime(2026, 1, 2, 3, 4, 5)  # no microseconds: stored in SQLAlchemy's own format all the same
    rows = [{"workspace_id": ws.id, "channel_id": None, "target_user_id": None, "type": "test.row",
             "payload": json.dumps({"n": n}), "created_at": when} for n in range(250)]
    with atomic():
        ids = insert_many(Event.__table__, rows)
    assert len(ids) == 250 and ids == sorted(ids) and len(set(ids)) == 250
    stored = {e.id: e for e in db.session.scalars(select(Event).where(Event.id.in_(ids)))}
    assert [json.loads(stored[i].payload)["n"] for i in ids] == list(range(250))
    assert all(stored[i].created_at == when for i in ids)


def test_every_row_of_a_multi_row_insert_gets_its_columns_types(app) -> None:
    """JSON in the second row and later too (SQLAlchemy types only the first row's parameters):
    a batch of webhook posts, each with its props, is one INSERT."""
    owner = Actor.cli(accounts.sign_up("pj@example.test", "password123", "P Json", "pjson"))
    ws = workspaces.create_workspace(owner, "Json")
    general = channels.list_my_channels(owner, ws.id)[0]["id"]
    rows = [{"workspace_id": ws.id, "channel_id": general, "user_id": owner.id, "client_msg_id": None,
             "thread_root_id": None, "body": f"m{n}", "html": f"<p>m{n}</p>", "mentions_channel": False,
             "props": {"format": "slack", "n": n}, "reply_count": 0, "created_at": datetime(2026, 1, 1)}
            for n in range(3)]
    with atomic():
        ids = insert_many(Message.__table__, rows)
    db.session.expire_all()
    assert [db.session.get_one(Message, i).props for i in ids] == [{"format": "slack", "n": n} for n in range(3)]


def test_a_sent_message_reads_back_through_the_orm_as_its_payload_said(app) -> None:
    alice = Actor.cli(accounts.sign_up("pa@example.test", "password123", "P Alice", "palice"))
    ws = workspaces.create_workspace(alice, "Prepared")
    general = channels.list_my_channels(alice, ws.id)[0]["id"]
    payload, created = messages.send_message(alice, general, "hello **there**", client_msg_id="p-1")
    db.session.expire_all()
    stored = db.session.get(Message, payload["id"])
    assert created and stored is not None
    assert (stored.body, stored.html, stored.mentions_channel) == ("hello **there**", payload["html"], False)
    assert stored.created_at.isoformat(timespec="milliseconds") + "Z" == payload["created_at"]
    assert payload["author"] == {"id": alice.id, "username": "palice", "display_name": "P Alice",
                                 "is_bot": False}
    assert messages.history(alice, general)["messages"][-1]["id"] == payload["id"]
    # The channel's last message was set by the prepared UPDATE.
    listed = {c["id"]: c for c in channels.list_my_channels(alice, ws.id)}
    assert listed[general]["last_message_id"] == payload["id"]


def test_a_constraint_broken_by_a_prepared_statement_raises_sqlalchemys_error(app) -> None:
    """The send path catches sqlalchemy's IntegrityError to answer a retried client id."""
    from sqlalchemy.exc import IntegrityError

    owner = Actor.cli(accounts.sign_up("pd@example.test", "password123", "P Dup", "pdup"))
    ws = workspaces.create_workspace(owner, "Dups")
    general = channels.list_my_channels(owner, ws.id)[0]["id"]
    row = {"workspace_id": ws.id, "channel_id": general, "user_id": owner.id, "client_msg_id": "dup",
           "thread_root_id": None, "body": "x", "html": "<p>x</p>", "mentions_channel": False,
           "reply_count": 0, "created_at": datetime(2026, 1, 1)}
    with atomic():
        insert_many(Message.__table__, [row])
    try:
        with atomic():
            insert_many(Message.__table__, [row])
    except IntegrityError:
        pass
    else:
        raise AssertionError("a repeated (user_id, client_msg_id) was stored twice")
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.client_msg_id == "dup")) == 1


def test_token_authentication_prepared_agrees_with_the_orm(app) -> None:
    """authenticate_token runs prepared: it finds the same person and token the ORM does, none
    for a revoked or unknown secret, and writes the last use only when it is stale."""
    from datetime import timedelta

    from chat.models import ApiToken, User
    from chat.models._time import utcnow

    person = accounts.sign_up("pt@example.test", "password123", "P Token", "ptoken")
    actor = Actor.cli(person)
    token, secret = accounts.create_token(actor, "laptop")
    found = accounts.authenticate_token(secret)
    assert found is not None
    owner, token_id = found
    by_orm = db.session.execute(select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id)
                                .where(ApiToken.id == token_id)).one()
    assert (owner.id, owner.username, owner.display_name, owner.email) == (
        by_orm.User.id, by_orm.User.username, by_orm.User.display_name, by_orm.User.email)
    assert token_id == token.id

    long_ago = utcnow() - timedelta(minutes=30)
    with atomic():
        db.session.get(ApiToken, token_id).last_used_at = long_ago
    assert accounts.authenticate_token(secret) is not None
    db.session.expire_all()
    refreshed = db.session.get(ApiToken, token_id).last_used_at
    assert refreshed > long_ago  # stale: written again
    assert accounts.authenticate_token(secret) is not None
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).last_used_at == refreshed  # fresh: left alone

    assert accounts.authenticate_token(secret[:-1] + ("x" if secret[-1] != "x" else "y")) is None
    accounts.revoke_token(actor, token_id)
    assert accounts.authenticate_token(secret) is None


def test_sync_prepared_agrees_with_the_orm(app) -> None:
    """events_since runs its page prepared: for every cursor it returns what the plain ORM query
    built from the same rule returns, private channels of others and their DMs left out."""
    from chat.core import event_log
    from chat.models import Role
    from chat.services import access, sync

    alice = Actor.cli(accounts.sign_up("sa@example.test", "password123", "S Alice", "salice"))
    bob_user = accounts.sign_up("sb@example.test", "password123", "S Bob", "sbob")
    carol_user = accounts.sign_up("sc@example.test", "password123", "S Carol", "scarol")
    bob, carol = Actor.cli(bob_user), Actor.cli(carol_user)
    ws = workspaces.create_workspace(alice, "Sync")
    with atomic():
        workspaces.add_member(ws.id, bob_user, Role.member)
        workspaces.add_member(ws.id, carol_user, Role.member)
    general = channels.list_my_channels(alice, ws.id)[0]["id"]
    secret = channels.create_channel(alice, ws.id, "secret", private=True).channel.id
    channels.add_member(alice, secret, carol.id)
    dm = channels.open_direct(alice, ws.id, [carol.id]).channel.id
    for n in range(6):
        messages.send_message(alice, general, f"general {n}")
        messages.send_message(carol, secret, f"secret {n}")
        messages.send_message(carol, dm, f"dm {n}")

    def plain(person: Actor, since: int, limit: int) -> list[int]:
        followed = access.channel_ids(access.is_in_channel, person.id)
        return list(db.session.scalars(
            select(Event.id).where(Event.id > since, (Event.channel_id.in_(followed))
                                   | (Event.target_user_id == person.id)).order_by(Event.id).limit(limit)))

    head = sync.latest_event_id()
    assert head == db.session.scalar(select(func.max(Event.id)))
    assert event_log.pruned_through() == 0
    for person in (alice, bob, carol):
        for since in (0, 3, head // 2, head - 1, head):
            for limit in (1, 5, 1000):
                page = sync.events_since(person, since, limit)
                assert [e["id"] for e in page["events"]] == plain(person, since, limit)
    bobs = {e["channel_id"] for e in sync.events_since(bob, 0, 1000)["events"]}
    assert general in bobs and secret not in bobs and dm not in bobs


def test_a_sockets_rooms_read_prepared_agree_with_the_orm(app) -> None:
    """A connecting socket's workspaces and channels are read prepared (presence.rooms_for):
    for an owner, a member, a guest, someone deactivated in one workspace and someone
    removed from a channel, the same rooms as the rule's query run through the ORM."""
    from chat.core import events
    from chat.models import Membership, Role, User, UserKind
    from chat.services import access, presence

    def person(name: str) -> Actor:
        return Actor.cli(accounts.sign_up(f"{name}@example.test", "password123", f"R {name}", name))

    owner, member, guest, gone = person("rowner"), person("rmember"), person("rguest"), person("rgone")
    acme, other = workspaces.create_workspace(owner, "Rooms"), workspaces.create_workspace(owner, "Other")
    for ws in (acme, other):
        workspaces.add_member(ws.id, db.session.get(User, member.id), Role.member)
        workspaces.add_member(ws.id, db.session.get(User, gone.id), Role.member)
    workspaces.add_member(acme.id, db.session.get(User, guest.id), Role.guest)
    db.session.commit()
    secret = channels.create_channel(owner, acme.id, "secret", private=True)
    team = channels.create_channel(owner, acme.id, "team")
    for who in (member, guest, gone):
        channels.add_member(owner, secret.id, who.id)
    channels.add_member(owner, team.id, member.id)
    channels.remove_member(owner, secret.id, member.id)
    workspaces.update_member(owner, other.id, gone.id, {"active": False})

    for actor in (owner, member, guest, gone):
        roles = dict(db.session.execute(select(Membership.workspace_id, Membership.role).where(
            Membership.user_id == actor.id, Membership.active)).tuples().all())
        in_channels = db.session.scalars(access.channel_ids(access.is_in_channel, actor.id)).all()
        news = {w: access.reads_public_channels(role, UserKind.person) for w, role in roles.items()}
        expected = ([events.user_room(actor.id)]
                    + [room for w in roles for room in events.workspace_rooms(w, public_news=news[w])]
                    + [events.channel_room(c) for c in in_channels])
        assert sorted(presence.rooms_for(actor.id)) == sorted(expected)
    assert events.channel_room(secret.id) not in presence.rooms_for(member.id)
    assert events.channel_room(secret.id) in presence.rooms_for(guest.id)
    assert events.members_room(acme.id) not in presence.rooms_for(guest.id)
    assert events.workspace_room(other.id) not in presence.rooms_for(gone.id)
