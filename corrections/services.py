"""Maintainer corrections: submitted, reviewed by someone else, then applied for good.

An approved correction becomes corrected evidence (and, for datasets, repositories and base
models, links marked as coming from the correction). The crawler only ever writes crawled
evidence and crawled links, so no later crawl undoes a correction; what the source says
now stays visible beside it. Judgment corrections (a level with a rationale) override the
computed judgment and say so.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog import choices
from catalog.ingest.store import _ensure, _placeholder
from catalog.models import (
    AIModel,
    CodeRepository,
    Dataset,
    Evidence,
    LineageEdge,
    ModelCodeRepository,
    ModelDataset,
)
from catalog.sources.huggingface.client import HUB_ID_RE, RELATIONS
from catalog.sources.links import normalize_github_repo
from corrections.models import Correction

LEVELS = ("open", "partial", "closed", "unknown")
JUDGMENT_FACTS = {
    choices.CorrectionFact.WEIGHTS,
    choices.CorrectionFact.TRAINING_DATA,
    choices.CorrectionFact.TRAINING_CODE,
    choices.CorrectionFact.LICENSE_GRADE,
}
MAX_ITEMS = 100


def _string_list(value: Any, field: str) -> list[str]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\n]", value) if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"'{field}' must be a list of strings")
    cleaned = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(cleaned) > MAX_ITEMS:
        raise ValidationError(f"'{field}' holds more than {MAX_ITEMS} items")
    return cleaned


def correction_value_clean(*, fact: str, value: Any) -> dict[str, Any]:
    """Check and normalise a correction's value; raises ValidationError saying what is wrong."""
    if not isinstance(value, dict):
        raise ValidationError('the value must be a JSON object, e.g. {"license": "apache-2.0"}')
    if fact == choices.CorrectionFact.LICENSE:
        from scoring.licenses import knowledge_base

        declared = value.get("declared") or (
            [value["license"]] if isinstance(value.get("license"), str) else []
        )
        declared = _string_list(declared, "license")
        license_name = str(value.get("license_name") or "")[:200]
        license_link = str(value.get("license_link") or "")[:500]
        if not declared and not license_name:
            raise ValidationError('give the license, e.g. {"license": "apache-2.0"}')
        resolution = knowledge_base().resolve_declared(declared, license_name, license_link)
        if resolution.entry is None and not resolution.parts:
            raise ValidationError(f"the license is not in the knowledge base: {resolution.reason}")
        return {"declared": declared, "license_name": license_name, "license_link": license_link}
    if fact == choices.CorrectionFact.DATASETS:
        names = _string_list(value.get("datasets", []), "datasets")
        bad = [n for n in names if not HUB_ID_RE.match(n)]
        if bad:
            raise ValidationError(f"not Hub dataset ids: {', '.join(bad)}")
        return {"datasets": names}
    if fact == choices.CorrectionFact.CODE_REPOSITORIES:
        raw = _string_list(value.get("repositories", []), "repositories")
        repos = [normalize_github_repo(r if "://" in r else f"https://github.com/{r}") for r in raw]
        bad = [r for r, n in zip(raw, repos, strict=True) if n is None]
        if bad:
            raise ValidationError(f"not GitHub repositories: {', '.join(bad)}")
        return {"repositories": list(dict.fromkeys(repos))}
    if fact == choices.CorrectionFact.BASE_MODELS:
        items = value.get("base_models", [])
        if not isinstance(items, list):
            raise ValidationError("'base_models' must be a list")
        bases = []
        for item in items[:MAX_ITEMS]:
            repo_id, relation = (
                (item, "finetune") if isinstance(item, str) else (item.get("id"), item.get("relation"))
            )
            if not isinstance(repo_id, str) or not HUB_ID_RE.match(repo_id):
                raise ValidationError(f"not a Hub model id: {repo_id!r}")
            if relation not in RELATIONS:
                raise ValidationError(f"relation must be one of {', '.join(RELATIONS)}")
            bases.append({"id": repo_id, "relation": relation})
        return {"base_models": bases}
    if fact in JUDGMENT_FACTS:
        level = value.get("level")
        rationale = str(value.get("rationale") or "").strip()
        if level not in LEVELS:
            raise ValidationError(f"'level' must be one of {', '.join(LEVELS)}")
        if not rationale or len(rationale) > 500:
            raise ValidationError("give a one-sentence 'rationale' (at most 500 characters)")
        return {"level": level, "rationale": rationale}
    raise ValidationError(f"unknown fact {fact!r}")


def correction_submit(
    *, model: AIModel, fact: str, value: Any, evidence_url: str, note: str = "", submitted_by=None
) -> Correction:
    cleaned = correction_value_clean(fact=fact, value=value)
    correction = Correction(
        model=model,
        fact=fact,
        value=cleaned,
        evidence_url=evidence_url,
        note=note[:5000],
        submitted_by=submitted_by,
    )
    correction.full_clean()
    correction.save()
    return correction


