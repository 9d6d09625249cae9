"""Message Markdown: links are found wherever they can be, and the shortcuts (no link finder
for text that cannot hold a link, no block parser for a line that can only be a paragraph)
change nothing."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from chat.core import rendering
from chat.core.rendering import render

# Characters and fragments that make the link finder and the Markdown parser work hardest:
# schemes, hosts, look-alike dots and slashes, Markdown punctuation, mentions.
_FRAGMENTS = st.sampled_from(
    ["http", "https", "ftp", "mailto", "www", "localhost", "com", "org", "xn--p1ai", ":", "/", "\\",
     "-", "_", "*", "~", "`", "[", "]", "(", ")", "<", ">", "#", "!", " ", "\n", "3000",
     "\u3002", "\uff0e", "\uff61", "\uff0f", "\u2024", "é", "a", "Z"])


def _full(body: str) -> str:
    """What the whole renderer, link finder included, makes of the body."""
    return rendering._md.render(body, {"people": {}}).strip()


@settings(max_examples=1000, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=30).map("".join).filter(lambda s: not rendering._may_link(s)))
def test_text_without_a_dot_an_at_or_a_double_slash_renders_as_with_the_link_finder(body: str) -> None:
    assert render(body, {}).html == _full(body)


_LINE_FRAGMENTS = st.one_of(_FRAGMENTS, st.sampled_from([".", "@", "//", "example.com", "**b**", "_i_", "`c`",
                                                          "&amp;", "&copy;", "\\", "  ", "\t", "@qbob"]))


@settings(max_examples=1000, deadline=None)
@given(st.lists(_LINE_FRAGMENTS.filter(lambda f: "\n" not in f), max_size=30).map("".join)
       .filter(rendering._one_paragraph))
def test_a_line_starting_with_a_letter_renders_as_a_paragraph_of_the_whole_parse(body: str) -> None:
    assert render(body, {}).html == _full(body)


# Emphasis and code-span syntax, and the characters that decide whether a delimiter run can
# open or close: letters, digits, ASCII and Unicode punctuation, symbols and spaces.
_INLINE_FRAGMENTS = st.sampled_from(
    ["*", "**", "***", "_", "__", "`", "``", " ", "  ", "\t", "a", "Z", "7", "word", "é", "ß", ",", "!", "?", "'",
     '"', "(", ")", ">", "-", ":", "$", "+", "|", "}", "\u00a0", "\u3000", "\u2003", "«", "»", "—", "\u00b7",
     "€", "😀", ".", "@x", "[", "&"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_INLINE_FRAGMENTS, max_size=24).map(lambda parts: "a" + "".join(parts))
       .filter(rendering._one_paragraph))
def test_emphasis_and_code_spans_render_as_the_whole_parse(body: str) -> None:
    assert render(body, {}).html == _full(body)


def test_plain_lines_take_the_short_way() -> None:
    """The shortcut answers for the lines chat is made of, and leaves the rest to the parser."""
    for body, inline in [
        ("Shipping today, reviews welcome **please** :tada:",
         "Shipping today, reviews welcome <strong>please</strong> :tada:"),
        ("run `make test` then *ship* it", "run <code>make test</code> then <em>ship</em> it"),
        ("keep user_id and **bold *nested* text**", "keep user_id and <strong>bold <em>nested</em> text</strong>"),
        ('quote "this" > that', "quote &quot;this&quot; &gt; that"),
        ("a `` `tick` `` b", "a <code>`tick`</code> b"),
        ("unclosed ` tick", "unclosed ` tick"),
        ("spaces ` ` and `  `", "spaces <code> </code> and <code>  </code>"),
    ]:
        assert rendering._simple_inline(body) == inline
        assert render(body, {}).html == f"<p>{inline}</p>" == _full(body)
    # Backtick runs of every length, none closed: each is literal (and looked up once, not rescanned).
    ladder = "a" + "".join(" " + "`" * k for k in range(1, 126))
    assert render(ladder, {}).html == f"<p>{ladder}</p>" == _full(ladder)
    for body in ["a*b*c", "***both***", "**crossed *runs** here*", "left **open"]:
        assert rendering._simple_inline(body) is None
        assert render(body, {}).html == _full(body)


def test_block_syntax_still_parses() -> None:
    assert render("> quoted", {}).html == "<blockquote>\n<p>quoted</p>\n</blockquote>"
    assert render("- one\n- two", {}).html == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert render("x\n```\ncode\n```", {}).html == "<p>x</p>\n<pre><code>code\n</code></pre>"


def test_links_are_still_found() -> None:
    for body, href in [("see example.com today", "http://example.com"),
                       ("write to a@b.co", "mailto:a@b.co"),
                       ("on http://localhost:3000/x now", "http://localhost:3000/x"),
                       ("www.example.org", "http://www.example.org")]:
        html = render(body, {}).html
        assert f'<a href="{href}" target="_blank" rel="noopener noreferrer nofollow">' in html, html
        assert html == _full(body)


def test_no_link_where_none_can_be() -> None:
    html = render("ship it: **today** at 5pm, localhost:3000 too", {}).html
    assert html == "<p>ship it: <strong>today</strong> at 5pm, localhost:3000 too</p>"
