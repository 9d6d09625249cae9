"""Who may read, post in and manage a channel, as one table: the person's role, the channel's
kind, whether they are in it, and its state, against what each question answers.

Every row is asked through the public REST API (read: GET the channel; post: send a message;
manage: PATCH a setting, here `archived` to the value it has). Then the same rows are put to
the rules themselves, on the server's own database: the Python form (``rule.allows``,
``rule.check``, the send path's ``posters``) and the SQL form the lists and counts are built
from (``access.channel_ids``, ``access.user_ids``) must agree with the table on every row.

A new kind of person or channel (a bot, an inbox agent) gets its rows here first. Bots have
theirs: like guests, they see only the channels they were added to (they are "in" a channel
when someone who may add people added them)."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests.api.helpers import assert_error, unique
from tests.support import Person, Server, Workspace, create_workspace, invite, sign_up

OK = "ok"
NO = "not_found"  # the channel is not shown to the person: exactly like one that does not exist
ARCHIVED, NOT_IN, BROADCAST = "channel_archived", "not_in_channel", "broadcast_only"
DIRECT, NOT_MANAGER = "direct_channel", "not_channel_manager"

# role: the person's role in the workspace ("deactivated": a member an admin deactivated;
#       "bot": a bot user of the workspace, acting with its token).
# kind: "broadcast" is a public channel only admins and named posters write in.
# in: whether the person is in the channel; "creator": in it, and created it (a plain member);
#     "named poster": in a broadcast channel, named by an admin to post.
# state: the channel's (direct conversations cannot be archived).
RULES = [
    # role         kind         in              state        read  post        manage
    ("owner",       "public",    "in",           "open",      OK,   OK,         OK),
    ("owner",       "public",    "out",          "open",      OK,   NOT_IN,     OK),
    ("admin",       "public",    "in",           "open",      OK,   OK,         OK),
    ("admin",       "public",    "out",          "open",      OK,   NOT_IN,     OK),
    ("member",      "public",    "in",           "open",      OK,   OK,         NOT_MANAGER),
    ("member",      "public",    "out",          "open",      OK,   NOT_IN,     NOT_MANAGER),
    ("member",      "public",    "creator",      "open",      OK,   OK,         OK),
    ("guest",       "public",    "in",           "open",      OK,   OK,         NOT_MANAGER),
    ("guest",       "public",    "out",          "open",      NO,   NO,         NO),
    ("deactivated", "public",    "in",           "open",      NO,   NO,         NO),

    ("owner",       "public",    "in",           "archived",  OK,   ARCHIVED,   OK),
    ("owner",       "public",    "out",          "archived",  OK,   ARCHIVED,   OK),
    ("admin",       "public",    "in",           "archived",  OK,   ARCHIVED,   OK),
    ("admin",       "public",    "out",          "archived",  OK,   ARCHIVED,   OK),
    ("member",      "public",    "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("member",      "public",    "out",          "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("member",      "public",    "creator",      "archived",  OK,   ARCHIVED,   OK),
    ("guest",       "public",    "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("guest",       "public",    "out",          "archived",  NO,   NO,         NO),
    ("deactivated", "public",    "in",           "archived",  NO,   NO,         NO),

    ("owner",       "private",   "in",           "open",      OK,   OK,         OK),
    ("owner",       "private",   "out",          "open",      NO,   NO,         NO),
    ("admin",       "private",   "in",           "open",      OK,   OK,         OK),
    ("admin",       "private",   "out",          "open",      NO,   NO,         NO),
    ("member",      "private",   "in",           "open",      OK,   OK,         NOT_MANAGER),
    ("member",      "private",   "out",          "open",      NO,   NO,         NO),
    ("member",      "private",   "creator",      "open",      OK,   OK,         OK),
    ("guest",       "private",   "in",           "open",      OK,   OK,         NOT_MANAGER),
    ("guest",       "private",   "out",          "open",      NO,   NO,         NO),
    ("deactivated", "private",   "in",           "open",      NO,   NO,         NO),

    ("owner",       "private",   "in",           "archived",  OK,   ARCHIVED,   OK),
    ("owner",       "private",   "out",          "archived",  NO,   NO,         NO),
    ("admin",       "private",   "in",           "archived",  OK,   ARCHIVED,   OK),
    ("admin",       "private",   "out",          "archived",  NO,   NO,         NO),
    ("member",      "private",   "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("member",      "private",   "out",          "archived",  NO,   NO,         NO),
    ("member",      "private",   "creator",      "archived",  OK,   ARCHIVED,   OK),
    ("guest",       "private",   "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("guest",       "private",   "out",          "archived",  NO,   NO,         NO),
    ("deactivated", "private",   "in",           "archived",  NO,   NO,         NO),

    ("owner",       "broadcast", "in",           "open",      OK,   OK,         OK),
    ("owner",       "broadcast", "out",          "open",      OK,   NOT_IN,     OK),
    ("admin",       "broadcast", "in",           "open",      OK,   OK,         OK),
    ("admin",       "broadcast", "out",          "open",      OK,   NOT_IN,     OK),
    ("member",      "broadcast", "in",           "open",      OK,   BROADCAST,  NOT_MANAGER),
    ("member",      "broadcast", "out",          "open",      OK,   NOT_IN,     NOT_MANAGER),
    ("member",      "broadcast", "creator",      "open",      OK,   OK,         OK),
    ("member",      "broadcast", "named poster", "open",      OK,   OK,         NOT_MANAGER),
    ("guest",       "broadcast", "in",           "open",      OK,   BROADCAST,  NOT_MANAGER),
    ("guest",       "broadcast", "out",          "open",      NO,   NO,         NO),
    ("deactivated", "broadcast", "in",           "open",      NO,   NO,         NO),

    ("owner",       "broadcast", "in",           "archived",  OK,   ARCHIVED,   OK),
    ("owner",       "broadcast", "out",          "archived",  OK,   ARCHIVED,   OK),
    ("admin",       "broadcast", "in",           "archived",  OK,   ARCHIVED,   OK),
    ("admin",       "broadcast", "out",          "archived",  OK,   ARCHIVED,   OK),
    ("member",      "broadcast", "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("member",      "broadcast", "out",          "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("member",      "broadcast", "creator",      "archived",  OK,   ARCHIVED,   OK),
    ("member",      "broadcast", "named poster", "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("guest",       "broadcast", "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("guest",       "broadcast", "out",          "archived",  NO,   NO,         NO),
    ("deactivated", "broadcast", "in",           "archived",  NO,   NO,         NO),

    ("owner",       "dm",        "in",           "open",      OK,   OK,         DIRECT),
    ("owner",       "dm",        "out",          "open",      NO,   NO,         NO),
    ("admin",       "dm",        "in",           "open",      OK,   OK,         DIRECT),
    ("admin",       "dm",        "out",          "open",      NO,   NO,         NO),
    ("member",      "dm",        "in",           "open",      OK,   OK,         DIRECT),
    ("member",      "dm",        "out",          "open",      NO,   NO,         NO),
    ("guest",       "dm",        "in",           "open",      OK,   OK,         DIRECT),
    ("guest",       "dm",        "out",          "open",      NO,   NO,         NO),
    ("deactivated", "dm",        "in",           "open",      NO,   NO,         NO),

    ("owner",       "group",     "in",           "open",      OK,   OK,         DIRECT),
    ("owner",       "group",     "out",          "open",      NO,   NO,         NO),
    ("admin",       "group",     "in",           "open",      OK,   OK,         DIRECT),
    ("admin",       "group",     "out",          "open",      NO,   NO,         NO),
    ("member",      "group",     "in",           "open",      OK,   OK,         DIRECT),
    ("member",      "group",     "out",          "open",      NO,   NO,         NO),
    ("guest",       "group",     "in",           "open",      OK,   OK,         DIRECT),
    ("guest",       "group",     "out",          "open",      NO,   NO,         NO),
    ("deactivated", "group",     "in",           "open",      NO,   NO,         NO),

    ("bot",         "public",    "in",           "open",      OK,   OK,         NOT_MANAGER),
    ("bot",         "public",    "out",          "open",      NO,   NO,         NO),
    ("bot",         "public",    "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("bot",         "public",    "out",          "archived",  NO,   NO,         NO),
    ("bot",         "private",   "in",           "open",      OK,   OK,         NOT_MANAGER),
    ("bot",         "private",   "out",          "open",      NO,   NO,         NO),
    ("bot",         "private",   "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("bot",         "private",   "out",          "archived",  NO,   NO,         NO),
    ("bot",         "broadcast", "in",           "open",      OK,   BROADCAST,  NOT_MANAGER),
    ("bot",         "broadcast", "out",          "open",      NO,   NO,         NO),
    ("bot",         "broadcast", "in",           "archived",  OK,   ARCHIVED,   NOT_MANAGER),
    ("bot",         "broadcast", "out",          "archived",  NO,   NO,         NO),
    ("bot",         "dm",        "in",           "open",      OK,   OK,         DIRECT),
    ("bot",         "dm",        "out",          "open",      NO,   NO,         NO),
    ("bot",         "group",     "in",           "open",      OK,   OK,         DIRECT),
    ("bot",         "group",     "out",          "open",      NO,   NO,         NO),
]

ROLES = ("owner", "admin", "member", "guest")
KINDS = (*ROLES, "bot")  # every kind of person with an "in" and an "out" one


def _row_id(row: tuple[str, ...]) -> str:
    return "-".join(part.replace(" ", "_") for part in row[:4])


@dataclass
class World:
    """One workspace holding every row: a person per (role, in) and a channel per (kind, state)."""
    workspace: Workspace
    people: dict[tuple[str, str], Person]  # (role, in) -> person
    channels: dict[tuple[str, str], int]   # (kind, state) -> channel id; direct ones by (kind, role)

    def person(self, role: str, membership: str) -> Person:
        if membership == "creator":
            return self.people[("member", "creator")]
        if membership == "named poster":
            return self.people[("member", "named poster")]
        return self.people[(role, "in" if role == "deactivated" else membership)]

    def channel(self, kind: str, role: str, state: str) -> int:
        # A direct conversation has its people: each role's has the role's "in" person (and
        # the creator); that role's "out" person is in none of it.
        return self.channels[(kind, role) if kind in ("dm", "group") else (kind, state)]


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    boss = sign_up(server.url, "Boss Owner")
    ws = create_workspace(boss, "Rules")
    people: dict[tuple[str, str], Person] = {}
    for role in ROLES:
        for membership in ("in", "out"):
            person = people[(role, membership)] = sign_up(server.url, f"{role.title()} {membership}")
            invite(boss, ws, person, "admin" if role == "owner" else role)
            if role == "owner":
                boss.call("PATCH", f"/workspaces/{ws.id}/members/{person.id}", {"role": "owner"})
    for key in (("member", "creator"), ("member", "named poster"), ("deactivated", "in")):
        people[key] = sign_up(server.url, f"{key[0].title()} {key[1].split()[0]}")
        invite(boss, ws, people[key])
    for membership in ("in", "out"):
        bot = boss.post(f"/workspaces/{ws.id}/bots", {"name": f"Rules Bot {membership}"})
        token = boss.post(f"/bots/{bot['id']}/tokens", {"name": "rules"})["token"]
        people[("bot", membership)] = Person(server.url, token, bot, "")
    maker, poster = people[("member", "creator")], people[("member", "named poster")]
    gone = people[("deactivated", "in")]
    insiders = [people[(role, "in")] for role in KINDS] + [gone]

    channels: dict[tuple[str, str], int] = {}
    for kind in ("public", "private", "broadcast"):
        for state in ("open", "archived"):
            channel = maker.post(f"/workspaces/{ws.id}/channels", {"name": unique(kind), "private": kind == "private"})
            channel_id = channels[(kind, state)] = channel["id"]
            if kind == "broadcast":  # only admins make one
                boss.call("PATCH", f"/channels/{channel_id}", {"broadcast": True})
            for person in [*insiders, poster]:
                maker.post(f"/channels/{channel_id}/members", {"user_id": person.id})
            if kind == "broadcast":  # only admins name posters
                people[("admin", "in")].post(f"/channels/{channel_id}/members",
                                             {"user_id": poster.id, "can_post": True})
            if state == "archived":
                maker.call("PATCH", f"/channels/{channel_id}", {"archived": True})
    for role, person in zip((*KINDS, "deactivated"), insiders, strict=True):
        channels[("dm", role)] = person.post(f"/workspaces/{ws.id}/direct", {"user_ids": [maker.id]})["id"]
    group = maker.post(f"/workspaces/{ws.id}/direct", {"user_ids": [p.id for p in insiders]})["id"]
    for role in (*KINDS, "deactivated"):
        channels[("group", role)] = group
    boss.call("PATCH", f"/workspaces/{ws.id}/members/{gone.id}", {"active": False})
    return World(ws, people, channels)


def _outcome(response) -> str:  # type: ignore[no-untyped-def]
    if response.status_code in (200, 201):
        return OK
    code = response.json()["error"]["code"]
    assert_error(response, {NO: 404}.get(code, 403), code)
    return code


@pytest.mark.parametrize("row", RULES, ids=_row_id)
def test_each_row_holds_through_the_api(world: World, row: tuple[str, ...]) -> None:
    role, kind, membership, state, read, post, manage = row
    person, channel_id = world.person(role, membership), world.channel(kind, role, state)
    assert _outcome(person.request("GET", f"/channels/{channel_id}")) == read
    assert _outcome(person.request("POST", f"/channels/{channel_id}/messages",
                                   json={"body": f"as {_row_id(row)}"})) == post
    # Setting `archived` to the value it has changes nothing, but is a manager's setting.
    assert _outcome(person.request("PATCH", f"/channels/{channel_id}",
                                   json={"archived": state == "archived"})) == manage


def test_the_lists_show_what_the_rows_allow(world: World) -> None:
    """The channel list (channels one is in) and the browser (public channels one may read)
    are built from the rules' SQL form: they agree with the table."""
    for role in KINDS:
        for membership in ("in", "out", "creator", "named poster"):
            if role != "member" and membership in ("creator", "named poster"):
                continue
            person = world.person(role, membership)
            rows = [r for r in RULES if r[0] == role and r[2] == membership]
            mine = {c["id"] for c in person.get(f"/workspaces/{world.workspace.id}/channels")["channels"]}
            browsed = {c["id"] for c in person.get(f"/workspaces/{world.workspace.id}/channels/browse")["channels"]}
            for _, kind, _, state, read, _, _ in rows:
                channel_id = world.channel(kind, role, state)
                assert (channel_id in mine) == (read == OK and membership != "out"), (role, membership, kind, state)
                if kind in ("public", "broadcast"):
                    assert (channel_id in browsed) == (read == OK), (role, membership, kind, state)


