"""Sending a message: the one ``send_message`` every door calls (browser socket, REST, bots,
webhooks). Checks, then a group commit writes the sends that arrive together in one
transaction (``store.store_messages``), records their events and answers each sender."""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chat.core import events
from chat.core.actor import Actor
from chat.core.errors import ChatError, Conflict, Invalid, NotFound
from chat.core.group_commit import GroupCommit, Job
from chat.core.rendering import Rendered, render
from chat.core.transactions import atomic, in_transaction
from chat.core.validation import check_client_msg_id, check_file_ids, check_id, check_message_body, check_optional_id
from chat.extensions import db
from chat.models import Message, UserKind
from chat.services import access as rules
from chat.services import files
from chat.services.access import Poster, posters
from chat.services.integrations import events_api, listeners, outgoing, slack_ts
from chat.services.integrations.listeners import SentMessage
from chat.services.integrations.slack_format import RenderedMessage
from chat.services.messages.content import SUBTYPES, MessageContent
from chat.services.messages.mentions import people_for_mentions, to_notify
from chat.services.messages.store import NewMessage, StoredMessage, store_messages
from chat.services.payloads import author_payload, file_payloads, message_payload, new_message_payload

log = logging.getLogger(__name__)


class _Send(Job):
    """One send waiting for its batch (see ``group_commit``): checked input, nothing read yet."""

    def __init__(self, sender: Actor, channel_id: int, body: str, client_msg_id: str | None,
                 thread_root_id: int | None, file_ids: list[str], content: MessageContent | None,
                 subtype: str | None = None) -> None:
        super().__init__()
        # Only plain values: the batch is written in another request's session.
        self.sender_id, self.channel_id, self.body = sender.id, channel_id, body
        self.client_msg_id, self.thread_root_id, self.file_ids = client_msg_id, thread_root_id, file_ids
        self.content = content  # frozen, checked models: no rows
        self.subtype = subtype
        self.key = (sender.id, client_msg_id) if client_msg_id else None


def send_message(sender: Actor, channel_id: int, body: Any, *, client_msg_id: Any = None,
                 thread_root_id: Any = None, file_ids: Any = None,
                 content: MessageContent | None = None, subtype: str | None = None) -> tuple[dict[str, Any], bool]:
    """Store and publish a message. Returns (payload, created); a repeated client_msg_id
    returns the stored original with created=False and publishes nothing.

    ``file_ids`` are the sender's uploads to this channel (``files.upload_files``) or to an upload
    URL of its workspace (``files.upload_urls``); a message with files may have an empty body.
    ``content``: a Slack- or Mattermost-format message
    (webhooks, the Web API; ``content.MessageContent``), with ``body`` None: the message's
    HTML is its rendering, its body the plain-text fallback, and it keeps the source in
    ``props``. Sends that arrive together are committed together (``_write_sends``); each
    still gets its own answer or error, as if it had been alone. ``subtype``: a plain message's
    kind, kept in ``props`` (``content.SUBTYPES``: ``me_message`` for ``/me``)."""
    file_ids = check_file_ids(file_ids)
    if subtype is not None and (subtype not in SUBTYPES or content is not None):
        raise ValueError(f"not a subtype of plain messages: {subtype!r}")
    if content is not None:
        if body is not None:
            raise TypeError("send either a body or content: the content's text is the body")
        body = ""
    else:
        body = check_message_body(body, allow_empty=bool(file_ids))
    job = _Send(sender, check_id(channel_id, "channel_id"), body, check_client_msg_id(client_msg_id),
                check_optional_id(thread_root_id, "thread_root_id"), file_ids, content, subtype)
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
    planned: list[tuple[_Send, NewMessage]] = []
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
            new = [plan for _job, plan in planned]
            payloads = _publish(store_messages(new), new)
    except IntegrityError:
        # A lone send whose client id raced in from another request: answer with the winner.
        if len(planned) > 1 or not retries_possible or _answer_retries([planned[0][0]]):
            raise
        return
    for (job, _), payload in zip(planned, payloads, strict=True):
        job.finish((payload, True))


def _publish(stored: list[StoredMessage], new: list[NewMessage]) -> list[dict[str, Any]]:
    """Inside the transaction, after the store step: each message's payload, recorded as
    ``message.created`` (and its thread's first message as ``message.updated``); then the
    integrations that listen are told (``_tell_listeners``)."""
    payloads = []
    heard: list[SentMessage] = []
    for message, plan in zip(stored, new, strict=True):
        poster = plan.poster
        author = author_payload(poster.user_id, poster.username, poster.display_name,
                                UserKind.bot if poster.is_bot else UserKind.person)
        payload = new_message_payload(message, author, {}, file_payloads(plan.attachments))
        events.record(message.workspace_id, events.MESSAGE_CREATED, payload, channel_id=message.channel_id)
        if plan.root is not None:
            events.record(message.workspace_id, events.MESSAGE_UPDATED, message_payload(plan.root),
                          channel_id=message.channel_id)
        payloads.append(payload)
        if poster.listened:
            root = plan.root
            heard.append(SentMessage(payload, slack_ts.encode(root.id, root.created_at) if root is not None else None,
                                     root.user_id if root is not None else None,
                                     frozenset(plan.rendered.mentioned_user_ids)))
    if heard:
        _tell_listeners(heard)
    return payloads


def _tell_listeners(heard: list[SentMessage]) -> None:
    """The batch's messages in workspaces where something may listen (nothing at all is done
    for the others): one query finds the bots and outgoing webhooks listening to their
    channels, then each gets its deliveries, in this transaction."""
    found = listeners.listening({m.payload["channel_id"] for m in heard}, {m.payload["workspace_id"] for m in heard})
    events_api.messages_created(heard, found.bots)
    outgoing.messages_created(heard, found.hooks)


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


def _plan(job: _Send, poster: Poster | None) -> NewMessage:
    """Every check and read a send needs before the write; raises the sender's error."""
    if poster is None:
        raise NotFound("channel not found")
    rules.can_post_in_channel.check(poster.standing)
    attachments = files.check_sendable(job.sender_id, poster.workspace_id, job.channel_id, job.file_ids)
    root = None
    if job.thread_root_id is not None:
        root = db.session.get(Message, job.thread_root_id)
        if root is None or root.channel_id != job.channel_id or root.deleted_at is not None:
            raise NotFound("thread not found", code="thread_not_found")
        if root.thread_root_id is not None:
            raise Invalid("replies go to the thread's first message", field="thread_root_id")
    body, props = job.body, None
    rendered: Rendered | RenderedMessage
    if job.content is not None:
        rendered = job.content.render(poster.workspace_id)
        body, props = rendered.text, job.content.props()
    else:
        rendered = render(job.body, people_for_mentions(poster.workspace_id, job.body))
        props = {"subtype": job.subtype} if job.subtype else None
    mentioned: set[int] = set()
    if rendered.mentioned_user_ids or rendered.mentions_channel:
        mentioned = to_notify(poster.channel_id, rendered.mentioned_user_ids, rendered.mentions_channel,
                              job.sender_id)
    return NewMessage(poster, body, rendered, job.client_msg_id, root, frozenset(mentioned), attachments, props)


_sends: GroupCommit[_Send] = GroupCommit(_write_sends)
