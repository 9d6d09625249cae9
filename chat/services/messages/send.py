"""Messages: the one place a message is sent, edited, deleted, reacted to or pinned, whether
the request comes from the browser, a socket, a bot or the REST API."""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError

from chat.core import events, limits
from chat.core.actor import Actor
from chat.core.errors import ChatError, Conflict, Forbidden, Invalid, NotFound
from chat.core.group_commit import GroupCommit, Job
from chat.core.prepared import Prepared
from chat.core.transactions import atomic, in_transaction, insert_many
from chat.core.validation import (
    check_client_msg_id,
    check_emoji,
    check_file_ids,
    check_id,
    check_limit,
    check_message_body,
    check_optional_id,
)
from chat.extensions import db
from chat.models import Channel, File, Membership, Mention, Message, Reaction, User
from chat.models._time import utcnow
from chat.services import access as rules
from chat.services import files
from chat.services.access import Poster, access_channel, access_membership, access_message, posters
from chat.services.messages.rendering import Rendered, mention_candidates, render
from chat.services.payloads import author_payload, file_payloads, message_payload, message_payloads, new_message_payload

log = logging.getLogger(__name__)


def _people_for_mentions(workspace_id: int, body: str) -> dict[str, int]:
    names = mention_candidates(body)
    if not names:
        return {}
    return dict(db.session.execute(
        select(User.username, User.id).join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace_id, Membership.active, User.username.in_(names))).tuples().all())


def _mentioned(channel_id: int, rendered_ids: set[int], everyone: bool, author_id: int) -> set[int]:
    """People to notify: everyone in the channel for @channel, else the named people who can
    read it."""
    if everyone:
        query = rules.user_ids(rules.is_in_channel, channel_id)
    elif rendered_ids:
        query = rules.user_ids(rules.can_read_channel, channel_id, among=rendered_ids)
    else:
        return set()
    return set(db.session.scalars(query)) - {author_id}


class _Send(Job):
    """One send waiting for its batch (see ``group_commit``): checked input, nothing read yet."""

    def __init__(self, sender: Actor, channel_id: int, body: str, client_msg_id: str | None,
                 thread_root_id: int | None, file_ids: list[str]) -> None:
        super().__init__()
        # Only plain values: the batch is written in another request's session.
        self.sender_id, self.channel_id, self.body = sender.id, channel_id, body
        self.client_msg_id, self.thread_root_id, self.file_ids = client_msg_id, thread_root_id, file_ids
        self.key = (sender.id, client_msg_id) if client_msg_id else None


def send_message(sender: Actor, channel_id: int, body: Any, *, client_msg_id: Any = None,
                 thread_root_id: Any = None, file_ids: Any = None) -> tuple[dict[str, Any], bool]:
    """Store and publish a message. Returns (payload, created); a repeated client_msg_id
    returns the stored original with created=False and publishes nothing.

    ``file_ids`` are the sender's uploads to this channel (``files.upload_files``); a message
    with files may have an empty body. Sends that arrive together are committed together
    (``_write_sends``); each still gets its own answer or error, as if it had been alone."""
    file_ids = check_file_ids(file_ids)
    body = check_message_body(body, allow_empty=bool(file_ids))
    job = _Send(sender, check_id(channel_id, "channel_id"), body, check_client_msg_id(client_msg_id),
                check_optional_id(thread_root_id, "thread_root_id"), file_ids)
    if in_transaction():
        # The caller holds the writer lock a batch leader would wait for: join its transaction
        # (looking a retry up first, since a failed INSERT would spoil the caller's transaction).
        _write_together([job], retries_possible=True)
        return job.outcome()
    return _sends.run(job)


def _write_sends(jobs: list[_Send]) -> None:
    """Settle every job. First the whole batch in one transaction, assuming no send is a retry
    (the unique client id catches one); then what is left one at a time, looking retries up
    first: the sends of a failed batch, so a bad one fails alone, and a client id that came
    twice in the batch, which by then is an ordinary retry."""
    try:
        _write_together(jobs, retries_possible=False)
    except IntegrityError:
        pass  # a retry of a stored send, most likely: the one-at-a-time pass answers it
    except Exception:
        log.warning("a batch of %d sends failed; writing them one at a time", len(jobs), exc_info=True)
    for job in jobs:
        if not job.finished:
            try:
                _write_together([job], retries_possible=True)
            except Exception as err:  # ChatError for the sender; anything else is logged by the caller
                job.fail(err)


