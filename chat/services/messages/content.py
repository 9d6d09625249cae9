"""Integration content: a message in Slack's or Mattermost's format (text, attachments, blocks,
``props.card``) and how its poster asked to be shown (a name, an icon), as incoming webhooks and
the Slack-compatible Web API send it through ``send_message(..., content=...)``.

It is stored in ``messages.props`` (JSON) as its source, so that it can be rendered again on an
edit and handed back to Slack clients as it was sent::

    {"format": "slack" | "mattermost",
     "text": "...",                       # the source text (mrkdwn or Markdown), if any
     "attachments": [...], "blocks": [...], "card": "...",   # present when given
     "username": "...", "icon_url": "...", "icon_emoji": ":ghost:",  # display overrides
     "webhook_id": 7}                     # the incoming webhook that posted it

A plain message (a person's Markdown) has no props, except a marker of its kind::

    {"subtype": "me_message"}             # /me: shown as an action, in italics (Slack's me_message)

The message's ``html`` is the rendering of all of it (``slack_format``), its ``body`` the plain
text fallback (notifications, search, clients without cards), and its mentions (``<@U…>``,
``<!here>``, ``@name``) count like anyone's.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from chat.core.errors import ChatError
from chat.core.validation import check_http_url, check_text
from chat.extensions import db
from chat.models import Channel, ChannelKind, Membership, User
from chat.services.integrations import slack_ids
from chat.services.integrations.mrkdwn import ChannelRef, UserRef
from chat.services.integrations.slack_format import (
    RenderedMessage,
    markdown_sources,
    render_mattermost,
    render_slack,
)
from chat.services.integrations.slack_payload import (
    MattermostMessage,
    SlackMessage,
    SlackPayloadError,
    parse_mattermost_message,
    parse_slack_message,
)
from chat.services.messages.mentions import people_for_mentions

Format = Literal["slack", "mattermost"]
# The display overrides a poster may ask for, when its workspace allows them (``webhook_overrides``).
OVERRIDES = ("username", "icon_url", "icon_emoji")
# The kinds of plain messages (``props.subtype``, no ``format``).
SUBTYPES = ("me_message",)
ICON_EMOJI_LENGTH = 100
DISPLAY_NAME_LENGTH = 80


@dataclass(frozen=True)
class MessageContent:
    """What ``send_message`` and ``edit_message`` take as ``content``: a checked Slack or
    Mattermost message (``slack_payload``'s models, so its limits and error names hold) and
    the display overrides. Build it with ``slack``/``mattermost`` (which check the overrides)."""

    message: SlackMessage | MattermostMessage
    username: str | None = None    # shown instead of the author's name
    icon_url: str | None = None    # an http(s) picture shown instead of the author's
    icon_emoji: str | None = None  # an emoji short name (":ghost:") shown as the icon
    webhook_id: int | None = None  # the incoming webhook that posted it

    @property
    def format(self) -> Format:
        return "mattermost" if isinstance(self.message, MattermostMessage) else "slack"

    @classmethod
    def slack(cls, data: Any, **display: Any) -> MessageContent:
        """A Slack payload (a decoded JSON object), or its SlackPayloadError."""
        return cls(parse_slack_message(data), **_display(**display))

    @classmethod
    def mattermost(cls, data: Any, **display: Any) -> MessageContent:
        return cls(parse_mattermost_message(data), **_display(**display))

    def with_text(self, text: str) -> MessageContent:
        """The same content with its text replaced (an edit), checked again."""
        source = self.source()
        source["text"] = text
        if self.format == "mattermost":
            if "card" in source:
                source["props"] = {"card": source.pop("card")}
            message: SlackMessage | MattermostMessage = parse_mattermost_message(source)
        else:
            message = parse_slack_message(source)
        return MessageContent(message, self.username, self.icon_url, self.icon_emoji, self.webhook_id)

    def source(self) -> dict[str, Any]:
        """The message as Slack (or Mattermost) would take it back: text, attachments, blocks, card."""
        m = self.message
        out: dict[str, Any] = {}
        if m.text is not None:
            out["text"] = m.text
        if isinstance(m, SlackMessage):
            if not m.mrkdwn:
                out["mrkdwn"] = False
            if m.blocks:
                out["blocks"] = [b.model_dump(mode="json", exclude_defaults=True) for b in m.blocks]
            attachments = m.attachments
        else:
            attachments = m.all_attachments()
            if m.props is not None and m.props.card:
                out["card"] = m.props.card
        if attachments:
            out["attachments"] = [a.model_dump(mode="json", exclude_defaults=True) for a in attachments]
        return out

    def props(self) -> dict[str, Any]:
        """What ``messages.props`` keeps (the module's docstring)."""
        out: dict[str, Any] = {"format": self.format, **self.source()}
        for name in ("username", "icon_url", "icon_emoji", "webhook_id"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_props(cls, props: dict[str, Any]) -> MessageContent:
        """The content a stored message was rendered from (``props``)."""
        source: dict[str, Any] = {k: props[k] for k in ("text", "mrkdwn", "attachments", "blocks") if k in props}
        display = {k: props.get(k) for k in ("username", "icon_url", "icon_emoji", "webhook_id")}
        if props.get("format") == "mattermost":
            if "card" in props:
                source["props"] = {"card": props["card"]}
            return cls(parse_mattermost_message(source), **display)
        return cls(parse_slack_message(source), **display)

    def render(self, workspace_id: int) -> RenderedMessage:
        """HTML, plain text and mentions, names resolved among the workspace's active members
        (and its public channels, for ``<#C…>``): anything else shows as the raw text sent."""
        if isinstance(self.message, MattermostMessage):
            people = people_for_mentions(workspace_id, " ".join(markdown_sources(self.message)))
            return render_mattermost(self.message, people)

        def user(slack_id: str) -> UserRef | None:
            user_id = slack_ids.parse_id(slack_id, slack_ids.SlackIdKind.user)
            if user_id is None:
                return None
            row = db.session.execute(select(User.id, User.username).join(Membership, Membership.user_id == User.id)
                                     .where(User.id == user_id, Membership.workspace_id == workspace_id,
                                            Membership.active)).first()
            return UserRef(row[0], row[1]) if row else None

        def channel(slack_id: str) -> ChannelRef | None:
            channel_id = slack_ids.parse_id(slack_id, slack_ids.SlackIdKind.channel)
            if channel_id is None:
                return None
            # Public channels only: every reader of the message may know of them.
            row = db.session.execute(select(Channel.id, Channel.name).where(
                Channel.id == channel_id, Channel.workspace_id == workspace_id,
                Channel.kind == ChannelKind.public)).first()
            return ChannelRef(row[0], row[1] or "") if row else None

        return render_slack(self.message, users=user, channels=channel)


def is_content(props: dict[str, Any] | None) -> bool:
    """Whether a message's ``props`` hold integration content (else: none, or a plain
    message's ``subtype`` marker)."""
    return bool(props) and "format" in (props or {})


def requested_overrides(data: dict[str, Any], *, allowed: bool) -> tuple[dict[str, Any], bool]:
    """The display overrides (``OVERRIDES``) that ``data`` asks for, as ``MessageContent.slack``
    and ``mattermost`` take them, when ``allowed`` (the workspace's ``webhook_overrides``, for
    incoming webhooks and the Web API alike); none otherwise. Also whether some were asked for and
    ignored (the Web API warns of it)."""
    asked = {name: data[name] for name in OVERRIDES if data.get(name) not in (None, "")}
    return (asked, False) if allowed else ({}, bool(asked))


def _display(*, username: Any = None, icon_url: Any = None, icon_emoji: Any = None,
             webhook_id: int | None = None) -> dict[str, Any]:
    """The display overrides, checked; blank ones are absent. Errors are Slack's
    ``invalid_payload``, with the field."""
    try:
        name = check_text(username, "username", max_length=DISPLAY_NAME_LENGTH, allow_empty=True) \
            if username is not None else None
        url = check_http_url(icon_url, "icon_url") if icon_url not in (None, "") else None
        emoji = check_text(icon_emoji, "icon_emoji", max_length=ICON_EMOJI_LENGTH, allow_empty=True) \
            if icon_emoji is not None else None
    except ChatError as err:  # Invalid from the checks: the payload's fault, in Slack's words
        raise SlackPayloadError(err.message, field=err.field) from None
    return {"username": name or None, "icon_url": url, "icon_emoji": emoji or None, "webhook_id": webhook_id}
