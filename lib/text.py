"""NUL characters out of upstream data, at the boundary.

PostgreSQL text and jsonb cannot hold U+0000, so one card carrying it would make the whole
page's upsert fail. JSON spells it ``\\u0000``; a response whose bytes never contain that
sequence needs no walk at all, which is almost every response.
"""

from __future__ import annotations

from typing import Any

NUL_NOTE = "NUL characters removed from the metadata"


def may_hold_nul(body: bytes) -> bool:
    return b"\\u0000" in body or b"\x00" in body


def without_nul(value: Any) -> Any:
    """``value`` with NUL removed from every string and key; the same object when none held one."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        cleaned: Any = [without_nul(v) for v in value]
        return value if all(a is b for a, b in zip(cleaned, value, strict=True)) else cleaned
    if isinstance(value, dict):
        cleaned = {without_nul(k): without_nul(v) for k, v in value.items()}
        same = len(cleaned) == len(value) and all(k in value and value[k] is v for k, v in cleaned.items())
        return value if same else cleaned
    return value