def _write_together(jobs: list[_Send], *, retries_possible: bool) -> None:
    """Write the jobs in one transaction and finish them, or raise with none of them written
    (those answered without writing, like retries and refusals, stay answered)."""
    jobs = _answer_retries(jobs) if retries_possible else _first_of_each_key(jobs)
    # Who may post where, with the authors' names: read in the batch, not taken from the
    # sender's session, so a new display name shows at once.
    standing = posters({(job.sender_id, job.channel_id) for job in jobs})
    planned: list[tuple[_Send, _Plan]] = []
    for job in jobs:
        try:
            planned.append((job, _plan(job, standing.get((job.sender_id, job.channel_id)))))
        except ChatError as err:
            if job.key is None or retries_possible:
                job.fail(err)
            # else: maybe a retry whose first try was stored (its files are sent, say): the
            # one-at-a-time pass looks it up before judging it again.
    if not planned:
        return
    try:
        with atomic():
            now = utcnow()
            rows = [{"workspace_id": plan.poster.workspace_id, "channel_id": job.channel_id,
                     "user_id": job.sender_id, "client_msg_id": job.client_msg_id,
                     "thread_root_id": job.thread_root_id, "body": job.body, "html": plan.rendered.html,
                     "mentions_channel": plan.rendered.mentions_channel, "reply_count": 0, "created_at": now}
                    for job, plan in planned]
            db.session.flush()  # a thread root's count may be pending from an earlier send of the batch
            ids = insert_many(Message.__table__, rows)
            # Plain values for what follows (payloads, files, thread roots): the rows are stored,
            # and ORM objects would cost more than the rest of the send.
            messages = [SimpleNamespace(id=message_id, edited_at=None, deleted_at=None, pinned_at=None,
                                        last_reply_at=None, **row) for message_id, row in zip(ids, rows, strict=True)]
            payloads = [_write_details(message, plan) for message, (_job, plan) in zip(messages, planned, strict=True)]
            last = {message.channel_id: message.id for message in messages}  # a channel's last send wins
            _SET_LAST_MESSAGE.run_many([{"channel": cid, "message": mid} for cid, mid in last.items()])
    except IntegrityError:
        # A lone send whose client id raced in from another request: answer with the winner.
        if len(planned) > 1 or not retries_possible or _answer_retries([planned[0][0]]):
            raise
        return
    for (job, _), payload in zip(planned, payloads, strict=True):
        job.finish((payload, True))


def _write_details(message: SimpleNamespace, plan: _Plan) -> dict[str, Any]:
    """Inside the transaction, after the INSERT: everything that hangs on the message's id."""
    poster = plan.poster
    files.attach(plan.attachments, message.id)
    for user_id in plan.mentioned:
        db.session.add(Mention(message_id=message.id, user_id=user_id, channel_id=poster.channel_id,
                               workspace_id=poster.workspace_id))
    author = author_payload(poster.user_id, poster.username, poster.display_name)
    payload = new_message_payload(message, author, {}, file_payloads(plan.attachments))
    events.record(poster.workspace_id, events.MESSAGE_CREATED, payload, channel_id=poster.channel_id)
    if plan.root is not None:
        plan.root.reply_count += 1
        plan.root.last_reply_at = message.created_at
        events.record(poster.workspace_id, events.MESSAGE_UPDATED, message_payload(plan.root),
                      channel_id=poster.channel_id)
    return payload


def _answer_retries(jobs: list[_Send]) -> list[_Send]:
    """Answer retries of stored sends with the original and return the jobs still to write."""
    keys = [job.key for job in jobs if job.key]
    originals = {}
    if keys:
        originals = {(m.user_id, m.client_msg_id): m for m in db.session.scalars(
            select(Message).where(Message.user_id.in_({u for u, _ in keys}),
                                  Message.client_msg_id.in_({c for _, c in keys})))}
    fresh = []
    for job in _first_of_each_key(jobs):
        original = originals.get(job.key) if job.key else None
        if original is None:
            fresh.append(job)
        elif original.channel_id != job.channel_id:
            job.fail(Conflict("client_msg_id was already used for another conversation",
                              code="client_msg_id_reused"))
        else:
            job.finish((message_payload(original), False))
    return fresh


def _first_of_each_key(jobs: list[_Send]) -> list[_Send]:
    """The jobs to write now: a client id repeated in the batch waits until the first is stored."""
    seen: set[tuple[int, str]] = set()
    first = []
    for job in jobs:
        if job.key is None or job.key not in seen:
            first.append(job)
            if job.key is not None:
                seen.add(job.key)
    return first


@dataclass
class _Plan:
    poster: Poster
    rendered: Rendered
    mentioned: set[int]
    attachments: list[File]
    root: Message | None


