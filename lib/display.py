"""Text that misleads the eye, made visible before a page shows it.

Upstream text (card metadata, dataset and licence names, notes, reports) is escaped, so it
can never run; but a right-to-left override can still make ``evil\\u202egnp.exe`` read as
"evilexe.png", and a name mixing a Cyrillic letter into Latin ones can read as another
organisation's. The stored text keeps every character (exports and the API carry it as
published); only what a person reads is changed: direction controls are shown as their code
points, look-alike words are marked.
"""

from __future__ import annotations

import re
import unicodedata

from confusable_homoglyphs import confusables

# Embeddings, overrides and isolates (UAX #9): the characters that reorder what follows them.
# LRM/RLM (U+200E/F) are left alone: they only set the direction of neutral characters.
DIRECTION_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
DIRECTION_CONTROLS_RE = re.compile(f"[{DIRECTION_CONTROLS}]")
# a word holding at least one letter outside ASCII (only those can be mixed-script)
_NON_ASCII_WORD_RE = re.compile(r"\w*[^\x00-\x7f]\w*")


def direction_controls_shown(text: str) -> str:
    """Each direction control replaced by its code point, e.g. ``[U+202E]``."""
    return DIRECTION_CONTROLS_RE.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def may_mislead(text: str) -> bool:
    """Cheap test on a page: could it hold a direction control or a look-alike word? Only a
    non-ASCII letter can make a word mixed-script; the site's own typography (“ ” · ▲ —)
    is punctuation, so most pages are answered here without a pass over their markup."""
    if text.isascii():
        return False
    return any(m.group() in DIRECTION_CONTROLS or m.group().isalpha() for m in _NON_ASCII_RE.finditer(text))


def lookalike_scripts(word: str) -> list[str] | None:
    """The scripts a word mixes when some of its letters imitate another script's (UTS #39's
    mixed-script confusable); None for an honest word, whatever its script."""
    if word.isascii() or not confusables.is_dangerous(word):
        return None
    scripts = {unicodedata.name(c, "?").split(" ")[0].title() for c in word if c.isalpha()}
    return sorted(scripts)


def lookalike_words(text: str) -> list[tuple[int, int, list[str]]]:
    """(start, end, scripts) of each look-alike word in ``text``."""
    found = []
    for match in _NON_ASCII_WORD_RE.finditer(text):
        scripts = lookalike_scripts(match.group())
        if scripts:
            found.append((match.start(), match.end(), scripts))
    return found
