"""The gold set: judgments made by hand from primary evidence, and our agreement with them.

``tests/data/gold/gold.csv`` holds one row per model and dimension (level, evidence URL, the
deciding fact, the reviewer). ``tests/data/gold/reasons.csv`` says, for every case where the
pipeline disagrees, why. ``agreement`` compares the current scores with the gold rows; the
report (``scoring/data/gold_agreement.json``) is what the methodology page and
docs/methodology.md publish, and a test recomputes it on every run so it cannot go stale.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from scoring import dimensions

GOLD_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "gold"
GOLD_FILE = GOLD_DIR / "gold.csv"
REASONS_FILE = GOLD_DIR / "reasons.csv"
REPORT_FILE = Path(__file__).resolve().parent / "data" / "gold_agreement.json"
LEVELS = ("open", "partial", "closed", "unknown")
TARGET = 0.90


@dataclass(frozen=True)
class GoldRow:
    repo_id: str
    dimension: str
    level: str
    evidence_url: str
    deciding_fact: str
    reviewer: str


@dataclass
class Disagreement:
    repo_id: str
    dimension: str
    gold: str
    ours: str
    our_rationale: str
    deciding_fact: str
    evidence_url: str
    reason: str = ""


@dataclass
class DimensionAgreement:
    dimension: str
    label: str
    compared: int = 0
    agreed: int = 0

    @property
    def share(self) -> float:
        return self.agreed / self.compared if self.compared else 0.0


@dataclass
class AgreementReport:
    models: int
    rows: int
    per_dimension: list[DimensionAgreement]
    disagreements: list[Disagreement] = field(default_factory=list)
    unknown_shown_as_closed: int = 0
    missing_scores: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "models": self.models,
            "rows": self.rows,
            "target": TARGET,
            "per_dimension": [{**asdict(d), "share": round(d.share, 4)} for d in self.per_dimension],
            "unknown_shown_as_closed": self.unknown_shown_as_closed,
            "missing_scores": self.missing_scores,
            "disagreements": [asdict(d) for d in self.disagreements],
        }


def load_gold(path: Path = GOLD_FILE) -> list[GoldRow]:
    keys = set(dimensions.KEYS)
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for number, raw in enumerate(csv.DictReader(fh), start=2):
            row = GoldRow(**{k: (raw.get(k) or "").strip() for k in GoldRow.__dataclass_fields__})
            if row.dimension not in keys or row.level not in LEVELS:
                raise ValueError(f"{path.name} line {number}: bad dimension or level: {raw}")
            rows.append(row)
    return rows


def load_reasons(path: Path = REASONS_FILE) -> dict[tuple[str, str], str]:
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        return {(r["repo_id"].lower(), r["dimension"]): r["reason"].strip() for r in csv.DictReader(fh)}


def agreement(
    gold: Iterable[GoldRow],
    judged: Mapping[tuple[str, str], tuple[str, str]],
    reasons: Mapping[tuple[str, str], str] | None = None,
) -> AgreementReport:
    """``judged`` maps (lower-cased repo id, dimension) to (level, rationale)."""
    reasons = reasons or {}
    gold = list(gold)
    per = {d.key: DimensionAgreement(d.key, d.label) for d in dimensions.ALL}
    report = AgreementReport(
        models=len({g.repo_id.lower() for g in gold}), rows=len(gold), per_dimension=list(per.values())
    )
    missing: set[str] = set()
    for row in gold:
        key = (row.repo_id.lower(), row.dimension)
        if key not in judged:
            missing.add(row.repo_id)
            continue
        level, rationale = judged[key]
        tally = per[row.dimension]
        tally.compared += 1
        if level == row.level:
            tally.agreed += 1
            continue
        if row.level == "unknown" and level == "closed":
            report.unknown_shown_as_closed += 1
        report.disagreements.append(
            Disagreement(
                row.repo_id,
                row.dimension,
                row.level,
                level,
                rationale,
                row.deciding_fact,
                row.evidence_url,
                reasons.get(key, ""),
            )
        )
    report.missing_scores = sorted(missing)
    report.disagreements.sort(key=lambda d: (d.dimension, d.repo_id.lower()))
    return report


def judged_from_scores(scores: Iterable) -> dict[tuple[str, str], tuple[str, str]]:
    """Score rows (with their detail) -> the mapping ``agreement`` compares."""
    judged: dict[tuple[str, str], tuple[str, str]] = {}
    for score in scores:
        judgments = (score.detail.judgments if getattr(score, "detail", None) else {}) or {}
        for dimension in dimensions.ALL:
            level = getattr(score, dimension.column)
            rationale = (judgments.get(dimension.key) or {}).get("rationale", "")
            judged[(score.repo_id.lower(), dimension.key)] = (level, rationale)
    return judged


def report_write(report: AgreementReport, path: Path = REPORT_FILE) -> None:
    path.write_text(json.dumps(report.as_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


DOCS_FILE = Path(__file__).resolve().parent.parent / "docs" / "methodology.md"
DOCS_START, DOCS_END = "<!-- gold-agreement:start -->", "<!-- gold-agreement:end -->"


def report_markdown(report: AgreementReport) -> str:
    """The figures and every disagreement with its reason, for docs/methodology.md."""
    lines = ["| dimension | agree | compared | share |", "| --- | ---: | ---: | ---: |"]
    for tally in report.per_dimension:
        lines.append(f"| {tally.label} | {tally.agreed} | {tally.compared} | {tally.share:.1%} |")
    lines += [
        "",
        f"Unknown shown as closed: {report.unknown_shown_as_closed}. "
        f"Disagreements: {len(report.disagreements)}, each with its reason:",
        "",
        "| model | dimension | reviewers | crawler | reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    for d in report.disagreements:
        reason = (d.reason or "(no reason yet)").replace("|", "/")
        lines.append(f"| {d.repo_id} | {d.dimension} | {d.gold} | {d.ours} | {reason} |")
    return "\n".join(lines)


def docs_write(report: AgreementReport, path: Path = DOCS_FILE) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(DOCS_START) + len(DOCS_START), text.index(DOCS_END)
    path.write_text(text[:start] + "\n" + report_markdown(report) + "\n" + text[end:], encoding="utf-8")


def report_published(path: Path = REPORT_FILE) -> dict | None:
    """The committed report, for the methodology page (None before the first one is written)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def by_dimension(disagreements: Iterable[Disagreement]) -> dict[str, list[Disagreement]]:
    grouped: dict[str, list[Disagreement]] = defaultdict(list)
    for d in disagreements:
        grouped[d.dimension].append(d)
    return grouped
