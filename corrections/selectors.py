"""Reads about corrections for the admin forms and the public pages: what the index holds now
for a model's facts (crawled beside corrected), the approved corrections and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog import choices
from catalog.models import AIModel, Evidence
from corrections.models import Correction, CorrectionEvent
from scoring import selectors as score_selectors
from scoring.models import Score

# a judgment override's fact -> the dimension it overrides; link facts -> the dimension they feed
FACT_DIMENSION: dict[str, str] = {
    choices.CorrectionFact.WEIGHTS: "weights",
    choices.CorrectionFact.TRAINING_DATA: "training_data",
    choices.CorrectionFact.TRAINING_CODE: "training_code",
    choices.CorrectionFact.LICENSE_GRADE: "license",
    choices.CorrectionFact.LICENSE: "license",
    choices.CorrectionFact.DATASETS: "training_data",
    choices.CorrectionFact.CODE_REPOSITORIES: "training_code",
    choices.CorrectionFact.BASE_MODELS: "",  # lineage feeds every dimension
}
JUDGMENT_FACTS = {
    choices.CorrectionFact.WEIGHTS,
    choices.CorrectionFact.TRAINING_DATA,
    choices.CorrectionFact.TRAINING_CODE,
    choices.CorrectionFact.LICENSE_GRADE,
}


def value_text(fact: str, value: Any) -> str:
    """A correction's or an evidence row's value in words (plain text: templates escape it)."""
    if not isinstance(value, dict):
        return "nothing recorded"
    if fact in JUDGMENT_FACTS:
        level = value.get("level") or "unknown"
        rationale = value.get("rationale") or ""
        return f"{level}: {rationale}" if rationale else str(level)
    if fact == choices.CorrectionFact.LICENSE:
        from scoring.licenses import knowledge_base

        entries = knowledge_base().entries
        declared = ", ".join(
            f"{entries[d].name} ({d})" if d in entries else d for d in (value.get("declared") or [])
        )
        name = value.get("license_name") or ""
        return ", ".join(p for p in (declared, name) if p) or "none declared"
    if fact == choices.CorrectionFact.DATASETS:
        names = value.get("datasets", value.get("names")) or []
        return ", ".join(names) or "none named"
    if fact == choices.CorrectionFact.CODE_REPOSITORIES:
        return ", ".join(value.get("repositories") or []) or "none linked"
    if fact == choices.CorrectionFact.BASE_MODELS:
        items = value.get("base_models", value.get("models")) or []
        return (
            ", ".join(f"{b.get('id')} ({b.get('relation')})" for b in items if isinstance(b, dict)) or "none"
        )
    return str(value)


@dataclass
class FactNow:
    fact: str
    label: str
    crawled: str  # what the source says (or the computed judgment), in words
    corrected: str  # what an approved correction says, "" when none
    correction: Correction | None


def facts_now(model: AIModel, score: Score | None = None) -> list[FactNow]:
    """Every correctable fact of ``model``: the crawled value beside the corrected one
    (``score``: the model's current score when the caller has it already)."""
    evidence = {
        (e.fact, e.origin): e.value
        for e in Evidence.objects.filter(
            subject_type=choices.SubjectType.MODEL,
            subject_id=model.pk,
            fact__in=choices.CorrectionFact.values,
        ).only("fact", "origin", "value")
    }
    if score is None:
        score = (
            Score.objects.select_related("detail")
            .filter(model=model, methodology=score_selectors.current_methodology())
            .first()
        )
    judgments = score.detail.judgments if score else {}
    approved = {
        c.fact: c
        for c in Correction.objects.filter(
            model=model, status=choices.CorrectionStatus.APPROVED
        ).select_related("reviewed_by", "submitted_by")
    }
    rows = []
    for fact, label in choices.CorrectionFact.choices:
        if fact in JUDGMENT_FACTS:
            judgment = judgments.get(FACT_DIMENSION[fact]) or {}
            details = judgment.get("details") or {}
            if judgment.get("origin") == "corrected" and "crawled_level" in details:
                crawled = value_text(
                    fact, {"level": details["crawled_level"], "rationale": details.get("crawled_rationale")}
                )
            elif judgment:
                crawled = value_text(fact, judgment)
            else:
                crawled = "not scored yet"
        else:
            crawled = value_text(fact, evidence.get((fact, choices.EvidenceOrigin.CRAWLED)))
        correction = approved.get(fact)
        rows.append(
            FactNow(
                fact=fact,
                label=str(label),
                crawled=crawled,
                corrected=value_text(fact, correction.value) if correction else "",
                correction=correction,
            )
        )
    return rows


def approved_by_dimension(model: AIModel, score: Score | None = None) -> dict[str, list[FactNow]]:
    """The model's corrected facts, grouped by the dimension they change ("" = lineage)."""
    grouped: dict[str, list[FactNow]] = {}
    for row in facts_now(model, score):
        if row.correction is not None:
            grouped.setdefault(FACT_DIMENSION[row.fact], []).append(row)
    return grouped


def changelog(model: AIModel, limit: int = 200) -> list[CorrectionEvent]:
    """The public trail of the model's corrections, newest first."""
    return list(
        CorrectionEvent.objects.filter(correction__model=model)
        .select_related("correction", "actor")
        .order_by("-at", "-id")[:limit]
    )


def drifted(corrections) -> dict[int, str]:
    """Approved corrections whose source now says something else than when they were approved:
    correction id -> what the source says now. Reviewers check these (the correction may be
    obsolete, or the source may have caught up)."""
    by_model: dict[int, list[Correction]] = {}
    for c in corrections:
        if c.status == choices.CorrectionStatus.APPROVED and c.crawled_when_approved:
            by_model.setdefault(c.model_id, []).append(c)
    result = {}
    for rows in by_model.values():
        now = {row.fact: row.crawled for row in facts_now(rows[0].model)}
        for c in rows:
            if now.get(c.fact, "") != c.crawled_when_approved:
                result[c.pk] = now.get(c.fact, "")
    return result
