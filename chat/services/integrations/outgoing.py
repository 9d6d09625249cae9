"""What an outgoing webhook is sent (Mattermost's and Slack's outgoing webhooks): the send
path's part of them, below the messages package. Making, changing and deleting hooks, and
posting their replies, is ``services/webhooks/outgoing.py``, which also registers the kind.

For each message of a batch, each hook listening to its channel (``listeners``) that hears its
author (never its own replies; bots only when it allows) and whose trigger matches gets one
delivery of kind ``outgoing_webhook`` per callback URL, inside the batch's transaction, with
Mattermost's fields (Slack's outgoing webhooks use the same names, with ``service_id``)::

    token, team_id, team_domain, service_id, channel_id, channel_name, timestamp, user_id,
    user_name, post_id, text, trigger_word, file_ids

as JSON or as a form (``application/x-www-form-urlencoded``), as the hook says. Ids are
Slack's (``T…``, ``C…``, ``U…``), ``timestamp`` is the message's Slack ts, ``post_id`` our
message id (what an incoming webhook's ``root_id`` takes), ``file_ids`` its files' ids joined
by commas, ``text`` the message's text as the Web API gives it.
"""
from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs, urlencode

from chat.core.errors import Invalid
from chat.models import HookContentType
from chat.services.integrations import slack_ids, slack_shapes, slack_ts
from chat.services.integrations.deliveries import enqueue_delivery
from chat.services.integrations.listeners import HookListener, SentMessage

KIND = "outgoing_webhook"
JSON_TYPE = HookContentType.json.value
log = logging.getLogger(__name__)


def messages_created(sent: list[SentMessage], hooks: dict[int, list[HookListener]]) -> None:
    """The send path, inside a batch's transaction, with the hooks ``listeners.listening``
    found for the batch's channels."""
    if not hooks:
        return
    for message in sent:
        payload = message.payload
        author = payload["author"]
        text = slack_shapes.text_of(payload)
        for hook in hooks.get(payload["channel_id"], ()):
            if not hook.hears(author["id"], author["is_bot"]):
                continue
            word = hook.trigger(text)
            if word is not None:
                _send(hook, fields(hook, payload, text, word))


def fields(hook: HookListener, payload: dict[str, Any], text: str, trigger_word: str) -> dict[str, str]:
    """The fields of the request about one message."""
    author = payload["author"]
    return {
        "token": hook.token, "team_id": slack_ids.team_id(hook.workspace_id),
        "team_domain": slack_shapes.domain(hook.workspace_name), "service_id": str(hook.hook_id),
        "channel_id": slack_ids.channel_id(hook.channel_id), "channel_name": hook.channel_name,
        "timestamp": slack_ts.of_payload(payload), "user_id": slack_ids.user_id(author["id"]),
        "user_name": author["username"], "post_id": str(payload["id"]), "text": text,
        "trigger_word": trigger_word, "file_ids": ",".join(f["id"] for f in payload.get("files") or ()),
    }


def body_of(content_type: str, data: dict[str, str]) -> str:
    return json.dumps(data, ensure_ascii=False) if content_type == JSON_TYPE else urlencode(data)


def read_body(content_type: str, body: bytes) -> dict[str, str]:
    """The fields of a request body this module made (for the reply: which message it was)."""
    if content_type == JSON_TYPE or body.startswith(b"{"):
        data = json.loads(body)
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}


def _send(hook: HookListener, data: dict[str, str]) -> None:
    body = body_of(hook.content_type, data)
    for url in hook.callback_urls:
        try:
            enqueue_delivery(workspace_id=hook.workspace_id, kind=KIND, integration_id=hook.hook_id, event="message",
                             url=url, body=body, headers={"Content-Type": hook.content_type,
                                                          "Accept": "application/json"})
        except Invalid as err:  # a body over the delivery limit: the message stands, this request is dropped
            log.warning("outgoing webhook %s: not sent to %s: %s", hook.hook_id, url, err.message)
