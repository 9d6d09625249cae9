"""Message Markdown: a safe subset rendered on the server, so no raw HTML ever reaches
another person's browser. Raw HTML is escaped, unsafe link schemes are dropped, and
@mentions become highlighted spans."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

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


def _render_mention(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
    token = tokens[idx]
    if token.meta["special"]:
        return f'<span class="mention mention-special">@{escape(token.content)}</span>'
    return f'<span class="mention" data-user-id="{token.meta["user_id"]}">@{escape(token.content)}</span>'


def _render_link_open(self, tokens, idx, options, env) -> str:  # type: ignore[no-untyped-def]
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
_MAY_LINK = re.compile(r"[.@]|//")


def _one_paragraph(body: str) -> bool:
    """One line that starts with a letter and ends in no space: no block (quote, list, code,
    rule, heading) can start with a letter, so it is a paragraph of that line, and most chat
    messages are. Rendering its inline content alone skips a quarter of the work."""
    return bool(body) and body[0].isalpha() and not body[-1].isspace() and "\n" not in body and "\r" not in body


def render(body: str, people: dict[str, int]) -> Rendered:
    """Render ``body``; ``people`` maps lower-case usernames that may be mentioned to user ids."""
    env: dict = {"people": people}
    md = _md if _MAY_LINK.search(body) else _md_without_links
    if _one_paragraph(body):
        html = f"<p>{md.renderInline(body, env)}</p>"  # the block parser would find just this
    else:
        html = md.render(body, env).strip()
    return Rendered(html=html, mentioned_user_ids=set(env.get("mentioned", set())),
                    mentions_channel=bool(env.get("channel")))
