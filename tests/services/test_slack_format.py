"""Slack and Mattermost messages as HTML cards: mrkdwn rendered as Slack renders it, nothing
active surviving any field, mentions resolved only through the caller, colours and images
within the CSP (every image through the signed same-origin proxy), Slack's limits refused with
Slack's error names, and a plain-text fallback."""
from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from chat.core import limits
from chat.core.rendering import render as render_markdown
from chat.services.integrations import (
    ChannelRef,
    UserRef,
    markdown_sources,
    parse_mattermost_message,
    parse_slack_message,
    render_mattermost,
    render_slack,
)
from chat.services.integrations import images as image_proxy
from chat.services.integrations.mrkdwn import Context, render_mrkdwn
from chat.services.integrations.slack_format import NAMED_COLORS, PALETTE, color_attributes, nearest_color
from chat.services.integrations.slack_payload import SlackPayloadError

BOB = UserRef(7, "bob")


@pytest.fixture(autouse=True)
def _secret_key() -> Iterator[None]:
    """The renderer signs image URLs with the app's SECRET_KEY (images.proxied)."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test-secret-for-slack-format"
    with app.app_context():
        yield


def proxied(url: str) -> str:
    return image_proxy.proxied(url)


def shown_url(src: str) -> str:
    """The external URL a proxied src names (its signature checked)."""
    match = re.fullmatch(r"/api/v1/images/([^/]+)/([^/]+)", src)
    assert match, src
    return image_proxy.verified_url(match.group(1), match.group(2))

OPS = ChannelRef(3, "ops")
A = 'target="_blank" rel="noopener noreferrer nofollow"'


def users(slack_id: str) -> UserRef | None:
    """Our workspace: bob is U0000007. Anyone else, in another workspace or nowhere, is None."""
    return BOB if slack_id == "U0000007" else None


def channels(slack_id: str) -> ChannelRef | None:
    return OPS if slack_id == "C0000003" else None


def mrkdwn(text: str) -> str:
    return render_mrkdwn(text, Context(users=users, channels=channels)).html


# --- mrkdwn ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("source", "html"), [
    ("*bold* _italic_ ~strike~ `code`",
     "<p><strong>bold</strong> <em>italic</em> <del>strike</del> <code>code</code></p>"),
    # Marks only at word boundaries, as Slack.
    ("*not bold*text", "<p>*not bold*text</p>"),
    ("a*b*c", "<p>a*b*c</p>"),
    ("_snake_case_ and snake_case_name", "<p><em>snake_case</em> and snake_case_name</p>"),
    ("x * y * z", "<p>x * y * z</p>"),
    ("*bold*, (_it_).", "<p><strong>bold</strong>, (<em>it</em>).</p>"),
    ("*_both_*", "<p><strong><em>both</em></strong></p>"),
    ("*multi\nline*", "<p>*multi<br>line*</p>"),
    # Code is left alone: no marks, links or mentions inside.
    ("`a *b* _c_ <@U0000007>`", "<p><code>a *b* _c_ &lt;@U0000007&gt;</code></p>"),
    ("```\n*x* <https://a.b|l> &lt;\n```", "<pre><code>*x* &lt;https://a.b|l&gt; &lt;</code></pre>"),
    ("before ```pre``` after", "<p>before </p><pre><code>pre</code></pre><p> after</p>"),
    # Quotes, nested code, >>> to the end.
    ("> quote with ```code *x*```", "<blockquote><p>quote with </p><pre><code>code *x*</code></pre></blockquote>"),
    ("> *one*\ntwo", "<blockquote><p><strong>one</strong></p></blockquote><p>two</p>"),
    ("&gt; escaped quote\nplain\n&gt;&gt;&gt; rest\nof it",
     "<blockquote><p>escaped quote</p></blockquote><p>plain</p><blockquote><p>rest<br>of it</p></blockquote>"),
    ("line1\nline2\n\nline4", "<p>line1<br>line2<br><br>line4</p>"),
    # Links: http(s) and mailto only; labels are text; anything else shows as written.
    ("<https://example.com>", f'<p><a href="https://example.com" {A}>https://example.com</a></p>'),
    ('<https://example.com/a?b=1&amp;c="q"|go>',
     f'<p><a href="https://example.com/a?b=1&amp;c=%22q%22" {A}>go</a></p>'),
    ("<mailto:a@b.co|write>", f'<p><a href="mailto:a@b.co" {A}>write</a></p>'),
    ("<https://x|a <b>>", f'<p><a href="https://x" {A}>a &lt;b</a>&gt;</p>'),
    ("<javascript:alert(1)|x>", "<p>&lt;javascript:alert(1)|x&gt;</p>"),
    ("<JavaScript:alert(1)>", "<p>&lt;JavaScript:alert(1)&gt;</p>"),
    ("<data:text/html,x|y>", "<p>&lt;data:text/html,x|y&gt;</p>"),
    ("<ftp://x.y>", "<p>&lt;ftp://x.y&gt;</p>"),
    ("<b>raw</b>", "<p>&lt;b&gt;raw&lt;/b&gt;</p>"),
    ("visit https://a.b/c_d_e.", f'<p>visit <a href="https://a.b/c_d_e" {A}>https://a.b/c_d_e</a>.</p>'),
    ("*https://x.y*", f'<p><strong><a href="https://x.y" {A}>https://x.y</a></strong></p>'),
    # Escapes decoded once, then escaped again.
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("a &amp;amp; b &quot;", "<p>a &amp;amp; b &amp;quot;</p>"),
    # Mentions, channels, special mentions, user groups, dates.
    ("<@U0000007|someone> <@U0000009> <@bob>",
     '<p><span class="mention" data-user-id="7">@bob</span> &lt;@U0000009&gt; &lt;@bob&gt;</p>'),
    ("<#C0000003> <#C0000003|old> <#C0000009|secret>",
     ('<p><span class="channel-mention" data-channel-id="3">#ops</span> '
     '<span class="channel-mention" data-channel-id="3">#ops</span> &lt;#C0000009|secret&gt;</p>')),
    ("<!channel> <!here|here> <!everyone>",
     ('<p><span class="mention mention-special">@channel</span> <span class="mention mention-special">@here</span> '
     '<span class="mention mention-special">@everyone</span></p>')),
    ("<!subteam^S123|@oncall> <!subteam^S123> <!foo>", "<p>@oncall &lt;!subteam^S123&gt; &lt;!foo&gt;</p>"),
    ("<!date^1392734382^{date_num} {time}|Feb 18 2014>",
     '<p><time datetime="2014-02-18T14:39:42Z">Feb 18 2014</time></p>'),
    ("<!date^1392734382^{date_long} at {time}^https://x.y>",
     (f'<p><a href="https://x.y" {A}><time datetime="2014-02-18T14:39:42Z">'
     "Tuesday, February 18th, 2014 at 2:39 PM UTC"
     "</time></a></p>")),
    ("<!date^1392734382^{date_short}^javascript:x>",
     '<p><time datetime="2014-02-18T14:39:42Z">Feb 18, 2014</time></p>'),
    ("<!date^99999999999999^{date}|x>", "<p>&lt;!date^99999999999999^{date}|x&gt;</p>"),
    # Direction controls shown, as in our own messages; marks kept.
    ("run `rm \u2067x\u2069` \u202eexe \u200fok",
     "<p>run <code>rm &lt;U+2067&gt;x&lt;U+2069&gt;</code> &lt;U+202E&gt;exe \u200fok</p>"),
])
def test_mrkdwn(source: str, html: str) -> None:
    assert mrkdwn(source) == html


def test_verbatim_and_plain_fields_read_less() -> None:
    ctx = Context(users=users)
    assert render_mrkdwn("see https://x.y", ctx, autolink=False).html == "<p>see https://x.y</p>"
    # An attachment field not in mrkdwn_in: no marks or quotes, but links and mentions still.
    out = render_mrkdwn("> *a* <@U0000007> <https://x.y|l>", ctx, emphasis=False)
    assert out.html == (f'<p>&gt; *a* <span class="mention" data-user-id="7">@bob</span> '
                        f'<a href="https://x.y" {A}>l</a></p>')


def test_mentions_use_the_markdown_renderers_markup() -> None:
    assert mrkdwn("<@U0000007> <!here>") == render_markdown("@bob @here", {"bob": 7}).html


# --- nothing active survives -------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>",
    '"><img src=x onerror=alert(1)>', "' onmouseover='alert(1)", "</p><script>alert(1)</script>",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)", "<javascript:alert(1)|x>", "<data:text/html,<script>|y>",
    '<https://x.y" onclick="alert(1)|z>',
    "&lt;script&gt;alert(1)&lt;/script&gt;", "[click](javascript:alert(1))", "<iframe src=\"https://evil.example\">",
    "https://ok.example/a\" onerror=\"alert(1)", "//evil.example/x.png", "exe.\u202etxt.exe",
    "<!date^1^{date}^javascript:x>",
    "<@U0000007|<script>>", "```</code><script>alert(1)</script>```", "`<img src=x onerror=alert(1)>`",
]
TAGS = {"p", "br", "strong", "em", "del", "code", "pre", "blockquote", "a", "span", "time", "div", "article", "dl",
        "dt", "dd", "img", "hr", "figure", "figcaption", "footer", "ul", "ol", "li", "details", "summary"}
ATTRIBUTES = {"class", "href", "target", "rel", "src", "alt", "loading", "referrerpolicy", "data-user-id",
              "data-channel-id", "data-color", "datetime"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            self.problems.append(f"tag {tag}")
        values = dict(attrs)
        for name, value in attrs:
            if name not in ATTRIBUTES:
                self.problems.append(f"attribute {name} on {tag}")
            # (The Markdown renderer, used for Mattermost's text, links "//host/x" as the page's own scheme.)
            if name == "href" and not re.match(r"(https?://|mailto:|//[a-z])", value or ""):
                self.problems.append(f"{name}={value}")
        if tag == "a" and (values.get("rel") != "noopener noreferrer nofollow" or values.get("target") != "_blank"):
            self.problems.append(f"link {attrs}")
        if tag == "img" and (values.get("loading") != "lazy" or values.get("referrerpolicy") != "no-referrer"
                             or "alt" not in values or not _proxied_http(values.get("src") or "")):
            self.problems.append(f"img {attrs}")
        if "data-color" in values and not re.fullmatch(r"good|warning|danger|#[0-9a-f]{6}", values["data-color"] or ""):
            self.problems.append(f"data-color {values['data-color']}")
        if "class" in values and not re.fullmatch(r"[a-z][a-z0-9 -]*", values["class"] or ""):
            self.problems.append(f"class {values['class']}")


def _proxied_http(src: str) -> bool:
    """An image's src: always the proxy's same-origin path, naming an http(s) URL without spaces."""
    if not src.startswith("/api/v1/images/"):
        return False
    return re.fullmatch(r"https?://[^\s\x00-\x1f\x7f\"<>]+", shown_url(src), re.IGNORECASE) is not None


def assert_inert(html: str) -> None:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.problems, (checker.problems, html)
    assert not re.search("[\u202a-\u202e\u2066-\u2069]", html), html


def _text(kind: str, text: str) -> dict[str, Any]:
    return {"type": kind, "text": text}


def everything(x: str) -> dict[str, Any]:
    """A payload with ``x`` in every field that takes text or a URL, Slack's and Mattermost's."""
    blocks: list[dict[str, Any]] = []
    for kind in ("mrkdwn", "plain_text"):
        blocks += [
            {"type": "section", "text": _text(kind, x), "fields": [_text(kind, x)],
             "accessory": {"type": "image", "image_url": x, "alt_text": x}},
            {"type": "context", "elements": [_text(kind, x), {"type": "image", "image_url": x, "alt_text": x}]},
            {"type": "image", "image_url": x, "alt_text": x, "title": _text("plain_text", x)},
            {"type": x, "text": _text(kind, x)},
        ]
    blocks += [
        {"type": "header", "text": _text("plain_text", x)},
        {"type": "rich_text", "elements": [
            {"type": "rich_text_section", "elements": [
                {"type": "text", "text": x, "style": {"bold": True, "code": True}},
                {"type": "link", "url": x, "text": x},
                {"type": "link", "url": f"https://ok.example/{x}"}, {"type": "user", "user_id": x},
                {"type": "channel", "channel_id": x}, {"type": "broadcast", "range": x},
                {"type": "usergroup", "name": x},
                {"type": "emoji", "name": x, "unicode": x},
                {"type": "date", "timestamp": 1, "format": x, "fallback": x},
                {"type": x, "text": x}]},
            {"type": "rich_text_list", "style": x, "elements": [{"type": "rich_text_section",
                                                                  "elements": [{"type": "text", "text": x}]}]},
            {"type": "rich_text_quote", "elements": [{"type": "text", "text": x}]},
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": x}]}]},
    ]
    attachment = dict.fromkeys(("fallback", "color", "pretext", "author_name", "author_link", "author_icon", "title",
                                "title_link", "text", "image_url", "thumb_url", "footer", "footer_icon", "ts"), x)
    attachment |= {"fields": [{"title": x, "value": x, "short": True}], "mrkdwn_in": ["text", "pretext", "fields"],
                   "blocks": blocks[:4]}
    plain_attachment = {**attachment, "mrkdwn_in": [], "author_link": "https://ok.example", "title_link": "https://ok.example"}
    return {"text": x, "blocks": blocks, "attachments": [attachment, plain_attachment], "props": {"card": x}}


@pytest.mark.parametrize("x", HOSTILE)
def test_hostile_text_in_every_field_stays_text(x: str) -> None:
    payload = everything(x)
    with_blocks = render_slack(parse_slack_message(payload), users=users, channels=channels)
    text_only = render_slack(parse_slack_message({**payload, "blocks": []}), users=users, channels=channels)
    mattermost = render_mattermost(parse_mattermost_message({**payload, "props": {"card": x, "attachments": [
        payload["attachments"][0]]}}), {"bob": 7})
    for rendered in (with_blocks, text_only, mattermost):
        assert_inert(rendered.html)
        assert "<U+202E>" in rendered.text if "\u202e" in x else True
        assert "\u202e" not in rendered.text
    # The payload is really everywhere: every block and card was drawn.
    assert with_blocks.html.count('class="card ') == 2 and with_blocks.html.count('class="block ') > 10


# --- mentions ------------------------------------------------------------------------------------------

def test_mentions_are_resolved_counted_and_unknown_ids_shown_as_sent() -> None:
    message = parse_slack_message({"text": "<@U0000007> <@U0000009> <#C0000003> <#C0000004>", "attachments": [
        {"text": "<@U0000007>"}]})
    out = render_slack(message, users=users, channels=channels)
    assert out.mentioned_user_ids == {7} and out.mentions_channel is False
    assert out.html.startswith('<p><span class="mention" data-user-id="7">@bob</span> &lt;@U0000009&gt; '
                               '<span class="channel-mention" data-channel-id="3">#ops</span> &lt;#C0000004&gt;</p>')
    assert out.text.startswith("@bob <@U0000009> #ops <#C0000004>")


def test_an_id_of_another_workspace_looks_exactly_like_one_that_does_not_exist() -> None:
    # U0000008 exists in another workspace: the caller's resolver (this workspace only) says None.
    text = "hi <@U0000008> and <#C0000008|general>"
    message = parse_slack_message({"text": text, "blocks": [{"type": "rich_text", "elements": [
        {"type": "rich_text_section", "elements": [{"type": "user", "user_id": "U0000008"},
                                                   {"type": "channel", "channel_id": "C0000008"}]}]}]})
    foreign = render_slack(message, users=users, channels=channels)
    nothing = render_slack(message)
    assert foreign == nothing
    assert foreign.mentioned_user_ids == set() and "U0000008" in foreign.html


@pytest.mark.parametrize("form", ["<!channel>", "<!here>", "<!everyone>", "<!here|here>"])
def test_channel_wide_mentions_are_flagged(form: str) -> None:
    assert render_slack(parse_slack_message({"text": f"deploy {form}"})).mentions_channel
    rich = {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "broadcast", "range": form[2:-1].split("|")[0]}]}]}
    assert render_slack(parse_slack_message({"blocks": [rich]})).mentions_channel
    assert not render_slack(parse_slack_message({"text": "no one"})).mentions_channel


def test_mentions_in_a_text_hidden_by_blocks_do_not_count() -> None:
    message = parse_slack_message({"text": "<!here> <@U0000007>", "blocks": [
        {"type": "section", "text": _text("mrkdwn", "quiet")}]})
    out = render_slack(message, users=users)
    assert out.mentioned_user_ids == set() and not out.mentions_channel and "mention" not in out.html
    assert out.text == "@here @bob"  # still the notification text, as in Slack


def test_mattermost_mentions_use_usernames_everywhere() -> None:
    message = parse_mattermost_message({"text": "cc @bob", "attachments": [{"text": "@channel look"}],
                                        "props": {"card": "@carol"}})
    assert markdown_sources(message) == ["cc @bob", "@carol", "@channel look"]
    out = render_mattermost(message, {"bob": 7, "carol": 8})
    assert out.mentioned_user_ids == {7, 8} and out.mentions_channel


# --- colours and images -------------------------------------------------------------------------------

@pytest.mark.parametrize(("color", "css", "data"), [
    ("good", "card-good", "good"), ("WARNING", "card-warning", "warning"), ("danger", "card-danger", "danger"),
    ("#36a64f", "card-green", "#36a64f"), ("#FF0000", "card-red", "#ff0000"), ("439FE0", "card-blue", "#439fe0"),
    ("#abc", "card-gray", "#aabbcc"), ("#1d1f23", "card-dark", "#1d1f23"), ("#f2c744", "card-yellow", "#f2c744"),
    ("red", "card-plain", None), ("#12345g", "card-plain", None), ('" onload="x', "card-plain", None),
    ("expression(alert(1))", "card-plain", None), (None, "card-plain", None),
])
def test_colours_are_classes_never_styles(color: str | None, css: str, data: str | None) -> None:
    assert color_attributes(color) == (css, data)
    html = render_slack(parse_slack_message({"attachments": [{"color": color, "text": "x"}]})).html
    start = f'<div class="cards"><article class="card {css}"' + (f' data-color="{data}">' if data else ">")
    assert html.startswith(start)
    assert "style" not in html


def test_every_colour_class_has_its_css() -> None:
    css = (Path(__file__).parents[2] / "static/src/styles/app.css").read_text()
    for name in [*NAMED_COLORS, *PALETTE]:
        assert re.search(rf"\.card-{name} {{ --card-color: #[0-9a-f]{{6}}; }}", css), name
    for name, rgb in PALETTE.items():
        assert nearest_color(rgb) == name


@pytest.mark.parametrize(("url", "shown"), [
    ("https://img.example/a.png", True), ("http://img.example/a.png", True), ("HTTPS://img.example/a.png", True),
    ("javascript:alert(1)", False), ("data:image/png;base64,AAAA", False), ("//img.example/a.png", False),
    ("ftp://img.example/a.png", False), ("/relative.png", False), ("https://", False), ("mailto:a@b.c", False),
    ("https://img.example/a b.png", False),
])
def test_images_are_http_only_proxied_lazy_and_send_no_referrer(url: str, shown: bool) -> None:
    message = parse_slack_message({"blocks": [{"type": "image", "image_url": url, "alt_text": "chart"}],
                                   "attachments": [{"image_url": url, "thumb_url": url, "title": "t"}]})
    html = render_slack(message).html
    images = re.findall(r"<img [^>]*>", html)
    if shown:
        assert len(images) == 3
        for tag in images:
            assert 'loading="lazy" referrerpolicy="no-referrer"' in tag and ' alt="' in tag
            src = re.search(r' src="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
            assert src == proxied(url) and shown_url(src) == url  # same-origin, signed, names the image
        assert 'alt="chart"' in html
    else:
        assert images == []
        assert "<figcaption>chart</figcaption>" in html  # the alt text stands in for the image


# --- limits ------------------------------------------------------------------------------------------------

def _section(n: int) -> dict[str, Any]:
    return {"type": "section", "text": _text("mrkdwn", "x" * n)}


@pytest.mark.parametrize(("payload", "code", "field"), [
    ([], "invalid_payload", None),
    ({}, "no_text", "text"),
    ({"text": "  "}, "no_text", "text"),
    ({"text": 5j}, "invalid_payload", "text"),
    ({"text": "x" * (limits.SLACK_TEXT_LENGTH + 1)}, "msg_too_long", "text"),
    ({"attachments": [{"text": "x" * 8000}] * 6}, "msg_too_long", None),
    ({"attachments": [{"text": "x"}] * (limits.SLACK_ATTACHMENTS + 1)}, "too_many_attachments", "attachments"),
    ({"attachments": ["x"]}, "invalid_attachments", "attachments[0]"),
    ({"attachments": {"text": "x"}}, "invalid_attachments", "attachments"),
    ({"attachments": [{"fields": [{"title": "a", "value": {"x": 1}}]}]}, "invalid_attachments",
     "attachments[0].fields[0].value"),
    ({"attachments": [{"fields": [{"value": "v"}] * 51}]}, "invalid_attachments", "attachments[0].fields"),
    ({"attachments": [{"text": "x", "blocks": [{"type": "section"}]}]}, "invalid_attachments",
     "attachments[0].blocks[0]"),
    ({"blocks": [{"type": "divider"}] * (limits.SLACK_BLOCKS + 1)}, "invalid_blocks", "blocks"),
    ({"blocks": "not json"}, "invalid_blocks", "blocks"),
    ({"blocks": [7]}, "invalid_blocks", "blocks[0]"),
    ({"blocks": [{"type": "section"}]}, "invalid_blocks", "blocks[0]"),
    ({"blocks": [_section(limits.SLACK_SECTION_TEXT + 1)]}, "invalid_blocks", "blocks[0]"),
    ({"blocks": [{"type": "section", "fields": [_text("mrkdwn", "f")] * 11}]}, "invalid_blocks", "blocks[0].fields"),
    ({"blocks": [{"type": "header", "text": _text("mrkdwn", "h")}]}, "invalid_blocks", "blocks[0]"),
    ({"blocks": [{"type": "header", "text": _text("plain_text", "h" * 151)}]}, "invalid_blocks", "blocks[0]"),
    ({"blocks": [{"type": "context", "elements": [_text("plain_text", "c")] * 11}]}, "invalid_blocks",
     "blocks[0].elements"),
    ({"blocks": [{"type": "context", "elements": [{"type": "image", "image_url": "https://x.y"}] * 2 + [
        {"type": "mrkdwn"}]}]}, "invalid_blocks", "blocks[0].elements[2].text"),
    ({"blocks": [{"type": "image", "alt_text": "no url"}]}, "invalid_blocks", "blocks[0].image_url"),
    ({"blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "text", "text": "t"}] * 1000}]}]}, "invalid_blocks", "blocks[0]"),
])
def test_limits_answer_with_slacks_error_names(payload: Any, code: str, field: str | None) -> None:
    with pytest.raises(SlackPayloadError) as raised:
        parse_slack_message(payload)
    assert (raised.value.code, raised.value.field) == (code, field), raised.value.message
    assert raised.value.status == 400


def test_what_is_within_the_limits_is_taken() -> None:
    parse_slack_message({"text": "x" * limits.SLACK_TEXT_LENGTH,
                         "blocks": [_section(limits.SLACK_SECTION_TEXT)] * 10,
                         "attachments": [{"fallback": "f"}] * limits.SLACK_ATTACHMENTS})
    # Form-encoded posts send blocks and attachments as JSON text; unknown block types pass.
    message = parse_slack_message({"blocks": '[{"type": "actions", "elements": []}, {"type": "divider"}]',
                                   "attachments": '[{"text": "a", "ts": "1700000000.123"}]'})
    assert [b.type for b in message.blocks] == ["actions", "divider"]
    with pytest.raises(SlackPayloadError) as raised:
        parse_mattermost_message({"props": {"attachments": [{}] * 101}})
    assert raised.value.code == "too_many_attachments"


# --- plain text -------------------------------------------------------------------------------------------

def test_the_plain_text_fallback() -> None:
    # Text, then each attachment's fallback, or without one what it shows.
    out = render_slack(parse_slack_message({"text": "*Deploy* <https://ci.example/1|#1> by <@U0000007>",
                                            "attachments": [
        {"fallback": "Build passed: https://ci.example/1", "title": "ignored", "color": "good"},
        {"pretext": "pre", "author_name": "octo", "title": "PR &amp; more", "text": "_body_",
         "fields": [{"title": "Repo", "value": "chat"}, {"value": "untitled"}], "footer": "GitHub", "ts": 0}]}),
        users=users)
    assert out.text == ("Deploy #1 by @bob\nBuild passed: https://ci.example/1\n"
                        "pre\nocto\nPR &amp; more\n_body_\nRepo: chat\nuntitled\nGitHub · Jan 1, 1970 00:00 UTC")
    # Blocks alone: their text; the text, when given, is theirs.
    blocks = [{"type": "header", "text": _text("plain_text", "Incident")},
              {"type": "section", "text": _text("mrkdwn", "*High* urgency"), "fields": [_text("plain_text", "API")]},
              {"type": "context", "elements": [_text("mrkdwn", "a"), _text("plain_text", "b")]},
              {"type": "image", "image_url": "https://x.y/i.png", "alt_text": "graph"}, {"type": "divider"}]
    assert render_slack(parse_slack_message({"blocks": blocks})).text == "Incident\nHigh urgency\nAPI\na b\ngraph"
    assert render_slack(parse_slack_message({"text": "Incident 42", "blocks": blocks})).text == "Incident 42"
    # Mattermost: the Markdown as written.
    out = render_mattermost(parse_mattermost_message({"text": "**hi**", "attachments": [{"text": "_a_"}]}), {})
    assert out.text == "**hi**\n_a_"
    # Capped at the message limit; direction controls shown.
    long = render_slack(parse_slack_message({"attachments": [{"fallback": "y" * 8000}, {"fallback": "z\u202e"}]}))
    assert len(long.text) == limits.MESSAGE_LENGTH and long.text.endswith("…")
    assert render_slack(parse_slack_message({"text": "a\u202eb"})).text == "a<U+202E>b"


# --- golden examples ----------------------------------------------------------------------------------

def test_golden_github_style_attachment() -> None:
    message = parse_slack_message({"attachments": [{
        "fallback": "[octo/chat] Pull request opened: #42 Add cards",
        "color": "#36a64f", "pretext": "Pull request opened by <https://github.com/mona|mona>",
        "author_name": "mona", "author_link": "https://github.com/mona",
        "author_icon": "https://avatars.githubusercontent.com/u/1",
        "title": "#42 Add cards", "title_link": "https://github.com/octo/chat/pull/42",
        "text": "Renders *attachments* as `cards`.", "mrkdwn_in": ["text"],
        "fields": [{"title": "Reviewers", "value": "<@U0000007>", "short": True},
                   {"title": "Labels", "value": "ui, backend", "short": True}],
        "footer": "GitHub", "footer_icon": "https://github.githubassets.com/favicon.ico", "ts": 1700000000}]})
    out = render_slack(message, users=users)
    img = 'loading="lazy" referrerpolicy="no-referrer"'
    assert out.html == (
        '<div class="cards"><article class="card card-green" data-color="#36a64f">'
        f'<div class="card-pretext"><p>Pull request opened by <a href="https://github.com/mona" {A}>mona</a></p></div>'
        '<div class="card-main"><div class="card-content">'
        '<p class="card-author"><img class="card-author-icon" '
        f'src="{proxied("https://avatars.githubusercontent.com/u/1")}" alt="" {img}>'
        f'<a href="https://github.com/mona" {A}>mona</a></p>'
        f'<p class="card-title"><a href="https://github.com/octo/chat/pull/42" {A}>#42 Add cards</a></p>'
        '<div class="card-text"><p>Renders <strong>attachments</strong> as <code>cards</code>.</p></div>'
        '<dl class="card-fields">'
        '<div class="card-field short"><dt>Reviewers</dt>'
        '<dd><p><span class="mention" data-user-id="7">@bob</span></p></dd></div>'
        '<div class="card-field short"><dt>Labels</dt><dd><p>ui, backend</p></dd></div></dl>'
        '<footer class="card-footer">'
        f'<img class="card-footer-icon" src="{proxied("https://github.githubassets.com/favicon.ico")}" alt="" {img}>'
        '<span>GitHub</span><time datetime="2023-11-14T22:13:20Z">Nov 14, 2023 22:13 UTC</time></footer>'
        "</div></div></article></div>")
    assert out.text == "[octo/chat] Pull request opened: #42 Add cards"
    assert out.mentioned_user_ids == {7}


def test_golden_pagerduty_style_blocks() -> None:
    message = parse_slack_message({"text": "Triggered: [P1] API latency", "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": ":rotating_light: [P1] API latency", "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Service:* <https://pd.example/s/1|api>\n"
                                                                 "*Assigned:* <@U0000007> <!here>"},
         "accessory": {"type": "image", "image_url": "https://pd.example/logo.png", "alt_text": "PagerDuty"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Urgency*\nHigh"},
                                       {"type": "plain_text", "text": "Status\nTriggered"}]},
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "image", "image_url": "https://pd.example/i.png", "alt_text": "pd"},
                                         {"type": "mrkdwn", "text": "Incident <https://pd.example/i/9|#9>"}]},
        {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Ack"}}]}]})
    out = render_slack(message, users=users)
    img = 'loading="lazy" referrerpolicy="no-referrer"'
    assert out.html == (
        '<div class="blocks">'
        '<p class="block block-header">:rotating_light: [P1] API latency</p>'
        '<div class="block block-section"><div class="block-content"><div class="block-text">'
        f'<p><strong>Service:</strong> <a href="https://pd.example/s/1" {A}>api</a><br>'
        '<strong>Assigned:</strong> <span class="mention" data-user-id="7">@bob</span> '
        '<span class="mention mention-special">@here</span></p></div></div>'
        f'<img class="block-accessory" src="{proxied("https://pd.example/logo.png")}" alt="PagerDuty" {img}></div>'
        '<div class="block block-section"><div class="block-content"><div class="block-fields">'
        '<div class="block-field"><p><strong>Urgency</strong><br>High</p></div>'
        '<div class="block-field"><p>Status<br>Triggered</p></div></div></div></div>'
        '<hr class="block block-divider">'
        '<div class="block block-context">'
        f'<img class="block-context-image" src="{proxied("https://pd.example/i.png")}" alt="pd" {img}>'
        f'<div class="block-context-text"><p>Incident <a href="https://pd.example/i/9" {A}>#9</a></p></div></div>'
        "</div>")
    assert out.text == "Triggered: [P1] API latency"
    assert out.mentioned_user_ids == {7} and out.mentions_channel


def test_golden_mattermost_card() -> None:
    message = parse_mattermost_message({
        "text": "#### Build **failed** for @bob",
        "props": {"card": "| step | result |\n|---|---|\n| test | failed |\n\n"
                                                                    "[logs](https://ci.example/7) <script>x</script>"},
        "attachments": [{"color": "danger", "title": "main #7", "title_link": "https://ci.example/7",
                         "text": "See **the logs**",
                         "fields": [{"title": "Branch", "value": "`main`", "short": True}]}]})
    out = render_mattermost(message, {"bob": 7})
    assert out.html == (
        '<p>#### Build <strong>failed</strong> for <span class="mention" data-user-id="7">@bob</span></p>'
        '<div class="cards"><article class="card card-danger" data-color="danger"><div class="card-main">'
        f'<div class="card-content"><p class="card-title"><a href="https://ci.example/7" {A}>main #7</a></p>'
        '<div class="card-text"><p>See <strong>the logs</strong></p></div>'
        '<dl class="card-fields"><div class="card-field short"><dt>Branch</dt>'
        '<dd><p><code>main</code></p></dd></div></dl>'
        "</div></div></article></div>"
        '<details class="card-extra"><summary>Details</summary>'
        "<p>| step | result |<br />\n|---|---|<br />\n| test | failed |</p>\n"
        f'<p><a href="https://ci.example/7" {A}>logs</a> &lt;script&gt;x&lt;/script&gt;</p></details>')
    assert out.text == "#### Build **failed** for @bob\nmain #7\nSee **the logs**\nBranch: `main`"
    assert out.mentioned_user_ids == {7}
