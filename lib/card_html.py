"""Model-card text rendered safely for the site.

Card Markdown is untrusted. It is rendered with raw HTML switched off (markdown-it's
``js-default`` preset: HTML blocks and inline HTML come out as text, ``javascript:`` and
other unsafe link schemes are refused), then the HTML is sanitised by nh3 (ammonia) with a
small allowlist: no images (remote images track readers), no ids or classes from the
card, links forced to ``rel="nofollow ugc noopener"``. Rendering happens once, at crawl
time; the page shows the stored result.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

RENDERER_VERSION = "1"
MAX_SOURCE_CHARS = 60_000
ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}

_markdown = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False}).enable("table")


HEADING_SHIFT = 2  # the card sits under the page's h1 and a section h2


def render_card(markdown_text: str) -> str:
    """Sanitised HTML for a README body (front matter already stripped)."""
    source = markdown_text[:MAX_SOURCE_CHARS]
    env: dict = {}
    tokens = _markdown.parse(source, env)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + HEADING_SHIFT, 6)}"
    html = _markdown.renderer.render(tokens, _markdown.options, env)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )
