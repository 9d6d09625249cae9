"""Slack and Mattermost message payloads as typed, size-checked models: the message ``text``,
Slack's legacy ``attachments``, the common Block Kit blocks, and Mattermost's ``props``.

``parse_slack_message(data)`` and ``parse_mattermost_message(data)`` take a decoded JSON
object (``blocks`` and ``attachments`` may also come as JSON text, as form-encoded posts send
them) and return the model, or raise a ``SlackPayloadError`` whose ``code`` is the error name
Slack answers for it, for the webhook and the Web API to send back as they are:

=========================  =====================================================================
``invalid_payload``        not an object; a field of the wrong type (text not a string, ...)
``no_text``                nothing to show: no text, no blocks, no attachments (no ``props.card``)
``msg_too_long``           ``text`` past limits.SLACK_TEXT_LENGTH, or all the text of the message
                           past limits.SLACK_TOTAL_TEXT
``too_many_attachments``   more than limits.SLACK_ATTACHMENTS attachments
``invalid_attachments``    an attachment that is not an object, a field of the wrong type or size
``invalid_blocks``         more than limits.SLACK_BLOCKS blocks, or a block Slack would refuse
                           (a section without text or fields, a header that is not plain_text,
                           texts, fields or elements past Slack's limits, an image without a URL)
=========================  =====================================================================

The error's ``field`` says where (``blocks[2].text``). Unknown fields are ignored; blocks of
an unknown ``type`` are kept as ``UnknownBlock`` (the renderer shows their text, if any) rather
than refused, so a payload made for a newer Slack still posts.

Text is taken as sent, with two changes: NFC normalisation, and control characters other than
tab and line breaks replaced by U+FFFD (message bodies refuse them; a webhook payload should
not fail over one). Numbers are taken where text is expected (a field's ``value: 42``).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from chat.core import limits
from chat.core.errors import ChatError, Invalid
from chat.core.validation import parse_json

# --- errors ----------------------------------------------------------------------------------------


class SlackPayloadError(Invalid):
    """A payload Slack would refuse; ``code`` is Slack's name for why."""

    code = "invalid_payload"


class NoText(SlackPayloadError):
    code = "no_text"


class MsgTooLong(SlackPayloadError):
    code = "msg_too_long"


class TooManyAttachments(SlackPayloadError):
    code = "too_many_attachments"


class InvalidAttachments(SlackPayloadError):
    code = "invalid_attachments"


class InvalidBlocks(SlackPayloadError):
    code = "invalid_blocks"


# --- text --------------------------------------------------------------------------------------------

_CONTROLS = dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)], "\ufffd")


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a string")
    text = value if isinstance(value, str) else str(value)
    return unicodedata.normalize("NFC", text.translate(_CONTROLS))


Text = Annotated[str, BeforeValidator(_text)]
Short = Annotated[str, BeforeValidator(_text), Field(max_length=limits.SLACK_SHORT_TEXT)]
Url = Annotated[str, BeforeValidator(_text), Field(max_length=limits.SLACK_URL_LENGTH)]
LongText = Annotated[str, BeforeValidator(_text), Field(max_length=limits.SLACK_TEXT_LENGTH)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=False)


def _json_list(value: Any) -> Any:
    """``blocks`` and ``attachments`` as form-encoded requests send them: JSON text."""
    if isinstance(value, str):
        try:
            return parse_json(value)
        except ChatError:
            raise ValueError("must be a JSON array") from None
    return value


# --- Block Kit -------------------------------------------------------------------------------------

class TextObject(_Model):
    """A ``plain_text`` or ``mrkdwn`` text object. ``emoji`` (shortcodes as emoji in plain
    text) is kept but not acted on: shortcodes are shown as written, as in messages.
    ``verbatim`` mrkdwn links no bare URLs."""

    type: Literal["plain_text", "mrkdwn"]
    text: Text
    emoji: bool = True
    verbatim: bool = False


def _max_text(obj: TextObject | None, length: int, where: str) -> None:
    if obj is not None and len(obj.text) > length:
        raise ValueError(f"{where} must be at most {length} characters")


class ImageElement(_Model):
    type: Literal["image"]
    image_url: Url | None = None
    alt_text: Short = ""


