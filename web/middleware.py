"""Misleading characters in untrusted text, made visible on every HTML page and SVG badge."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

from lib import display

_TAG_RE = re.compile(r"(<[^>]*>)")
_TAG_NAME_RE = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)")
# elements whose content is raw text or cannot hold markup: mark with words, not with <mark>
_PLAIN_TEXT_ELEMENTS = {"script", "style", "textarea", "title", "option"}
_MARKED_TYPES = ("text/html", "image/svg+xml")


def _marked(text: str, markup: bool) -> str:
    """``text`` (HTML-escaped text between tags) with each look-alike word marked."""
    out, last = [], 0
    for start, end, scripts in display.lookalike_words(text):
        word = text[start:end]
        note = f"mixes {' and '.join(scripts)} letters: it may imitate another name"
        out.append(text[last:start])
        if markup:
            out.append(f'<mark class="lookalike" title="{escape(note)}">{word}</mark>')
        else:
            out.append(f"{word} ({note})")
        last = end
    out.append(text[last:])
    return "".join(out)


def reveal(html: str) -> str:
    """Direction controls shown as code points everywhere (text and attributes); look-alike
    words marked in text, never inside a tag."""
    html = display.direction_controls_shown(html)
    parts = _TAG_RE.split(html)
    plain_depth = 0
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            tag = _TAG_NAME_RE.match(part)
            if tag and tag.group(2).lower() in _PLAIN_TEXT_ELEMENTS and not part.endswith("/>"):
                plain_depth += -1 if tag.group(1) else 1
                plain_depth = max(plain_depth, 0)
        elif part and not part.isascii():
            parts[i] = _marked(part, markup=plain_depth == 0)
    return "".join(parts)


class RevealMisleadingText:
    """Runs after the view (and the page cache): the stored text is untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.streaming or not response.get("Content-Type", "").startswith(_MARKED_TYPES):
            return response
        body = response.content
        if body.isascii():
            return response
        charset = response.charset or "utf-8"
        text = body.decode(charset, errors="replace")
        if not display.may_mislead(text):
            return response
        revealed = reveal(text).encode(charset)
        if revealed != body:
            response.content = revealed
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(revealed))
        return response
