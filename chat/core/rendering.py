"""Message Markdown: a safe subset rendered on the server, so no raw HTML ever reaches
another person's browser. Raw HTML is escaped, unsafe link schemes are dropped, and
@mentions become highlighted spans."""
from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

SPECIAL_MENTIONS = ("channel", "here", "everyone")
_MENTION = re.compile(r"@([A-Za-z0-9][A-Za-z0-9_.-]{0,31})")


def mention_candidates(body: str) -> set[str]:
    """Lower-cased names after '@' that may be mentions; the caller resolves them to people."""
    return {m.group(1).rstrip(".-").lower() for m in _MENTION.finditer(body)}


@dataclass
class Rendered:
    html: str
    mentioned_user_ids: set[int] = field(default_factory=set)
    mentions_channel: bool = False


def _mention_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and (state.src[pos - 1].isalnum() or state.src[pos - 1] == "_")):
        return False
    match = _MENTION.match(state.src, pos)
    if not match:
        return False
    raw = match.group(1).rstrip(".-")
    name = raw.lower()
    people: dict[str, int] = state.env.get("people", {})
    if name not in people and name not in SPECIAL_MENTIONS:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = raw
        token.meta = {"user_id": people.get(name), "special": name if name in SPECIAL_MENTIONS else None}
        if token.meta["special"]:
            state.env["channel"] = True
        else:
            state.env.setdefault("mentioned", set()).add(people[name])
    state.pos += 1 + len(raw)
    return True


def mention_html(user_id: int, name: str) -> str:
    """The markup of a mention of a person, which the client highlights (``data-me`` when it
    is you); every renderer of message text uses this one."""
    return f'<span class="mention" data-user-id="{int(user_id)}">@{escape(name)}</span>'


def special_mention_html(name: str) -> str:
    """The markup of @channel, @here or @everyone."""
    return f'<span class="mention mention-special">@{escape(name)}</span>'


