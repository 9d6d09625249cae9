"""Who a message names: the workspace members its @names resolve to, and the people to notify
(the channel's members for @channel, else the named people who may read it)."""
from __future__ import annotations

from sqlalchemy import select

from chat.core.rendering import mention_candidates
from chat.extensions import db
from chat.models import Membership, User
from chat.services import access as rules


def people_for_mentions(workspace_id: int, body: str) -> dict[str, int]:
    names = mention_candidates(body)
    if not names:
        return {}
    return dict(db.session.execute(
        select(User.username, User.id).join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, Membership.active, User.username.in_(names))).tuples().all())


def to_notify(channel_id: int, rendered_ids: set[int], everyone: bool, author_id: int) -> set[int]:
    """People to notify: everyone in the channel for @channel, else the named people who can
    read it."""
    if everyone:
        query = rules.user_ids(rules.is_in_channel, channel_id)
    elif rendered_ids:
        query = rules.user_ids(rules.can_read_channel, channel_id, among=rendered_ids)
    else:
        return set()
    return set(db.session.scalars(query)) - {author_id}