def _plan(job: _Send, poster: Poster | None) -> _Plan:
    """Every check and read a send needs before the write; raises the sender's error."""
    if poster is None:
        raise NotFound("channel not found")
    rules.can_post_in_channel.check(poster.standing)
    attachments = files.check_sendable(job.sender_id, job.channel_id, job.file_ids)
    root = None
    if job.thread_root_id is not None:
        root = db.session.get(Message, job.thread_root_id)
        if root is None or root.channel_id != job.channel_id or root.deleted_at is not None:
            raise NotFound("thread not found", code="thread_not_found")
        if root.thread_root_id is not None:
            raise Invalid("replies go to the thread's first message", field="thread_root_id")
    rendered = render(job.body, _people_for_mentions(poster.workspace_id, job.body))
    mentioned: set[int] = set()
    if rendered.mentioned_user_ids or rendered.mentions_channel:
        mentioned = _mentioned(poster.channel_id, rendered.mentioned_user_ids, rendered.mentions_channel,
                               job.sender_id)
    return _Plan(poster, rendered, mentioned, attachments, root)


_sends: GroupCommit[_Send] = GroupCommit(_write_sends)

# Table-level and prepared: for the few rows of a batch, the ORM's unit of work and bulk
# statements cost several times what the database does.
_SET_LAST_MESSAGE = Prepared(Channel.__table__.update().where(Channel.__table__.c.id == bindparam("channel"))
                             .values(last_message_id=bindparam("message")))


def edit_message(actor: Actor, message_id: int, body: Any) -> dict[str, Any]:
    body = check_message_body(body)
    message, access = access_message(actor.id, message_id)
    if message.user_id != actor.id:
        raise Forbidden("you can only edit your own messages", code="not_author")
    rules.can_edit_own_messages.check(access.standing)
    rendered = render(body, _people_for_mentions(access.channel.workspace_id, body))
    already = set(db.session.scalars(select(Mention.user_id).where(Mention.message_id == message.id)))
    mentioned = _mentioned(access.channel.id, rendered.mentioned_user_ids, rendered.mentions_channel, actor.id)
    with atomic():
        message.body, message.html = body, rendered.html
        message.mentions_channel = rendered.mentions_channel
        message.edited_at = utcnow()
        for user_id in mentioned - already:
            db.session.add(Mention(message_id=message.id, user_id=user_id, channel_id=message.channel_id,
                                   workspace_id=message.workspace_id))
        db.session.flush()
        payload = message_payload(message)
        events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
    return payload


def delete_message(actor: Actor, message_id: int) -> dict[str, Any]:
    message, access = access_message(actor.id, message_id)
    if message.user_id != actor.id:
        rules.can_delete_others_messages.check(access.standing)
    with atomic():
        message.deleted_at = utcnow()
        message.pinned_at = None
        db.session.execute(delete(Mention).where(Mention.message_id == message.id))
        db.session.execute(delete(Reaction).where(Reaction.message_id == message.id))
        files.release(list(db.session.scalars(select(File).where(File.message_id == message.id,
                                                                 File.deleted_at.is_(None)))))
        data = {"id": message.id, "channel_id": message.channel_id, "thread_root_id": message.thread_root_id}
        events.record(message.workspace_id, events.MESSAGE_DELETED, data, channel_id=message.channel_id)
        if message.thread_root_id is not None:
            db.session.execute(update(Message).where(Message.id == message.thread_root_id)
                               .values(reply_count=Message.reply_count - 1))
            root = db.session.get_one(Message, message.thread_root_id)
            db.session.refresh(root)
            events.record(message.workspace_id, events.MESSAGE_UPDATED, message_payload(root),
                          channel_id=message.channel_id)
    return data




def react(actor: Actor, message_id: int, emoji: Any, *, add: bool) -> dict[str, Any]:
    """Add or remove the person's reaction; repeating either is harmless, at the same moment too."""
    emoji = check_emoji(emoji)
    message, access = access_message(actor.id, message_id)
    rules.can_react_and_pin.check(access.standing)
    try:
        with atomic():
            existing = db.session.scalar(select(Reaction).where(
                Reaction.message_id == message.id, Reaction.user_id == actor.id, Reaction.emoji == emoji))
            if (existing is None) != add:
                return message_payload(message)
            if add:
                distinct = db.session.scalars(select(Reaction.emoji).where(
                    Reaction.message_id == message.id).distinct()).all()
                if emoji not in distinct and len(distinct) >= 50:
                    raise Conflict("this message has too many different reactions", code="too_many_reactions")
                db.session.add(Reaction(message_id=message.id, user_id=actor.id, emoji=emoji,
                                        workspace_id=message.workspace_id))
            else:
                db.session.delete(existing)
            db.session.flush()
            payload = message_payload(message)
            events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
    except IntegrityError:  # the same reaction added at the same moment (another tab): it stands
        return get_message(actor, message_id)
    return payload