def _render_mention(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    if token.meta["special"]:
        return special_mention_html(token.content)
    return mention_html(token.meta["user_id"], token.content)


def _render_link_open(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict,
                      env: EnvType) -> str:
    tokens[idx].attrSet("target", "_blank")
    tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    return self.renderToken(tokens, idx, options, env)


def _build(linkify: bool = True) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": linkify, "breaks": True})
    md.enable(["linkify", "strikethrough"])
    md.disable(["image", "heading", "lheading", "reference", "html_block", "html_inline"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("link_open", _render_link_open)
    return md


_md = _build()
# Without a dot (a host), an @ (mail) or // (a URL) there is nothing to linkify, and linkify-it's
# pre-check alone is a third of rendering a plain sentence (tests/services/test_rendering.py).
_md_without_links = _build(linkify=False)


def _may_link(body: str) -> bool:
    return "." in body or "@" in body or "//" in body


def _one_paragraph(body: str) -> bool:
    """One line that starts with a letter and ends in no space: no block (quote, list, code,
    rule, heading) can start with a letter, so it is a paragraph of that line, and most chat
    messages are. Rendering its inline content alone skips a quarter of the work."""
    return bool(body) and body[0].isalpha() and not body[-1].isspace() and "\n" not in body and "\r" not in body


# Inline syntax other than emphasis and code spans: escapes, links, autolinks and raw HTML,
# entities, mentions, strikethrough; NUL, which the parser replaces.
_PARSER_ONLY = re.compile(r"[\\\[<&@~\x00]")
_RUNS = re.compile(r"([`*_])\1*")  # a run of one delimiter character
_BACKTICKS = re.compile(r"`+")
_EMPHASIS = {1: ("<em>", "</em>"), 2: ("<strong>", "</strong>")}
_HTML_SPECIAL = re.compile(r'[&<>"]')


def _escape(text: str) -> str:
    return escapeHtml(text) if _HTML_SPECIAL.search(text) else text


@functools.lru_cache(maxsize=4096)
def _space_or_punct(ch: str) -> tuple[bool, bool]:
    return isWhiteSpace(ord(ch)), isMdAsciiPunct(ord(ch)) or isPunctChar(ch)


def _flanking(src: str, start: int, end: int) -> tuple[bool, bool]:
    """CommonMark's left- and right-flanking tests for the delimiter run src[start:end], as
    markdown-it's ``StateInline.scanDelims`` makes them (line ends count as spaces)."""
    before_space, before_punct = _space_or_punct(src[start - 1]) if start > 0 else (True, False)
    after_space, after_punct = _space_or_punct(src[end]) if end < len(src) else (True, False)
    left = not (after_space or (after_punct and not (before_space or before_punct)))
    right = not (before_space or (before_punct and not (after_space or after_punct)))
    if src[start] == "_":  # no emphasis inside a word: snake_case stays as written
        return left and (not right or before_punct), right and (not left or after_punct)
    return left, right


def _simple_inline(src: str) -> str | None:
    """The inline HTML of text whose only syntax is code spans and plainly nested emphasis,
    or None when the full parser must decide (a delimiter run that could open and close,
    runs of three or more, crossed or unclosed emphasis). Most chat lines are this, and
    this costs about a seventh of the parse; tests/services/test_rendering.py holds it to
    the parser."""
    if "*" not in src and "_" not in src and "`" not in src:
        return _escape(src)
    out: list[str] = []
    open_runs: list[tuple[int, str]] = []  # (index in out, the run) of emphasis not yet closed
    last_start: dict[str, int] | None = None
    pos = 0
    for run in _RUNS.finditer(src):
        start, end = run.span()
        if start < pos:
            continue  # inside a code span already written
        out.append(_escape(src[pos:start]))
        marker = run.group()
        pos = end
        if marker[0] == "`":
            if last_start is None:  # where each length of backtick run last starts, as markdown-it keeps it
                last_start = {m.group(): m.start() for m in _BACKTICKS.finditer(src)}
            closer = None
            if last_start[marker] > start:  # a closer exists: every other opener is skipped at once
                closer = next(m for m in _BACKTICKS.finditer(src, end) if m.group() == marker)
            if closer is None:
                out.append(marker)  # no closing run of the same length: literal backticks
                continue
            code = src[end:closer.start()]
            if code.startswith(" ") and code.endswith(" ") and code.strip(" "):
                code = code[1:-1]
            out.append(f"<code>{_escape(code)}</code>")
            pos = closer.end()
            continue
        can_open, can_close = _flanking(src, start, end)
        if (can_open and can_close) or len(marker) > 2:
            return None
        if can_close:
            if not open_runs or open_runs[-1][1] != marker:
                return None
            index, _ = open_runs.pop()
            tags = _EMPHASIS[len(marker)]
            out[index] = tags[0]
            out.append(tags[1])
        elif can_open:
            open_runs.append((len(out), marker))
            out.append(marker)
        else:
            out.append(marker)  # neither opens nor closes: literal
    if open_runs:
        return None
    out.append(_escape(src[pos:]))
    return "".join(out)


# Embeddings, overrides and isolates reorder the text after them ("Trojan Source"): in a message,
# "run `rm -rf ~/\u202e/x`" or "open exe.\u202etxt.exe" would show something other than what is
# copied or downloaded. The stored body keeps them; the HTML shows each as a visible <U+202E>
# that reorders nothing. The marks (U+200E, U+200F, U+061C) stay: right-to-left writers need
# them and they move no run of text.
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")


def reveal_bidi_controls(html: str) -> str:
    """``html`` with each embedding, override and isolate shown as a visible ``<U+202E>``."""
    # Plain escaped text, so it is safe in text and in attribute values (link titles) alike.
    return BIDI_CONTROL.sub(lambda m: f"&lt;U+{ord(m.group()):04X}&gt;", html)


def render(body: str, people: dict[str, int]) -> Rendered:
    """Render ``body``; ``people`` maps lower-case usernames that may be mentioned to user ids."""
    env: dict = {"people": people}
    may_link = _may_link(body)
    md = _md if may_link else _md_without_links
    if _one_paragraph(body):
        simple = None if may_link or _PARSER_ONLY.search(body) else _simple_inline(body)
        # The block parser would find just this paragraph.
        html = f"<p>{simple if simple is not None else md.renderInline(body, env)}</p>"
    else:
        html = md.render(body, env).strip()
    if not body.isascii() and BIDI_CONTROL.search(html):
        html = reveal_bidi_controls(html)
    return Rendered(html=html, mentioned_user_ids=set(env.get("mentioned", set())),
                    mentions_channel=bool(env.get("channel")))