def _apply(correction: Correction) -> tuple[list[int], list[int]]:
    """Write the correction's facts; returns (dataset ids, repository ids) that need a crawl."""
    model, value, fact = correction.model, correction.value, correction.fact
    now = timezone.now()
    dataset_ids: list[int] = []
    repo_ids: list[int] = []
    if fact in JUDGMENT_FACTS:
        # a judgment override is corrected evidence too: scoring reads it from the catalog
        evidence_value = {"level": value.get("level"), "rationale": value.get("rationale") or ""}
    elif fact == choices.CorrectionFact.LICENSE:
        evidence_value = value
    elif fact == choices.CorrectionFact.DATASETS:
        ids = _ensure(
            Dataset, "repo_id", value["datasets"], lambda n: {"source": "huggingface", "repo_id": n}
        )
        ModelDataset.objects.filter(model=model, origin=choices.LinkOrigin.CORRECTION).delete()
        ModelDataset.objects.bulk_create(
            [
                ModelDataset(model=model, dataset_id=i, origin=choices.LinkOrigin.CORRECTION)
                for i in ids.values()
            ],
            ignore_conflicts=True,
        )
        # a dataset both crawled and corrected keeps one link row: mark it as the correction's
        ModelDataset.objects.filter(model=model, dataset_id__in=ids.values()).update(
            origin=choices.LinkOrigin.CORRECTION
        )
        dataset_ids = list(
            Dataset.objects.filter(id__in=ids.values(), status=choices.DatasetStatus.UNVERIFIED).values_list(
                "id", flat=True
            )
        )
        evidence_value = {"names": value["datasets"]}
    elif fact == choices.CorrectionFact.CODE_REPOSITORIES:
        ids = _ensure(
            CodeRepository,
            "full_name",
            value["repositories"],
            lambda n: {"full_name": n, "html_url": f"https://github.com/{n}"},
        )
        ModelCodeRepository.objects.filter(model=model, origin=choices.LinkOrigin.CORRECTION).delete()
        ModelCodeRepository.objects.bulk_create(
            [
                ModelCodeRepository(model=model, repository_id=i, origin=choices.LinkOrigin.CORRECTION)
                for i in ids.values()
            ],
            ignore_conflicts=True,
        )
        ModelCodeRepository.objects.filter(model=model, repository_id__in=ids.values()).update(
            origin=choices.LinkOrigin.CORRECTION
        )
        repo_ids = list(
            CodeRepository.objects.filter(id__in=ids.values(), crawled_at__isnull=True).values_list(
                "id", flat=True
            )
        )
        evidence_value = {"repositories": value["repositories"]}
    else:  # base models
        parent_ids = _ensure(AIModel, "repo_id", [b["id"] for b in value["base_models"]], _placeholder)
        LineageEdge.objects.filter(child=model, origin=choices.LinkOrigin.CORRECTION).delete()
        for base in value["base_models"]:
            parent_id = parent_ids[base["id"]]
            if parent_id == model.pk:
                raise ValidationError("a model cannot be its own base")
            LineageEdge.objects.update_or_create(
                child=model,
                parent_id=parent_id,
                defaults={"relation": base["relation"], "origin": choices.LinkOrigin.CORRECTION},
            )
        evidence_value = {"models": value["base_models"]}
    Evidence.objects.update_or_create(
        subject_type=choices.SubjectType.MODEL,
        subject_id=model.pk,
        fact=fact,
        origin=choices.EvidenceOrigin.CORRECTED,
        defaults={
            "value": evidence_value,
            "source_url": correction.evidence_url[:500],
            "revision": "",
            "fetched_at": now,
            "correction_id": correction.pk,
        },
    )
    return dataset_ids, repo_ids


def correction_approve(*, correction: Correction, reviewer, review_note: str = "") -> Correction:
    """Approve and apply. The reviewer must not be the submitter (two-person rule)."""
    with transaction.atomic():
        correction = Correction.objects.select_for_update().select_related("model").get(pk=correction.pk)
        if correction.status != choices.CorrectionStatus.PENDING:
            raise ValidationError(
                f"only pending corrections can be approved (this one is {correction.status})"
            )
        if reviewer is None or (
            correction.submitted_by_id is not None and correction.submitted_by_id == reviewer.pk
        ):
            raise ValidationError("a correction must be reviewed by someone other than its submitter")
        correction.value = correction_value_clean(fact=correction.fact, value=correction.value)
        dataset_ids, repo_ids = _apply(correction)
        Correction.objects.filter(
            model=correction.model, fact=correction.fact, status=choices.CorrectionStatus.APPROVED
        ).update(
            status=choices.CorrectionStatus.WITHDRAWN, review_note="superseded by a later approved correction"
        )
        correction.status = choices.CorrectionStatus.APPROVED
        correction.reviewed_by = reviewer
        correction.reviewed_at = timezone.now()
        correction.review_note = review_note[:5000]
        correction.save()
        _after_commit(correction.model_id, dataset_ids, repo_ids)
    return correction


def correction_reject(*, correction: Correction, reviewer, review_note: str) -> Correction:
    with transaction.atomic():
        correction = Correction.objects.select_for_update().get(pk=correction.pk)
        if correction.status != choices.CorrectionStatus.PENDING:
            raise ValidationError(
                f"only pending corrections can be rejected (this one is {correction.status})"
            )
        if not review_note.strip():
            raise ValidationError("say why the correction is rejected")
        correction.status = choices.CorrectionStatus.REJECTED
        correction.reviewed_by = reviewer
        correction.reviewed_at = timezone.now()
        correction.review_note = review_note[:5000]
        correction.save()
    return correction


def _after_commit(model_id: int, dataset_ids: list[int], repo_ids: list[int]) -> None:
    from catalog.tasks import crawl_dataset, crawl_repo
    from scoring.tasks import score_models

    def enqueue() -> None:
        for pk in dataset_ids:
            crawl_dataset.delay(pk)
        for pk in repo_ids:
            crawl_repo.delay(pk)
        score_models.delay([model_id], cause="correction")

    transaction.on_commit(enqueue)