def set_pinned(actor: Actor, message_id: int, pinned: bool) -> dict[str, Any]:
    message, access = access_message(actor.id, message_id)
    rules.can_react_and_pin.check(access.standing)
    if (message.pinned_at is not None) == pinned:
        return message_payload(message)
    with atomic():
        message.pinned_at = utcnow() if pinned else None
        message.pinned_by = actor.id if pinned else None
        db.session.flush()
        payload = message_payload(message)
        events.record(message.workspace_id, events.MESSAGE_UPDATED, payload, channel_id=message.channel_id)
    return payload


def get_message(actor: Actor, message_id: int) -> dict[str, Any]:
    message, _ = access_message(actor.id, message_id)
    return message_payload(message)


def history(actor: Actor, channel_id: int, *, before: Any = None, after: Any = None,
            limit: Any = None, thread_root_id: int | None = None) -> dict[str, Any]:
    """One page of top-level messages (or of one thread's replies), oldest first.

    ``before``/``after`` are message ids; with neither, the newest page; with both, the page
    just newer than ``after`` among the messages older than ``before``. ``has_more`` says
    whether more exist beyond the page in the direction asked.
    """
    before, after = check_optional_id(before, "before"), check_optional_id(after, "after")
    limit = check_limit(limit, limits.HISTORY_PAGE)
    access_channel(actor.id, channel_id)
    direction = ("between" if before is not None else "after") if after is not None else \
        "before" if before is not None else "newest"
    params = {"channel_id": channel_id, "root": thread_root_id, "cursor": after or before, "limit": limit + 1,
              "upper": before}
    rows = db.session.execute(_history_query(direction, thread_root_id is not None), params).all()
    has_more = len(rows) > limit
    rows = rows[:limit] if direction in ("after", "between") else rows[:limit][::-1]
    authors = {m.user_id: author_payload(m.user_id, username, display_name) for m, username, display_name in rows}
    return {"messages": message_payloads([m for m, _, _ in rows], authors), "has_more": has_more}


@functools.cache
def _history_query(direction: str, in_thread: bool) -> Select:
    """One page of a channel's top level or of a thread, built once per shape (building and
    keying the statement cost as much as running it)."""
    # The authors come with the page: one round trip fewer, which is what PostgreSQL pays for.
    query = select(Message, User.username, User.display_name).join(User, User.id == Message.user_id).where(
        Message.channel_id == bindparam("channel_id"),
        Message.thread_root_id == bindparam("root") if in_thread else Message.thread_root_id.is_(None),
        # Deleted messages vanish unless a thread hangs on them.
        (Message.deleted_at.is_(None)) | (Message.reply_count > 0))
    if direction == "between":
        query = query.where(Message.id < bindparam("upper"))
    if direction in ("after", "between"):
        return query.where(Message.id > bindparam("cursor")).order_by(Message.id).limit(bindparam("limit"))
    if direction == "before":
        query = query.where(Message.id < bindparam("cursor"))
    return query.order_by(Message.id.desc()).limit(bindparam("limit"))


def thread(actor: Actor, root_id: int, *, after: Any = None, limit: Any = None) -> dict[str, Any]:
    """The thread's first message and a page of its replies, oldest first."""
    root, access = access_message(actor.id, root_id)
    if root.thread_root_id is not None:
        root = db.session.get_one(Message, root.thread_root_id)
    page = history(actor, access.channel.id, after=after, limit=limit, thread_root_id=root.id)
    return {"root": message_payload(root), **page}


def pinned(actor: Actor, channel_id: int) -> list[dict[str, Any]]:
    access_channel(actor.id, channel_id)
    rows = db.session.scalars(select(Message).where(
        Message.channel_id == channel_id, Message.pinned_at.is_not(None), Message.deleted_at.is_(None))
        .order_by(Message.pinned_at.desc()).limit(100))
    return message_payloads(list(rows))


def unread_mentions(actor: Actor, workspace_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Recent messages that mention the person in channels they are still in."""
    access_membership(actor.id, workspace_id)
    rows = db.session.scalars(
        select(Message).join(Mention, Mention.message_id == Message.id)
        .where(Mention.user_id == actor.id, Mention.workspace_id == workspace_id,
               Mention.channel_id.in_(rules.channel_ids(rules.is_in_channel, actor.id, [workspace_id])))
        .order_by(Message.id.desc()).limit(check_limit(limit)))
    return message_payloads(list(rows))
