"""The four levels every judgment takes, their points, and how levels combine."""

from __future__ import annotations

OPEN = "open"
PARTIAL = "partial"
CLOSED = "closed"
UNKNOWN = "unknown"
LEVELS = (OPEN, PARTIAL, CLOSED, UNKNOWN)
POINTS = {OPEN: 1.0, PARTIAL: 0.5, CLOSED: 0.0, UNKNOWN: 0.0}
RANK = {CLOSED: 0, PARTIAL: 1, OPEN: 2}  # unknown has no rank: it is not "less open", it is untold
LEVEL_CHOICES = [(OPEN, "open"), (PARTIAL, "partial"), (CLOSED, "closed"), (UNKNOWN, "unknown")]


def snap(value: float) -> str:
    """A mean of levels back onto the scale, rounding down: 0.75 is partial, 0.25 closed."""
    if value >= 1.0:
        return OPEN
    if value >= 0.5:
        return PARTIAL
    return CLOSED


def mean_level(levels: list[str]) -> str:
    """Mean of known levels; unknown if any part is unknown (we cannot tell the whole)."""
    if not levels or UNKNOWN in levels:
        return UNKNOWN
    return snap(sum(POINTS[level] for level in levels) / len(levels))


def strictest(levels: list[str]) -> str:
    """The least open of several levels that all apply; closed beats unknown (closed is certain)."""
    if CLOSED in levels:
        return CLOSED
    if UNKNOWN in levels or not levels:
        return UNKNOWN
    if PARTIAL in levels:
        return PARTIAL
    return OPEN


def more_open(a: str, b: str) -> bool:
    return a in RANK and b in RANK and RANK[a] > RANK[b]