class SectionBlock(_Model):
    type: Literal["section"]
    text: TextObject | None = None
    fields: list[TextObject] = Field(default_factory=list, max_length=limits.SLACK_SECTION_FIELDS)
    accessory: dict[str, Any] | None = None  # an image is shown; buttons and menus are not
    block_id: Short | None = None

    @model_validator(mode="after")
    def _sizes(self) -> SectionBlock:
        if self.text is None and not self.fields:
            raise ValueError("a section needs text or fields")
        _max_text(self.text, limits.SLACK_SECTION_TEXT, "text")
        for item in self.fields:
            _max_text(item, limits.SLACK_FIELD_TEXT, "a field")
        return self

    def accessory_image(self) -> ImageElement | None:
        if self.accessory and self.accessory.get("type") == "image":
            try:
                return ImageElement.model_validate(self.accessory)
            except ValidationError:
                return None
        return None


class HeaderBlock(_Model):
    type: Literal["header"]
    text: TextObject
    block_id: Short | None = None

    @model_validator(mode="after")
    def _plain(self) -> HeaderBlock:
        if self.text.type != "plain_text":
            raise ValueError("a header's text must be plain_text")
        _max_text(self.text, limits.SLACK_HEADER_TEXT, "text")
        return self


class DividerBlock(_Model):
    type: Literal["divider"]
    block_id: Short | None = None


ContextElement = Annotated[
    Annotated[TextObject, Tag("text")] | Annotated[ImageElement, Tag("image")],
    Discriminator(lambda v: "image" if (v.get("type") if isinstance(v, dict) else getattr(v, "type", None))
                  == "image" else "text")]


class ContextBlock(_Model):
    type: Literal["context"]
    elements: list[ContextElement] = Field(min_length=1, max_length=limits.SLACK_CONTEXT_ELEMENTS)
    block_id: Short | None = None

    @model_validator(mode="after")
    def _sizes(self) -> ContextBlock:
        for element in self.elements:
            if isinstance(element, TextObject):
                _max_text(element, limits.SLACK_FIELD_TEXT, "an element's text")
        return self


class ImageBlock(_Model):
    type: Literal["image"]
    image_url: Url
    alt_text: Short
    title: TextObject | None = None
    block_id: Short | None = None


class RichTextElement(_Model):
    """An element of a ``rich_text`` block, any level: containers (``rich_text_section``,
    ``rich_text_list``, ``rich_text_quote``, ``rich_text_preformatted``) hold ``elements``;
    leaves are ``text`` (with ``style``), ``link``, ``user``, ``channel``, ``usergroup``,
    ``broadcast``, ``emoji``, ``date``. Unknown types show their ``text``, if any."""

    type: Short
    elements: list[RichTextElement] | None = None
    text: Text | None = None
    style: dict[str, Any] | str | None = None
    url: Url | None = None
    user_id: Short | None = None
    channel_id: Short | None = None
    range: Short | None = None
    name: Short | None = None
    unicode: Short | None = None
    timestamp: int | None = None
    format: Short | None = None
    fallback: Short | None = None

    def walk(self) -> Iterator[RichTextElement]:
        yield self
        for child in self.elements or ():
            yield from child.walk()

    def styles(self) -> set[str]:
        return {k for k, v in self.style.items() if v is True} if isinstance(self.style, dict) else set()


class RichTextBlock(_Model):
    type: Literal["rich_text"]
    elements: list[RichTextElement] = Field(default_factory=list)
    block_id: Short | None = None

    @model_validator(mode="after")
    def _count(self) -> RichTextBlock:
        if sum(1 for e in self.elements for _ in e.walk()) > limits.SLACK_RICH_TEXT_ELEMENTS:
            raise ValueError(f"a rich_text block may hold at most {limits.SLACK_RICH_TEXT_ELEMENTS} elements")
        for element in self.elements:
            for item in element.walk():
                if item.text is not None and len(item.text) > limits.SLACK_TEXT_LENGTH:
                    raise ValueError(f"a text element must be at most {limits.SLACK_TEXT_LENGTH} characters")
        return self


class UnknownBlock(_Model):
    """A block this renderer does not draw (actions, input, video, ...): its ``text`` object,
    if it has one, is shown as plain text; nothing else of it is."""

    type: Short
    text: TextObject | None = None

    @model_validator(mode="after")
    def _size(self) -> UnknownBlock:
        _max_text(self.text, limits.SLACK_SECTION_TEXT, "text")
        return self


