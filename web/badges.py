"""README badges: an SVG showing the judgments (one segment per dimension), and a shields.io endpoint JSON.

The badge shows openness per dimension, not a rank (a lone rank reads as a quality claim).
Each dimension has a symbol as well as a colour, so it reads without colour too.
"""

from __future__ import annotations

from html import escape

from scoring import dimensions
from scoring.levels import CLOSED, OPEN, PARTIAL, UNKNOWN

COLOURS = {OPEN: "#2e7d32", PARTIAL: "#9a5b00", CLOSED: "#b3261e", UNKNOWN: "#5f6368"}
SYMBOLS = {OPEN: "✓", PARTIAL: "½", CLOSED: "✗", UNKNOWN: "?"}
SHORT = tuple((d.key, d.letter) for d in dimensions.ALL)  # (dimension key, badge letter)
CHAR_WIDTH = 7.0


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH + 10


def badge_svg(levels: dict[str, str], *, label: str = "openness") -> str:
    segments = [
        (
            f"{short} {SYMBOLS[levels[name]]}",
            COLOURS[levels[name]],
            f"{name.replace('_', ' ')}: {levels[name]}",
        )
        for name, short in SHORT
    ]
    label_w = _text_width(label)
    widths = [_text_width(text) for text, _, _ in segments]
    total = label_w + sum(widths)
    title = f"{label}: " + ", ".join(desc for _, _, desc in segments)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total:.0f}" height="20" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<rect width="{label_w:.0f}" height="20" fill="#555"/>',
        f'<text x="{label_w / 2:.1f}" y="14" fill="#fff" text-anchor="middle" '
        f'font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">{escape(label)}</text>',
    ]
    x = label_w
    for (text, colour, _), width in zip(segments, widths, strict=True):
        parts.append(f'<rect x="{x:.0f}" width="{width:.0f}" height="20" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="14" fill="#fff" text-anchor="middle" '
            f'font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">{escape(text)}</text>'
        )
        x += width
    parts.append("</svg>")
    return "".join(parts)


def not_found_svg(repo_id: str) -> str:
    return badge_svg({name: UNKNOWN for name, _ in SHORT}, label="openness: not indexed")


def shields_payload(levels: dict[str, str], total: float) -> dict:
    message = " ".join(f"{short}{SYMBOLS[levels[name]]}" for name, short in SHORT)
    if total >= 75:
        colour = "green"
    elif total >= 50:
        colour = "yellowgreen"
    elif total >= 25:
        colour = "orange"
    else:
        colour = "red"
    return {
        "schemaVersion": 1,
        "label": "openness",
        "message": f"{message} ({total:g}/100)",
        "color": colour,
        "cacheSeconds": 3600,
    }
