"""Does a judgment contradict its own rationale? The checks a skeptical reader would make.

Used by the test that scans every judgment of the bundled snapshot (``make run`` must show
none) and available to operators (``manage.py gold_agreement`` reports them too).
"""

from __future__ import annotations

# phrases that say the evidence was NOT read: such a judgment cannot be "closed" (v2, section 1)
UNREAD = (
    "could not be read",
    "has not been read",
    "have not been read",
    "not checked yet",
    "not been listed",
    "cannot be traced",
    "has not had its card",
)
# phrases that say something is NOT open: such a judgment cannot be "open"
NOT_OPEN = (
    "behind a gate",
    "no weight files",
    "none of which can be obtained",
    "not available (",
    "is private",
)


def contradictions(dimension: str, level: str, rationale: str) -> list[str]:
    text = rationale.lower()
    problems = []
    if level == "closed" and dimension != "license":
        problems += [
            f"closed, but the rationale says the evidence was unread ({p!r})" for p in UNREAD if p in text
        ]
    if level == "open":
        problems += [f"open, but the rationale says {p!r}" for p in NOT_OPEN if p in text]
    if not rationale.strip():
        problems.append("no rationale")
    return problems