_KNOWN_BLOCKS = ("section", "header", "divider", "context", "image", "rich_text")


def _block_type(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if not isinstance(value, dict | BaseModel):
        return "none"  # not an object: refused below as the wrong type
    return kind if kind in _KNOWN_BLOCKS else "unknown"


class _NotABlock(_Model):
    type: Literal["__never__"]


Block = Annotated[
    Annotated[SectionBlock, Tag("section")] | Annotated[HeaderBlock, Tag("header")]
    | Annotated[DividerBlock, Tag("divider")] | Annotated[ContextBlock, Tag("context")]
    | Annotated[ImageBlock, Tag("image")] | Annotated[RichTextBlock, Tag("rich_text")]
    | Annotated[UnknownBlock, Tag("unknown")] | Annotated[_NotABlock, Tag("none")],
    Discriminator(_block_type)]
Blocks = Annotated[list[Block], BeforeValidator(_json_list), Field(max_length=limits.SLACK_BLOCKS)]


# --- legacy attachments ----------------------------------------------------------------------------

class AttachmentField(_Model):
    title: Short = ""
    value: LongText = ""
    short: bool = False


class Attachment(_Model):
    """One of Slack's legacy attachments (Mattermost's have the same shape)."""

    fallback: LongText | None = None
    color: Short | None = None
    pretext: LongText | None = None
    author_name: Short | None = None
    author_link: Url | None = None
    author_icon: Url | None = None
    title: Short | None = None
    title_link: Url | None = None
    text: LongText | None = None
    fields: list[AttachmentField] = Field(default_factory=list, max_length=limits.SLACK_ATTACHMENT_FIELDS)
    image_url: Url | None = None
    thumb_url: Url | None = None
    footer: Short | None = None
    footer_icon: Url | None = None
    ts: int | float | str | None = None
    mrkdwn_in: list[str] = Field(default_factory=list, max_length=10)
    blocks: Blocks = Field(default_factory=list)

    @field_validator("fields", "mrkdwn_in", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    def timestamp(self) -> float | None:
        """``ts`` as seconds since the epoch, if it is one (Slack takes a number or its text)."""
        try:
            value = float(self.ts) if self.ts is not None and not isinstance(self.ts, bool) else None
        except ValueError:
            return None
        return value if value is not None and 0 <= value < 253402300800 else None  # before year 10000


Attachments = Annotated[list[Attachment], BeforeValidator(_json_list)]


# --- messages --------------------------------------------------------------------------------------

class SlackMessage(_Model):
    """A Slack message: ``text`` (mrkdwn unless ``mrkdwn`` is false), ``blocks``, ``attachments``.
    When blocks are given, Slack shows them instead of the text, which becomes the fallback for
    notifications; the renderer does the same."""

    text: Text | None = None
    mrkdwn: bool = True
    blocks: Blocks = Field(default_factory=list)
    attachments: Attachments = Field(default_factory=list)

    @field_validator("blocks", "attachments", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class MattermostProps(_Model):
    card: LongText | None = None
    attachments: Attachments = Field(default_factory=list)


class MattermostMessage(_Model):
    """A Mattermost post: ``text`` is Markdown (as in our own messages), attachments are
    Slack's with Markdown in their ``pretext``, ``text`` and field values; ``props.card`` is
    Markdown shown on demand. Attachments may come at the top level (incoming webhooks) or in
    ``props.attachments`` (the API): both are shown, top-level ones first."""

    text: Text | None = None
    attachments: Attachments = Field(default_factory=list)
    props: MattermostProps | None = None

    @field_validator("attachments", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    def all_attachments(self) -> list[Attachment]:
        return [*self.attachments, *(self.props.attachments if self.props else [])]


# --- parsing ---------------------------------------------------------------------------------------

def _where(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a path (``blocks[2].fields[0].text``), without the tags
    of the unions (a block's type after its index; a context element's kind)."""
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        if i >= 2 and isinstance(loc[i - 1], int) and (
                loc[i - 2] == "blocks" or (loc[i - 2] == "elements" and "context" in loc[:i])):
            continue  # a union's tag, not a field
        out += f".{part}" if out else str(part)
    return out


def _error(err: ValidationError) -> SlackPayloadError:
    first = err.errors(include_url=False, include_input=False)[0]
    loc = tuple(first["loc"])
    where = _where(loc)
    reason = "must be an object" if first["type"] in ("model_type", "model_attributes_type", "dict_type") \
        else first["msg"].removeprefix("Value error, ")
    message = f"{where}: {reason}" if where else reason
    top = loc[0] if loc else None
    if top == "props" and len(loc) > 1 and loc[1] == "attachments":
        top, loc = "attachments", loc[1:]
    if top == "attachments":
        if len(loc) == 1 and first["type"] == "too_long":
            return TooManyAttachments(f"at most {limits.SLACK_ATTACHMENTS} attachments", field=where)
        return InvalidAttachments(message, field=where)
    if top == "blocks":
        return InvalidBlocks(message, field=where)
    if first["type"] == "string_too_long":
        return MsgTooLong(message, field=where)
    return SlackPayloadError(message, field=where or None)


def _texts(blocks: list[Any], attachments: list[Attachment]) -> Iterator[str]:
    """Every piece of text of the blocks and attachments, for the total size."""
    for block in blocks:
        yield from _model_strings(block)
    for attachment in attachments:
        yield from _model_strings(attachment)


def _model_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _model_strings(getattr(value, name))
    elif isinstance(value, list):
        for item in value:
            yield from _model_strings(item)


def _check_sizes(text: str | None, blocks: list[Any], attachments: list[Attachment], extra: str | None) -> None:
    if text is not None and len(text) > limits.SLACK_TEXT_LENGTH:
        raise MsgTooLong(f"text must be at most {limits.SLACK_TEXT_LENGTH} characters", field="text")
    if len(attachments) > limits.SLACK_ATTACHMENTS:
        raise TooManyAttachments(f"at most {limits.SLACK_ATTACHMENTS} attachments", field="attachments")
    total = len(text or "") + len(extra or "")
    for piece in _texts(blocks, attachments):
        total += len(piece)
        if total > limits.SLACK_TOTAL_TEXT:
            raise MsgTooLong(f"a message may hold at most {limits.SLACK_TOTAL_TEXT} characters of text")
    if not (text or "").strip() and not blocks and not attachments and not (extra or "").strip():
        raise NoText("the message has no text, blocks or attachments", field="text")


def parse_slack_message(data: Any) -> SlackMessage:
    """``data`` (a decoded JSON object) as a SlackMessage, or the SlackPayloadError Slack would
    answer."""
    if not isinstance(data, dict):
        raise SlackPayloadError("the payload must be a JSON object")
    _precheck(data)
    try:
        message = SlackMessage.model_validate(data)
    except ValidationError as err:
        raise _error(err) from None
    _check_sizes(message.text, message.blocks, message.attachments, None)
    return message


def parse_mattermost_message(data: Any) -> MattermostMessage:
    """``data`` as a MattermostMessage, or the SlackPayloadError its webhook answers (Mattermost
    takes Slack's format, and the same names are used)."""
    if not isinstance(data, dict):
        raise SlackPayloadError("the payload must be a JSON object")
    _precheck(data)
    try:
        message = MattermostMessage.model_validate(data)
    except ValidationError as err:
        raise _error(err) from None
    _check_sizes(message.text, [], message.all_attachments(), message.props.card if message.props else None)
    return message


def _precheck(data: dict[str, Any]) -> None:
    """The count limits that pydantic would only find after validating every item: a payload of
    a million attachments is refused before the first is looked at."""
    text = data.get("text")
    if isinstance(text, str) and len(text) > limits.SLACK_TEXT_LENGTH:
        raise MsgTooLong(f"text must be at most {limits.SLACK_TEXT_LENGTH} characters", field="text")
    attachments = data.get("attachments")
    if isinstance(attachments, list) and len(attachments) > limits.SLACK_ATTACHMENTS:
        raise TooManyAttachments(f"at most {limits.SLACK_ATTACHMENTS} attachments", field="attachments")
    blocks = data.get("blocks")
    if isinstance(blocks, list) and len(blocks) > limits.SLACK_BLOCKS:
        raise InvalidBlocks(f"at most {limits.SLACK_BLOCKS} blocks", field="blocks")