@pytest.fixture(scope="module")
def server_database(server: Server, world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """An app context in this process on the server's database, to put the rows to the rules
    themselves (read only)."""
    from chat import create_app
    from chat.extensions import db

    url = server.env.get("DATABASE_URL") or f"sqlite:///{server.env['CHAT_INSTANCE_DIR']}/chat.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CHAT_INSTANCE_DIR", str(tmp_path_factory.mktemp("rules-reader")))
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CHAT_ASYNC_MODE": "threading",
                          "MESSAGE_QUEUE_URL": None})
    with app.app_context():
        yield
        db.session.remove()
        db.engine.dispose()


def test_the_python_and_sql_forms_of_each_rule_agree_with_the_table(world: World, server_database: None) -> None:
    from chat.core.errors import ChatError
    from chat.extensions import db
    from chat.models import Channel, ChannelMember, Membership, User
    from chat.services import access

    questions = {"read": access.can_read_channel, "post": access.can_post_in_channel,
                 "manage": access.can_manage_channel}
    for row in RULES:
        role, kind, membership, state, *expected = row
        user_id, channel_id = world.person(role, membership).id, world.channel(kind, role, state)
        channel = db.session.get(Channel, channel_id)
        person = db.session.scalar(select(Membership).where(Membership.workspace_id == world.workspace.id,
                                                            Membership.user_id == user_id))
        member = db.session.scalar(select(ChannelMember).where(ChannelMember.channel_id == channel_id,
                                                               ChannelMember.user_id == user_id))
        standing = access.standing_of(channel, person, member, db.session.get(User, user_id))
        poster = access.posters({(user_id, channel_id)}).get((user_id, channel_id))
        for (question, rule), answer in zip(questions.items(), expected, strict=True):
            where = f"{_row_id(row)}: {question}"
            try:
                rule.check(standing)
                refusal = OK
            except ChatError as error:
                refusal = error.code
            assert refusal == answer, where
            allowed = answer == OK
            assert rule.allows(standing) is allowed, where
            in_channels = channel_id in set(db.session.scalars(access.channel_ids(rule, user_id, [world.workspace.id])))
            in_people = user_id in set(db.session.scalars(access.user_ids(rule, channel_id)))
            assert (in_channels, in_people) == (allowed, allowed), where
            # The send path reads the same facts from driver values, in one prepared query.
            assert (poster is not None and rule.allows(poster.standing)) is allowed, where
