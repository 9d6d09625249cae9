"""Slack and Mattermost messages (text, legacy attachments, Block Kit blocks, props.card) as
safe HTML cards and a plain-text fallback. Pure: no database, no request; what a Slack id
names is asked of the caller's callbacks.

    message = slack_payload.parse_slack_message(data)        # or raises SlackPayloadError
    out = render_slack(message, users=..., channels=...)     # RenderedMessage
    out.html, out.text, out.mentioned_user_ids, out.mentions_channel

    message = slack_payload.parse_mattermost_message(data)
    people = mentions.people_for_mentions(workspace_id, " ".join(markdown_sources(message)))
    out = render_mattermost(message, people)

The HTML, inside the client's ``.message-body``: the text (unless blocks are given: Slack then
shows the blocks and keeps the text for notifications), then ``<div class="blocks">``, then
``<div class="cards">`` with one ``<article class="card …">`` per attachment. Every piece of
text is escaped; links are http(s)/mailto only; images are http(s) only, shown through the
image proxy (``images.proxied``: a signed same-origin path, so rendering needs an app context for
SECRET_KEY), as ``<img alt loading="lazy" referrerpolicy="no-referrer">``; no style attribute anywhere (the
page's CSP is ``style-src 'self'``). An attachment's colour is a class: ``card-good``,
``card-warning``, ``card-danger``, or for ``#rrggbb`` the nearest of a small palette
(``card-red`` … ``card-gray``, app.css), with the exact colour kept in ``data-color`` for a
client that wants to set it through the CSSOM (which the CSP allows).

Mentions (``<@U…>``, ``<!here>`` in mrkdwn and rich text; ``@name`` in Mattermost's Markdown)
are gathered from everything shown: the text, blocks and attachments.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from chat.core import limits
from chat.core.rendering import render as render_markdown
from chat.services.integrations.mrkdwn import (
    Context,
    Mentions,
    Out,
    ResolveChannel,
    ResolveUser,
    angle,
    date,
    image,
    link,
    nobody,
    plain,
    render_mrkdwn,
    reveal,
    safe_href,
)
from chat.services.integrations.slack_payload import (
    Attachment,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    ImageBlock,
    ImageElement,
    MattermostMessage,
    RichTextBlock,
    RichTextElement,
    SectionBlock,
    SlackMessage,
    TextObject,
    UnknownBlock,
)


@dataclass
class RenderedMessage:
    """``html`` for the conversation, ``text`` for notifications, search and clients without
    cards (at most limits.MESSAGE_LENGTH characters), who was mentioned and whether
    @channel/@here/@everyone was."""

    html: str
    text: str
    mentioned_user_ids: set[int] = field(default_factory=set)
    mentions_channel: bool = False


def _esc(text: str) -> str:
    return escape(text, quote=True)


# --- colours -----------------------------------------------------------------------------------------

NAMED_COLORS = ("good", "warning", "danger")
# The palette an arbitrary colour is shown as (the nearest one): Open Color shades, as app.css uses.
PALETTE: dict[str, tuple[int, int, int]] = {
    "red": (0xE0, 0x31, 0x31), "pink": (0xD6, 0x33, 0x6C), "grape": (0xAE, 0x3E, 0xC9),
    "violet": (0x70, 0x48, 0xE8), "indigo": (0x4C, 0x6E, 0xF5), "blue": (0x1C, 0x7E, 0xD6),
    "cyan": (0x10, 0x98, 0xAD), "teal": (0x0C, 0xA6, 0x78), "green": (0x2F, 0x9E, 0x44),
    "lime": (0x74, 0xB8, 0x16), "yellow": (0xF5, 0x9F, 0x00), "orange": (0xE8, 0x59, 0x0C),
    "gray": (0x86, 0x8E, 0x96), "dark": (0x34, 0x3A, 0x40),
}


def _hex(color: str) -> tuple[int, int, int] | None:
    digits = color.removeprefix("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    if len(digits) != 6 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        return None
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def nearest_color(rgb: tuple[int, int, int]) -> str:
    """The palette colour closest to ``rgb`` (the "redmean" approximation of how far apart
    people see two colours)."""
    def distance(other: tuple[int, int, int]) -> float:
        mean = (rgb[0] + other[0]) / 2
        dr, dg, db = (rgb[0] - other[0], rgb[1] - other[1], rgb[2] - other[2])
        return (2 + mean / 256) * dr * dr + 4 * dg * dg + (2 + (255 - mean) / 256) * db * db
    return min(PALETTE, key=lambda name: distance(PALETTE[name]))


def color_attributes(color: str | None) -> tuple[str, str | None]:
    """A card's colour as (its class, its data-color value): named colours by name, ``#rrggbb``
    (or ``#rgb``, with or without ``#``) as the nearest palette class and the colour in lower
    case; anything else as no colour (``card-plain``)."""
    if color is None:
        return "card-plain", None
    color = color.strip()
    if color.lower() in NAMED_COLORS:
        return f"card-{color.lower()}", color.lower()
    rgb = _hex(color)
    if rgb is None:
        return "card-plain", None
    return f"card-{nearest_color(rgb)}", "#{:02x}{:02x}{:02x}".format(*rgb)


# --- text ----------------------------------------------------------------------------------------------

def _plain_block(text: str) -> Out:
    """Plain text as a paragraph, line breaks kept."""
    if not text.strip():
        return Out("", "")
    text = text.strip("\n")
    return reveal(Out("<p>" + "<br>".join(_esc(line) for line in text.split("\n")) + "</p>", text))


def _plain_line(text: str) -> Out:
    return reveal(plain(text))


class _Renderer:
    """One message's rendering: the mention callbacks, and what was mentioned so far."""

    def __init__(self, ctx: Context, markdown: Callable[[str], Out] | None = None):
        self.ctx = ctx
        self.markdown = markdown  # Mattermost: Markdown instead of mrkdwn

    def rich(self, text: str, *, emphasis: bool = True, autolink: bool = True) -> Out:
        """Formatted text: Markdown for Mattermost, else mrkdwn (links and mentions always,
        bold and the rest with ``emphasis``)."""
        if self.markdown is not None:
            return self.markdown(text)
        return render_mrkdwn(text, self.ctx, emphasis=emphasis, autolink=autolink)

    def text_object(self, obj: TextObject) -> Out:
        if obj.type == "plain_text":
            return _plain_block(obj.text)
        return render_mrkdwn(obj.text, self.ctx, autolink=not obj.verbatim)

    # --- blocks --------------------------------------------------------------------------------

    def blocks(self, blocks: list) -> Out:
        parts = [self.block(block) for block in blocks]
        parts = [p for p in parts if p.html or p.text]
        if not parts:
            return Out("", "")
        return Out('<div class="blocks">' + "".join(p.html for p in parts) + "</div>",
                   "\n".join(p.text for p in parts if p.text))

    def block(self, block: object) -> Out:
        if isinstance(block, SectionBlock):
            return self.section(block)
        if isinstance(block, HeaderBlock):
            text = _plain_line(block.text.text.strip())
            return Out(f'<p class="block block-header">{text.html}</p>', text.text)
        if isinstance(block, DividerBlock):
            return Out('<hr class="block block-divider">', "")
        if isinstance(block, ContextBlock):
            return self.context(block)
        if isinstance(block, ImageBlock):
            return self.image_block(block)
        if isinstance(block, RichTextBlock):
            out = self.rich_text(block.elements)
            return Out(f'<div class="block block-rich-text">{out.html}</div>', out.text) if out.html else out
        if isinstance(block, UnknownBlock) and block.text is not None:
            out = _plain_block(block.text.text)
            return Out(f'<div class="block block-other">{out.html}</div>', out.text) if out.html else out
        return Out("", "")

    def section(self, block: SectionBlock) -> Out:
        html, text = [], []
        if block.text is not None:
            out = self.text_object(block.text)
            html.append(f'<div class="block-text">{out.html}</div>')
            text.append(out.text)
        if block.fields:
            fields = [self.text_object(f) for f in block.fields]
            html.append('<div class="block-fields">' + "".join(
                f'<div class="block-field">{f.html}</div>' for f in fields) + "</div>")
            text.extend(f.text for f in fields if f.text)
        accessory = block.accessory_image()
        picture = image(accessory.image_url, accessory.alt_text, "block-accessory") if accessory else ""
        return Out(f'<div class="block block-section"><div class="block-content">{"".join(html)}</div>'
                   f"{picture}</div>", "\n".join(t for t in text if t))

    def context(self, block: ContextBlock) -> Out:
        html, text = [], []
        for element in block.elements:
            if isinstance(element, ImageElement):
                html.append(image(element.image_url, element.alt_text, "block-context-image"))
            else:
                out = self.text_object(element)
                if out.html:
                    html.append(f'<div class="block-context-text">{out.html}</div>')
                    text.append(out.text)
        return Out(f'<div class="block block-context">{"".join(html)}</div>', " ".join(text))

    def image_block(self, block: ImageBlock) -> Out:
        title = _plain_line(block.title.text) if block.title else None
        picture = image(block.image_url, block.alt_text, "block-image-img")
        caption = title or (_plain_line(block.alt_text) if not picture and block.alt_text else None)
        if not picture and caption is None:
            return Out("", "")
        figcaption = f"<figcaption>{caption.html}</figcaption>" if caption else ""
        return Out(f'<figure class="block block-image">{picture}{figcaption}</figure>',
                   caption.text if caption else block.alt_text)

    # --- rich_text -----------------------------------------------------------------------------

    def rich_text(self, elements: list[RichTextElement]) -> Out:
        parts = [self.rich_container(e) for e in elements]
        return Out("".join(p.html for p in parts), "\n".join(p.text for p in parts if p.text))

    def rich_container(self, element: RichTextElement) -> Out:
        children = element.elements or []
        if element.type == "rich_text_list":
            tag = "ol" if element.style == "ordered" else "ul"
            items = [self.rich_container(child) if child.elements is not None and child.type.startswith("rich_text_")
                     else self.rich_inline([child]) for child in children]
            items = [self.strip_paragraph(i) for i in items]
            bullet = "1. " if tag == "ol" else "• "
            return Out(f"<{tag}>" + "".join(f"<li>{i.html}</li>" for i in items) + f"</{tag}>",
                       "\n".join(bullet + i.text for i in items))
        if element.type == "rich_text_quote":
            inner = self.rich_inline(children)
            return Out(f"<blockquote><p>{inner.html}</p></blockquote>", "> " + inner.text.replace("\n", "\n> "))
        if element.type == "rich_text_preformatted":
            code = "".join(child.text or "" for child in self.leaves(children))
            return reveal(Out(f"<pre><code>{_esc(code)}</code></pre>", code))
        if element.type == "rich_text_section" or element.elements is not None:
            inner = self.rich_inline(children)
            return Out(f"<p>{inner.html}</p>", inner.text) if inner.html else inner
        return self.rich_inline([element])

    @staticmethod
    def strip_paragraph(out: Out) -> Out:
        if out.html.startswith("<p>") and out.html.endswith("</p>") and out.html.count("<p>") == 1:
            return Out(out.html[3:-4], out.text)
        return out

    def leaves(self, elements: list[RichTextElement]) -> Iterator[RichTextElement]:
        for element in elements:
            if element.elements is not None:
                yield from self.leaves(element.elements)
            else:
                yield element

    def rich_inline(self, elements: list[RichTextElement]) -> Out:
        html, text = [], []
        for leaf in self.leaves(elements):
            out = self.rich_leaf(leaf)
            html.append(out.html)
            text.append(out.text)
        # Line breaks inside text elements are kept, as Slack shows them.
        return reveal(Out("".join(html).replace("\n", "<br>"), "".join(text)))

    def rich_leaf(self, leaf: RichTextElement) -> Out:
        kind = leaf.type
        out: Out | None = None
        if kind == "text":
            out = plain(leaf.text or "")
        elif kind == "link":
            href = safe_href(leaf.url) if leaf.url else None
            label = plain(leaf.text or leaf.url or "")
            out = link(href, label) if href else label
        elif kind == "user" and leaf.user_id:
            out = angle(f"@{leaf.user_id}", self.ctx) or plain(f"<@{leaf.user_id}>")
        elif kind == "channel" and leaf.channel_id:
            out = angle(f"#{leaf.channel_id}", self.ctx) or plain(f"<#{leaf.channel_id}>")
        elif kind == "broadcast" and leaf.range:
            out = angle(f"!{leaf.range}", self.ctx) or plain(f"@{leaf.range}")
        elif kind == "usergroup":
            out = plain(f"<!subteam^{leaf.name or ''}>")  # no user groups here
        elif kind == "emoji":
            out = plain(_emoji(leaf.unicode) or f":{leaf.name or ''}:")
        elif kind == "date" and leaf.timestamp is not None:
            out = date(f"date^{leaf.timestamp}^{leaf.format or '{date_short} {time}'}", leaf.fallback)
        if out is None:
            out = plain(leaf.text or "")
        for style, tag in (("code", "code"), ("strike", "del"), ("italic", "em"), ("bold", "strong")):
            if style in leaf.styles() and out.html:
                out = Out(f"<{tag}>{out.html}</{tag}>", out.text)
        return out

    # --- attachments ---------------------------------------------------------------------------

    def attachments(self, attachments: list[Attachment]) -> Out:
        parts = [self.attachment(a) for a in attachments]
        html = "".join(p.html for p in parts)
        text = "\n".join(p.text for p in parts if p.text)  # a fallback counts even if nothing is shown
        return Out(f'<div class="cards">{html}</div>' if html else "", text)

    def attachment(self, a: Attachment) -> Out:
        def formatted(name: str, text: str) -> Out:
            return self.rich(text, emphasis=name in a.mrkdwn_in)

        html: list[str] = []
        text: list[str] = []
        color_class, color = color_attributes(a.color)
        pretext = formatted("pretext", a.pretext) if a.pretext else None
        if a.author_name:
            name = _plain_line(a.author_name)
            href = safe_href(a.author_link) if a.author_link else None
            icon = image(a.author_icon, "", "card-author-icon") if a.author_icon else ""
            html.append(f'<p class="card-author">{icon}{link(href, name).html if href else name.html}</p>')
            text.append(name.text)
        if a.title:
            title = _plain_line(a.title)
            href = safe_href(a.title_link) if a.title_link else None
            html.append(f'<p class="card-title">{link(href, title).html if href else title.html}</p>')
            text.append(title.text)
        if a.text:
            body = formatted("text", a.text)
            if body.html:
                html.append(f'<div class="card-text">{body.html}</div>')
                text.append(body.text)
        if a.fields:
            items = []
            for f in a.fields:
                title = _plain_line(f.title)
                value = formatted("fields", f.value)
                dt = f"<dt>{title.html}</dt>" if title.html else ""
                items.append(f'<div class="card-field{" short" if f.short else ""}">{dt}<dd>{value.html}</dd></div>')
                text.append(f"{title.text}: {value.text}" if title.text else value.text)
            html.append('<dl class="card-fields">' + "".join(items) + "</dl>")
        if a.blocks:
            out = self.blocks(a.blocks)
            html.append(out.html)
            text.append(out.text)
        html.append(image(a.image_url, a.title or a.fallback or "", "card-image") if a.image_url else "")
        footer = self.footer(a)
        if footer.html:
            html.append(footer.html)
            text.append(footer.text)
        thumb = image(a.thumb_url, "", "card-thumb") if a.thumb_url else ""
        content = "".join(html)
        attrs = f' data-color="{_esc(color)}"' if color else ""
        pre = f'<div class="card-pretext">{pretext.html}</div>' if pretext and pretext.html else ""
        main = (f'<div class="card-main"><div class="card-content">{content}</div>{thumb}</div>'
                if content or thumb else "")
        summary = a.fallback.strip() if a.fallback and a.fallback.strip() else "\n".join(
            t for t in [pretext.text if pretext else "", *text] if t)
        if not content and not thumb and not (pretext and pretext.html):
            return Out("", summary)
        return Out(f'<article class="card {color_class}"{attrs}>{pre}{main}</article>', reveal(plain(summary)).text)

    def footer(self, a: Attachment) -> Out:
        parts, text = [], []
        if a.footer_icon and a.footer:
            parts.append(image(a.footer_icon, "", "card-footer-icon"))
        if a.footer:
            footer = _plain_line(a.footer)
            parts.append(f"<span>{footer.html}</span>")
            text.append(footer.text)
        seconds = a.timestamp()
        if seconds is not None:
            when = datetime.fromtimestamp(seconds, UTC)
            shown = f"{when:%b} {when.day}, {when.year} {when:%H:%M} UTC"
            parts.append(f'<time datetime="{when:%Y-%m-%dT%H:%M:%SZ}">{shown}</time>')
            text.append(shown)
        if not parts:
            return Out("", "")
        return Out(f'<footer class="card-footer">{"".join(parts)}</footer>', " · ".join(text))


def _emoji(code: str | None) -> str | None:
    """Rich text's ``unicode`` ("1f44d", "1f469-200d-1f4bb") as the emoji, if it is one."""
    if not code:
        return None
    try:
        chars = [chr(int(part, 16)) for part in code.split("-")]
    except ValueError:
        return None
    if len(chars) > 10 or any(c < " " or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in chars):
        return None
    return "".join(chars)


def _cap(text: str) -> str:
    text = text.strip()
    return text if len(text) <= limits.MESSAGE_LENGTH else text[:limits.MESSAGE_LENGTH - 1].rstrip() + "…"


def _result(parts: list[Out], fallback: list[str], mentions: Mentions) -> RenderedMessage:
    # Once more over the whole: attribute values (alt text) and every path in between included.
    out = reveal(Out("".join(p.html for p in parts if p.html), "\n".join(t for t in fallback if t)))
    return RenderedMessage(html=out.html, text=_cap(out.text),
                           mentioned_user_ids=set(mentions.user_ids), mentions_channel=mentions.channel_wide)


def render_slack(message: SlackMessage, *, users: ResolveUser = nobody,
                 channels: ResolveChannel = nobody) -> RenderedMessage:
    """``message`` as HTML and plain text. ``users`` and ``channels`` map a Slack id to what it
    names for this message's readers (see mrkdwn.ResolveUser): return None for anything the
    poster's workspace does not hold or the channel's readers may not know of."""
    ctx = Context(users=users, channels=channels)
    r = _Renderer(ctx)
    blocks = r.blocks(message.blocks)
    cards = r.attachments(message.attachments)
    shown = Mentions()
    shown.add(ctx.mentions)
    text = r.rich(message.text, emphasis=message.mrkdwn) if message.text else Out("", "")
    if message.blocks:
        # As Slack: the blocks are shown and the text is their fallback, whose mentions do not
        # count (nobody would see them highlighted).
        return _result([blocks, cards], [text.text or blocks.text, cards.text], shown)
    return _result([text, cards], [text.text, cards.text], ctx.mentions)


def markdown_sources(message: MattermostMessage) -> list[str]:
    """Every Markdown text of ``message``, for finding the @names to resolve
    (``mentions.people_for_mentions``)."""
    sources = [message.text or "", message.props.card or "" if message.props else ""]
    for a in message.all_attachments():
        sources += [a.pretext or "", a.text or "", *(f.value for f in a.fields)]
    return [s for s in sources if s]


def render_mattermost(message: MattermostMessage, people: dict[str, int]) -> RenderedMessage:
    """``message`` as HTML and plain text; ``people`` maps lower-case usernames that may be
    mentioned to user ids, as for our own messages (``rendering.render``)."""
    mentions = Mentions()

    def markdown(source: str) -> Out:
        rendered = render_markdown(source, people)
        mentions.user_ids |= rendered.mentioned_user_ids
        mentions.channel_wide = mentions.channel_wide or rendered.mentions_channel
        return Out(rendered.html, source.strip())

    r = _Renderer(Context(mentions=mentions), markdown)
    text = markdown(message.text) if message.text and message.text.strip() else Out("", "")
    cards = r.attachments(message.all_attachments())
    card = message.props.card if message.props else None
    extra = Out("", "")
    if card and card.strip():
        body = markdown(card)
        extra = Out(f'<details class="card-extra"><summary>Details</summary>{body.html}</details>', "")
    return _result([text, cards, extra], [text.text, cards.text], mentions)
