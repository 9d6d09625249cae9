"""Slack's ``mrkdwn`` as safe HTML and as plain text.

What Slack does, and so what this does:

* ``*bold*``, ``_italic_``, ``~strike~`` only at word boundaries: the opening mark follows the
  start of the line, a space or punctuation and comes before a non-space; the closing mark
  follows a non-space and comes before the end of the line, a space or punctuation. So
  ``*not bold*text``, ``a*b*c`` and ``snake_case_name`` stay as written. Marks nest
  (``*_both_*``) and never span lines.
* `` `code` `` and ```` ```pre``` ```` (which may span lines and appear mid-line): nothing inside
  is formatted, linked or resolved; only the three escapes are decoded.
* ``>`` (or ``&gt;``, as Slack's own clients send it) quotes its line; ``>>>`` quotes the line
  and everything after it.
* ``<https://x|label>``, ``<https://x>``, ``<mailto:a@b|label>``: links, for http, https and
  mailto only (``target="_blank" rel="noopener noreferrer nofollow"``, as the Markdown
  renderer makes them); the label is plain text. Bare http(s) URLs are linked too, unless the
  text is ``verbatim``.
* ``<@U…>``, ``<@U…|label>``: a mention of the person the ``users`` callback returns, in the
  very markup of the Markdown renderer (``rendering.mention_html``), so the client highlights
  mentions of you alike; ``<#C…>``, ``<#C…|name>``: the channel the ``channels`` callback
  returns; ``<!channel>``, ``<!here>``, ``<!everyone>`` (and ``|label`` forms): the special
  mentions. An id a callback does not know (unknown, another workspace's, malformed) is shown
  as the raw text that was sent: the output is the same whether or not it exists elsewhere.
* ``<!subteam^S…|@team>``: user groups do not exist here; its label (or the raw text) is shown.
* ``<!date^1392734382^{date_short} at {time}^https://link|fallback>``: a ``<time>`` whose
  ``datetime`` is the instant (for a client to localise) showing the fallback, or without one
  the format filled in UTC (rendering happens once, at send time, so nothing relative: ``{ago}``
  and the ``_pretty`` tokens are written as absolute dates).
* ``&amp; &lt; &gt;`` are decoded once, after the ``<…>`` forms are found (so ``&lt;script&gt;``
  is text, never markup), and everything is escaped again on the way out. Any other ``<…>``
  (``<javascript:…>``, ``<ftp://…>``, ``<b>``) is shown as the text it was.
* Text-direction controls are shown as visible ``<U+202E>``, as the Markdown renderer does;
  other invisible characters are kept, as in message bodies.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from markdown_it.common.normalize_url import normalizeLink

from chat.core.rendering import BIDI_CONTROL, mention_html, reveal_bidi_controls, special_mention_html
from chat.services.integrations.images import proxied

SPECIAL = {"channel": "channel", "here": "here", "everyone": "everyone", "group": "channel"}


@dataclass(frozen=True)
class UserRef:
    """A person a Slack user id resolved to: our id and the name to show after the @."""

    id: int
    name: str


@dataclass(frozen=True)
class ChannelRef:
    """A channel a Slack channel id resolved to: our id and its name (without #)."""

    id: int
    name: str


# Slack id -> what it names here, or None when it names nothing the message may show (unknown,
# malformed, another workspace's, a channel the poster may not read): the renderer then shows
# the raw text, the same in every one of those cases.
ResolveUser = Callable[[str], UserRef | None]
ResolveChannel = Callable[[str], ChannelRef | None]


def nobody(slack_id: str) -> None:
    """A resolver that knows nobody."""
    return None


@dataclass
class Mentions:
    """What rendered text named: collected across every part of one message."""

    user_ids: set[int] = field(default_factory=set)
    channel_wide: bool = False

    def add(self, other: Mentions) -> None:
        self.user_ids |= other.user_ids
        self.channel_wide = self.channel_wide or other.channel_wide


@dataclass
class Context:
    """The callbacks and the mentions found so far, for one message."""

    users: ResolveUser = nobody
    channels: ResolveChannel = nobody
    mentions: Mentions = field(default_factory=Mentions)


@dataclass(frozen=True)
class Out:
    """One piece of rendered text: its HTML and its plain text."""

    html: str
    text: str


def _esc(text: str) -> str:
    return escape(text, quote=True)


_ENTITY = re.compile("&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


def decode(text: str) -> str:
    """Slack's three escapes decoded, once (``&amp;lt;`` is the text ``&lt;``)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text) if "&" in text else text


def plain(text: str) -> Out:
    """Text shown exactly as given."""
    return Out(_esc(text), text)


# --- links and images ------------------------------------------------------------------------------

_SAFE_URL = re.compile(r"(?i)(?:https?://[^\s\x00-\x1f\x7f]+|mailto:[^\s\x00-\x1f\x7f/]+)")
_HTTP_URL = re.compile(r"(?i)https?://[^\s\x00-\x1f\x7f]+")


def safe_href(url: str, *, mailto: bool = True) -> str | None:
    """``url`` ready for an href or src (percent-encoded as the Markdown renderer does), if it
    is http(s) (or mailto, when allowed) with a host and no spaces or controls; else None."""
    url = url.strip()
    if not (_SAFE_URL if mailto else _HTTP_URL).fullmatch(url) or BIDI_CONTROL.search(url):
        return None
    if url[:4].lower() == "http" and len(url.split("://", 1)[1].split("/", 1)[0].strip("@:.")) == 0:
        return None  # no host
    return normalizeLink(url)


def link(href: str, label: Out) -> Out:
    return Out(f'<a href="{_esc(href)}" target="_blank" rel="noopener noreferrer nofollow">{label.html}</a>',
               label.text)


def image(url: str | None, alt: str, css_class: str) -> str:
    """An <img> for an http(s) URL, shown through the image proxy (``images.proxied``: a
    signed same-origin path, as the page's CSP allows), or "" for anything else."""
    src = safe_href(url, mailto=False) if url else None
    if src is None:
        return ""
    return (f'<img class="{css_class}" src="{_esc(proxied(src))}" alt="{_esc(alt)}" loading="lazy" '
            'referrerpolicy="no-referrer">')


# --- <!date^…> -------------------------------------------------------------------------------------

_DATE_TOKEN = re.compile(r"\{(date_num|date|date_short|date_long|date_pretty|date_short_pretty|date_long_pretty"
                         r"|time|time_secs|ago)\}")


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _date_token(when: datetime, token: str) -> str:
    clock = when.strftime("%I:%M").lstrip("0") + when.strftime(" %p")
    if token == "date_num":
        return when.strftime("%Y-%m-%d")
    if token in ("date", "date_pretty"):
        return f"{when:%B} {_ordinal(when.day)}, {when.year}"
    if token in ("date_short", "date_short_pretty"):
        return f"{when:%b} {when.day}, {when.year}"
    if token in ("date_long", "date_long_pretty"):
        return f"{when:%A}, {when:%B} {_ordinal(when.day)}, {when.year}"
    if token == "time":
        return f"{clock} UTC"
    if token == "time_secs":
        return when.strftime("%I:%M:%S").lstrip("0") + when.strftime(" %p") + " UTC"
    return f"{when:%b} {when.day}, {when.year} {clock} UTC"  # ago: absolute, as rendered once


def date(spec: str, label: str | None) -> Out | None:
    """``date^<seconds>^<format>[^<link>]`` (a ``<!date…>`` form's body) as a <time>, or None."""
    parts = spec.split("^")
    if len(parts) not in (3, 4) or not re.fullmatch(r"-?\d{1,12}", parts[1]):
        return None
    try:
        when = datetime.fromtimestamp(int(parts[1]), UTC)
    except (OverflowError, OSError, ValueError):
        return None
    shown = label if label is not None else _DATE_TOKEN.sub(lambda m: _date_token(when, m.group(1)), parts[2])
    out = Out(f'<time datetime="{when:%Y-%m-%dT%H:%M:%SZ}">{_esc(shown)}</time>', shown)
    href = safe_href(parts[3]) if len(parts) == 4 else None
    return link(href, out) if href else out


# --- <…> forms -------------------------------------------------------------------------------------

_USER_ID = re.compile(r"[UW][0-9A-Z]{2,20}")
_CHANNEL_ID = re.compile(r"[CGD][0-9A-Z]{2,20}")


def angle(inner: str, ctx: Context) -> Out | None:
    """A ``<…>`` form's rendering (``inner`` is what is between the brackets), or None to show
    it as the text it is."""
    target, bar, label = inner.partition("|")
    shown = decode(label) if bar else None
    if target.startswith("@"):
        user = ctx.users(target[1:]) if _USER_ID.fullmatch(target[1:]) else None
        if user is None:
            return None
        ctx.mentions.user_ids.add(user.id)
        return Out(mention_html(user.id, user.name), f"@{user.name}")
    if target.startswith("#"):
        channel = ctx.channels(target[1:]) if _CHANNEL_ID.fullmatch(target[1:]) else None
        if channel is None:
            return None
        return Out(f'<span class="channel-mention" data-channel-id="{int(channel.id)}">#{_esc(channel.name)}</span>',
                   f"#{channel.name}")
    if target.startswith("!"):
        command = target[1:]
        if command in SPECIAL:
            ctx.mentions.channel_wide = True
            return Out(special_mention_html(SPECIAL[command]), f"@{SPECIAL[command]}")
        if command.startswith("subteam^") and shown:
            return plain(shown)  # no user groups here: the label the sender wrote
        if command.startswith("date^"):
            return date(decode(command), shown)
        return None
    href = safe_href(decode(target))
    if href is None:
        return None
    url = decode(target)
    return link(href, plain(shown if shown else url.removeprefix("mailto:").removeprefix("MAILTO:")))


# --- inline text -----------------------------------------------------------------------------------

_INLINE = re.compile(r"(?P<code>`[^`\n]+`)|(?P<angle><[^>\n]+>)|(?P<url>(?i:https?)://[^\s<>`|]+)|(?P<mark>[*_~])")
_ESCAPED_BRACKET = re.compile("&[lg]t;")


def _trim_url(url: str) -> str:
    """A bare URL without what ends the sentence around it: an escaped < or > and all after
    it, trailing punctuation and marks, and closing parentheses it did not open."""
    bracket = _ESCAPED_BRACKET.search(url)
    url = url[:bracket.start()] if bracket else url
    while url:
        if url[-1] in ".,;:!?'\"*_~]}" or (url[-1] == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url
_TAGS = {"*": "strong", "_": "em", "~": "del"}


def _boundary(ch: str) -> bool:
    """The start or end of a line, a space, or punctuation: where a mark may start or end."""
    return not ch or not (ch.isalnum())


@dataclass
class _Mark:
    ch: str
    index: int  # in the pieces list
    can_open: bool
    can_close: bool


def inline(line: str, ctx: Context, *, emphasis: bool = True, autolink: bool = True) -> Out:
    """One line of mrkdwn (no line breaks, no ``` blocks): code spans, ``<…>`` forms, bare
    URLs (with ``autolink``) and, with ``emphasis``, bold, italic and strike."""
    pieces: list[Out | _Mark] = []
    pos = scan = 0
    while (m := _INLINE.search(line, scan)) is not None:
        start, end = m.span()
        scan = end
        if m.lastgroup == "url":
            if not autolink or (start > 0 and (line[start - 1].isalnum() or line[start - 1] in "/:")):
                continue  # part of a word or of another URL: text
            url = _trim_url(m.group())
            href = safe_href(decode(url), mailto=False) if url else None
            if href is None:
                continue
            end = scan = start + len(url)  # what was trimmed is read again (a closing mark)
        if start > pos:
            text = decode(line[pos:start])
            pieces.append(plain(text))
        pos = end
        if m.lastgroup == "code":
            code = decode(m.group()[1:-1])
            pieces.append(Out(f"<code>{_esc(code)}</code>", code))
        elif m.lastgroup == "angle":
            out = angle(m.group()[1:-1], ctx)
            pieces.append(out if out is not None else plain(decode(m.group())))
        elif m.lastgroup == "url":
            text = decode(line[start:end])
            pieces.append(link(normalizeLink(text), plain(text)))
        else:
            ch = m.group()
            before = line[start - 1] if start > 0 else ""
            after = line[end] if end < len(line) else ""
            if not emphasis:
                pieces.append(plain(ch))
                continue
            pieces.append(_Mark(ch, len(pieces), can_open=_boundary(before) and bool(after) and not after.isspace(),
                                can_close=bool(before) and not before.isspace() and _boundary(after)))
    if pos < len(line):
        pieces.append(plain(decode(line[pos:])))
    return _emphasise(pieces)


def _emphasise(pieces: list[Out | _Mark]) -> Out:
    """Pair the marks, innermost first as they close, and join the pieces."""
    out: list[Out | _Mark] = []
    openers: list[int] = []  # indexes in ``out`` of marks that may open
    for piece in pieces:
        if isinstance(piece, _Mark):
            match = None
            if piece.can_close:
                for k in range(len(openers) - 1, -1, -1):
                    opener = out[openers[k]]
                    if isinstance(opener, _Mark) and opener.ch == piece.ch and openers[k] < len(out) - 1:
                        match = k
                        break
            if match is not None:
                start = openers[match]
                del openers[match:]  # marks opened inside and never closed stay literal
                inner = _join(out[start + 1:])
                tag = _TAGS[piece.ch]
                del out[start:]
                out.append(Out(f"<{tag}>{inner.html}</{tag}>", inner.text))
                continue
            if piece.can_open:
                openers.append(len(out))
            out.append(piece)
        else:
            out.append(piece)
    return _join(out)


def _join(pieces: list[Out | _Mark]) -> Out:
    html, text = [], []
    for piece in pieces:
        if isinstance(piece, _Mark):
            html.append(piece.ch)
            text.append(piece.ch)
        else:
            html.append(piece.html)
            text.append(piece.text)
    return Out("".join(html), "".join(text))


# --- blocks: ``` and quotes -----------------------------------------------------------------------

_PRE = re.compile(r"```([\s\S]+?)```")
_QUOTE = re.compile(r"^(?:>|&gt;)")
_QUOTE_REST = re.compile(r"^(?:>>>|&gt;&gt;&gt;)")


@dataclass
class _Pre:
    code: str


def _lines(src: str) -> list[list[str | _Pre]]:
    """The text as lines of text and ``` blocks (a block, which may hold line breaks, belongs
    to the line it starts on)."""
    lines: list[list[str | _Pre]] = [[]]
    pos = 0
    for m in _PRE.finditer(src):
        _add_text(lines, src[pos:m.start()])
        code = m.group(1)
        code = code[1:] if code.startswith("\n") else code
        code = code[:-1] if code.endswith("\n") else code
        lines[-1].append(_Pre(decode(code)))
        pos = m.end()
    _add_text(lines, src[pos:])
    return lines


def _add_text(lines: list[list[str | _Pre]], text: str) -> None:
    parts = text.split("\n")
    if parts[0]:
        lines[-1].append(parts[0])
    for part in parts[1:]:
        lines.append([part] if part else [])


def render_mrkdwn(src: str, ctx: Context, *, emphasis: bool = True, autolink: bool = True) -> Out:
    """``src`` (Slack mrkdwn) as HTML (paragraphs, quotes, code blocks) and plain text. With
    ``emphasis`` False (attachment fields not in ``mrkdwn_in``), only links, mentions and the
    escapes are read, as Slack does."""
    src = src.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not src.strip():
        return Out("", "")
    groups: list[tuple[bool, list[list[str | _Pre]]]] = []
    quote_rest = False
    for line in _lines(src):
        quoted = quote_rest
        first = line[0] if line else ""
        if not quoted and emphasis and isinstance(first, str):
            rest = _QUOTE_REST.match(first)
            single = _QUOTE.match(first)
            if rest or single:
                quoted, quote_rest = True, bool(rest)
                match = rest or single
                assert match is not None
                stripped = first[match.end():].lstrip(" ")
                line = [*([stripped] if stripped else []), *line[1:]]
        if groups and groups[-1][0] == quoted:
            groups[-1][1].append(line)
        else:
            groups.append((quoted, [line]))
    html, text = [], []
    for quoted, lines in groups:
        out = _paragraphs(lines, ctx, emphasis=emphasis, autolink=autolink)
        html.append(f"<blockquote>{out.html}</blockquote>" if quoted else out.html)
        text.append("\n".join("> " + t for t in out.text.split("\n")) if quoted else out.text)
    result = Out("".join(html), "\n".join(text))
    return reveal(result)


def reveal(out: Out) -> Out:
    """Direction controls shown, never obeyed, in the HTML and the plain text alike."""
    if BIDI_CONTROL.search(out.text) or BIDI_CONTROL.search(out.html):
        return Out(reveal_bidi_controls(out.html),
                   BIDI_CONTROL.sub(lambda m: f"<U+{ord(m.group()):04X}>", out.text))
    return out


def _paragraphs(lines: list[list[str | _Pre]], ctx: Context, *, emphasis: bool, autolink: bool) -> Out:
    html: list[str] = []
    text: list[str] = []
    para: list[Out] = []

    def flush() -> None:
        while para and not para[-1].html:
            para.pop()
        if para:
            html.append("<p>" + "<br>".join(p.html for p in para) + "</p>")
            text.append("\n".join(p.text for p in para))
        para.clear()

    for line in lines:
        current: list[Out] = []
        for part in line:
            if isinstance(part, _Pre):
                if current:
                    para.append(_concat(current))
                    current = []
                flush()
                html.append(f"<pre><code>{_esc(part.code)}</code></pre>")
                text.append(part.code)
            else:
                current.append(inline(part, ctx, emphasis=emphasis, autolink=autolink))
        if current or (not line and para):  # an empty line inside a paragraph is a <br>
            para.append(_concat(current))
    flush()
    return Out("".join(html), "\n".join(text))


def _concat(parts: list[Out]) -> Out:
    return Out("".join(p.html for p in parts), "".join(p.text for p in parts))
