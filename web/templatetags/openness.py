"""Template helpers: level marks readable without colour, permalinks that keep the view's state."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

from scoring import dimensions
from scoring.levels import CLOSED, OPEN, PARTIAL, UNKNOWN

register = template.Library()
MARKS = {OPEN: ("●", "open"), PARTIAL: ("◐", "partial"), CLOSED: ("○", "closed"), UNKNOWN: ("?", "unknown")}
MOF_NAMES = {1: "Class I", 2: "Class II", 3: "Class III", 0: "none"}


_MARK_HTML = {
    level: format_html(
        '<span class="mark mark-{}"><span aria-hidden="true">{}</span> {}</span>', word, symbol, word
    )
    for level, (symbol, word) in MARKS.items()
}


@register.filter
def level_mark(level: str):
    return _MARK_HTML.get(level, _MARK_HTML[UNKNOWN])


@register.filter
def levels_summary(levels) -> str:
    """A recorded change's levels, one per dimension: "W open, D closed, C partial, L open"
    (a level the record lacks shows as nothing)."""
    levels = levels or {}
    return ", ".join(f"{d.letter} {levels.get(d.key, '')}" for d in dimensions.ALL)


@register.filter
def mof_name(value) -> str:
    return MOF_NAMES.get(value, "none")


@register.filter
def compact(number) -> str:
    """1234567 -> 1.2M (for downloads and parameter counts)."""
    if number is None or number == "":
        return "–"
    number = float(number)
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= threshold:
            return f"{number / threshold:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{number:.0f}"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (None removes one)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    pairs = [(k, v) for k in params for v in params.getlist(k) if v != ""]
    return "?" + urlencode(pairs) if pairs else "?"


@register.simple_tag(takes_context=True)
def sort_link(context, key: str) -> str:
    """Link for a column header: sort by it, or reverse the order when it already is the sort."""
    current = context.get("sort_key", "total")
    target = f"-{key}" if current == key else key
    return query_with(context, sort=target, page=None)


# sorts whose plain form puts the largest (or most open) first
DESCENDING_SORTS = frozenset(("total", "downloads", "likes", "parameters", "released", "crawled", "mof")) | {
    d.sort_key for d in dimensions.ALL
}


@register.simple_tag(takes_context=True)
def aria_sort(context, key: str) -> str:
    current = context.get("sort_key", "total")
    if current == key:
        return "descending" if key in DESCENDING_SORTS else "ascending"
    if current == f"-{key}":
        return "ascending" if key not in ("name", "organization") else "descending"
    return "none"


@register.filter
def percent(value) -> str:
    """0.917 -> '91.7 %'."""
    try:
        return f"{float(value) * 100:.1f} %"
    except (TypeError, ValueError):
        return ""


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when absent or not a mapping)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def attr(obj, name: str):
    """``getattr(obj, name)`` in a template, for columns named by ``scoring.dimensions``."""
    return getattr(obj, name, None)


@register.filter
def public_name(user, role: str = "a maintainer") -> str:
    """A staff member as the public sees them: their full name, never their e-mail or user name."""
    if user is None:
        return role
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or role
