"""Maintainer corrections: submitted, reviewed by someone else, then applied for good.

An approved correction becomes corrected evidence (and, for datasets, repositories and base
models, links marked as coming from the correction). The crawler only ever writes crawled
evidence and crawled links, so no later crawl undoes a correction; what the source says
now stays visible beside it. Judgment corrections (a level with a rationale) override the
computed judgment and say so.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

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
from corrections.models import Correction, CorrectionEvent, ProblemReport

LEVELS = ("open", "partial", "closed", "unknown")
JUDGMENT_FACTS = {
    choices.CorrectionFact.WEIGHTS,
    choices.CorrectionFact.TRAINING_DATA,
    choices.CorrectionFact.TRAINING_CODE,
    choices.CorrectionFact.LICENSE_GRADE,
}
MAX_ITEMS = 100
log = logging.getLogger(__name__)


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


EVIDENCE_SCHEMES = ("http", "https")
NOTE_MAX = 5000


def evidence_url_clean(url: str, *, required: bool = True) -> str:
    """An evidence address must be a public web page: http or https, nothing else."""
    url = (url or "").strip()
    if not url:
        if required:
            raise ValidationError("give the address of a public page that supports the correction")
        return ""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in EVIDENCE_SCHEMES:
        raise ValidationError(
            f"the evidence must be a public web page, an http:// or https:// address "
            f"(not {scheme + ':' if scheme else 'a bare name'})"
        )
    try:
        URLValidator(schemes=list(EVIDENCE_SCHEMES))(url)
    except ValidationError:
        raise ValidationError("the evidence address is not a valid web address") from None
    if len(url) > 500:
        raise ValidationError("the evidence address is longer than 500 characters")
    return url


def _actor_name(user) -> str:
    return user.get_username() if user is not None else ""


def _event(correction: Correction, action: str, actor=None, note: str = "") -> CorrectionEvent:
    return CorrectionEvent.objects.create(
        correction=correction, action=action, actor=actor, actor_name=_actor_name(actor), note=note[:NOTE_MAX]
    )


def correction_submit(
    *,
    model: AIModel,
    fact: str,
    value: Any,
    evidence_url: str,
    note: str = "",
    submitted_by=None,
    report: ProblemReport | None = None,
) -> Correction:
    """The one way a correction enters the queue (admin form, import, a triaged public report).

    Checks everything before writing anything; a second pending correction of the same fact
    of the same model is refused (the reviewer would have to pick one blindly).
    """
    cleaned = correction_value_clean(fact=fact, value=value)
    evidence_url = evidence_url_clean(evidence_url)
    with transaction.atomic():
        locked = AIModel.objects.select_for_update().filter(pk=model.pk).first()
        if locked is None:
            raise ValidationError("this model is no longer in the index (renamed or deleted since)")
        model = locked
        if Correction.objects.filter(
            model=model, fact=fact, status=choices.CorrectionStatus.PENDING
        ).exists():
            raise ValidationError(
                f"a correction of {model.repo_id}'s {fact} is already pending review: "
                "review or withdraw it first"
            )
        correction = Correction(
            model=model,
            fact=fact,
            value=cleaned,
            evidence_url=evidence_url,
            note=note[:NOTE_MAX],
            submitted_by=submitted_by,
        )
        correction.full_clean()
        correction.save()
        _event(correction, CorrectionEvent.Action.SUBMITTED, submitted_by, note)
        if report is not None:
            report_convert(report=report, correction=correction, reviewer=submitted_by)
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


def _locked(correction: Correction) -> Correction:
    return Correction.objects.select_for_update().select_related("model").get(pk=correction.pk)


def _second_person(correction: Correction, reviewer) -> None:
    if reviewer is None or (
        correction.submitted_by_id is not None and correction.submitted_by_id == reviewer.pk
    ):
        raise ValidationError("a correction must be reviewed by someone other than its submitter")


def _crawled_text(correction: Correction) -> str:
    from corrections.selectors import facts_now

    return next((row.crawled for row in facts_now(correction.model) if row.fact == correction.fact), "")


def correction_approve(*, correction: Correction, reviewer, review_note: str = "") -> Correction:
    """Approve and apply. The reviewer must not be the submitter (two-person rule); the note is
    optional (the submitter's rationale and evidence already say why)."""
    with transaction.atomic():
        correction = _locked(correction)
        if correction.status != choices.CorrectionStatus.PENDING:
            raise ValidationError(
                f"only pending corrections can be approved (this one is {correction.status})"
            )
        _second_person(correction, reviewer)
        correction.value = correction_value_clean(fact=correction.fact, value=correction.value)
        dataset_ids, repo_ids = _apply(correction)
        for earlier in Correction.objects.filter(
            model=correction.model, fact=correction.fact, status=choices.CorrectionStatus.APPROVED
        ).exclude(pk=correction.pk):
            earlier.status = choices.CorrectionStatus.SUPERSEDED
            earlier.save(update_fields=["status"])
            _event(
                earlier,
                CorrectionEvent.Action.SUPERSEDED,
                reviewer,
                f"superseded by correction {correction.pk}",
            )
        correction.crawled_when_approved = _crawled_text(correction)
        correction.status = choices.CorrectionStatus.APPROVED
        correction.reviewed_by = reviewer
        correction.reviewed_at = timezone.now()
        correction.review_note = review_note[:NOTE_MAX]
        correction.save()
        _event(correction, CorrectionEvent.Action.APPROVED, reviewer, review_note)
        _after_commit(correction.model_id, dataset_ids, repo_ids)
    return correction


def correction_reject(*, correction: Correction, reviewer, review_note: str) -> Correction:
    """Reject with a reason (required: the submitter and the public trail see it)."""
    if not (review_note or "").strip():
        raise ValidationError("say why the correction is rejected")
    with transaction.atomic():
        correction = _locked(correction)
        if correction.status != choices.CorrectionStatus.PENDING:
            raise ValidationError(
                f"only pending corrections can be rejected (this one is {correction.status})"
            )
        _second_person(correction, reviewer)
        correction.status = choices.CorrectionStatus.REJECTED
        correction.reviewed_by = reviewer
        correction.reviewed_at = timezone.now()
        correction.review_note = review_note[:NOTE_MAX]
        correction.save()
        _event(correction, CorrectionEvent.Action.REJECTED, reviewer, review_note)
    return correction


def correction_withdraw(*, correction: Correction, user, note: str = "") -> Correction:
    """The submitter takes back their own correction while it is still pending."""
    with transaction.atomic():
        correction = _locked(correction)
        if correction.status != choices.CorrectionStatus.PENDING:
            raise ValidationError(
                f"only pending corrections can be withdrawn (this one is {correction.status}); "
                "an approved one is returned to the crawled value by a reviewer"
            )
        if user is None or correction.submitted_by_id != user.pk:
            raise ValidationError("only the submitter can withdraw a correction")
        correction.status = choices.CorrectionStatus.WITHDRAWN
        correction.save(update_fields=["status"])
        _event(correction, CorrectionEvent.Action.WITHDRAWN, user, note)
    return correction


def correction_revert(*, correction: Correction, reviewer, review_note: str) -> Correction:
    """Return an approved correction's fact to the crawled value: the corrected evidence and the
    links the correction made are removed, the model is re-read from its source (so links the
    crawl had found come back as crawled ones) and rescored, with its derivatives."""
    if not (review_note or "").strip():
        raise ValidationError("say why the correction is taken back")
    with transaction.atomic():
        correction = _locked(correction)
        if correction.status != choices.CorrectionStatus.APPROVED:
            raise ValidationError(
                "only an approved correction can be returned to the crawled value "
                f"(this one is {correction.status})"
            )
        if reviewer is None:
            raise ValidationError("a reviewer must take a correction back")
        model, fact = correction.model, correction.fact
        Evidence.objects.filter(
            subject_type=choices.SubjectType.MODEL,
            subject_id=model.pk,
            fact=fact,
            origin=choices.EvidenceOrigin.CORRECTED,
        ).delete()
        links_removed = False
        if fact == choices.CorrectionFact.DATASETS:
            links_removed = bool(
                ModelDataset.objects.filter(model=model, origin=choices.LinkOrigin.CORRECTION).delete()[0]
            )
        elif fact == choices.CorrectionFact.CODE_REPOSITORIES:
            links_removed = bool(
                ModelCodeRepository.objects.filter(
                    model=model, origin=choices.LinkOrigin.CORRECTION
                ).delete()[0]
            )
        elif fact == choices.CorrectionFact.BASE_MODELS:
            links_removed = bool(
                LineageEdge.objects.filter(child=model, origin=choices.LinkOrigin.CORRECTION).delete()[0]
            )
        correction.status = choices.CorrectionStatus.REVERTED
        correction.save(update_fields=["status"])
        _event(correction, CorrectionEvent.Action.REVERTED, reviewer, review_note)
        _after_commit(correction.model_id, [], [], recrawl=links_removed)
    return correction


# --- public problem reports -------------------------------------------------------------------
REPORT_DESCRIPTION_MAX = 2000


def report_file(
    *,
    model: AIModel,
    topic: str,
    description: str,
    evidence_url: str = "",
    contact_email: str = "",
    client_hash: str = "",
    proposed_level: str = "",
) -> ProblemReport:
    """File a public report in the reviewers' queue (never published, never applied by itself)."""
    description = (description or "").strip()
    if not description:
        raise ValidationError("say what is wrong")
    if len(description) > REPORT_DESCRIPTION_MAX:
        raise ValidationError(f"keep the description under {REPORT_DESCRIPTION_MAX} characters")
    if proposed_level and proposed_level not in LEVELS:
        raise ValidationError(f"the proposed level must be one of {', '.join(LEVELS)}")
    report = ProblemReport(
        model=model,
        topic=topic[:32],
        proposed_level=proposed_level,
        description=description,
        evidence_url=evidence_url_clean(evidence_url, required=False),
        contact_email=(contact_email or "").strip(),
        client_hash=client_hash[:64],
    )
    report.full_clean()
    report.save()
    return report


def report_dismiss(*, report: ProblemReport, reviewer, note: str) -> ProblemReport:
    if not (note or "").strip():
        raise ValidationError("say why the report is dismissed")
    with transaction.atomic():
        report = ProblemReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ProblemReport.Status.OPEN:
            raise ValidationError(f"only open reports can be dismissed (this one is {report.status})")
        report.status = ProblemReport.Status.DISMISSED
        report.triaged_by, report.triaged_at, report.triage_note = reviewer, timezone.now(), note[:NOTE_MAX]
        report.save()
    return report


def report_convert(*, report: ProblemReport, correction: Correction, reviewer) -> ProblemReport:
    """Mark a report as turned into ``correction`` (called by correction_submit)."""
    report = ProblemReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ProblemReport.Status.OPEN:
        raise ValidationError(f"this report is already {report.get_status_display()}")
    if report.model_id != correction.model_id:
        raise ValidationError("the report is about another model")
    report.status = ProblemReport.Status.CONVERTED
    report.correction = correction
    report.triaged_by, report.triaged_at = reviewer, timezone.now()
    report.triage_note = f"turned into correction {correction.pk}"
    report.save()
    return report


def _after_commit(
    model_id: int, dataset_ids: list[int], repo_ids: list[int], *, recrawl: bool = False
) -> None:
    from catalog.tasks import crawl_dataset, crawl_model, crawl_repo
    from scoring.tasks import score_models

    def enqueue() -> None:
        if recrawl:  # links the correction replaced come back from the source as crawled ones
            _publish(crawl_model, model_id, force=True)
        for pk in dataset_ids:
            _publish(crawl_dataset, pk)
        for pk in repo_ids:
            _publish(crawl_repo, pk)
        _publish(score_models, [model_id], cause="correction")

    transaction.on_commit(enqueue)


def _publish(task, *args, **kwargs) -> None:
    """Publish after the commit; a broker that is down does not fail the reviewer's request
    (the correction is already durable): the sweeper rescores a model whose score misses an
    approved correction, and the stale-row jobs crawl datasets and repositories never crawled."""
    try:
        task.delay(*args, **kwargs)
    except KombuOperationalError as exc:
        log.warning("broker unavailable, %s%r left to the sweeper: %s", task.name, args, exc)


# --- the sweeper ------------------------------------------------------------------------------
def _in_effect(correction: Correction, detail) -> bool:
    """Does this score rest on the correction? Judgments and link facts cite it as evidence
    ("correction:<id>"); a base-model correction shows as the score's bases."""
    if correction.fact == choices.CorrectionFact.BASE_MODELS:
        bases = sorted((b.get("id"), b.get("relation")) for b in detail.sources.get("bases", []))
        return bases == sorted((b["id"], b["relation"]) for b in correction.value.get("base_models", []))
    return f'"correction:{correction.pk}"' in json.dumps([detail.judgments, detail.sources])


@dataclass
class SweepReport:
    reapplied: list[int]  # corrections whose corrected rows were missing, written again
    rescored: list[int]  # models whose current score did not rest on their approved corrections


def corrections_sweep() -> SweepReport:
    """Make every approved correction be in effect (idempotent; beat runs it periodically).

    Approval writes the corrected rows in its own transaction, but the rescore runs after
    commit in a worker, which can be lost (a killed worker, a broker restart); and a restore
    or a hand edit can lose corrected rows. Rows missing: applied again (an event says so).
    A current score that does not cite an approved correction: rescored.
    """
    from scoring.models import Score
    from scoring.selectors import current_methodology

    approved = list(
        Correction.objects.filter(status=choices.CorrectionStatus.APPROVED).select_related("model")
    )
    if not approved:
        return SweepReport([], [])
    present = set(
        Evidence.objects.filter(
            subject_type=choices.SubjectType.MODEL,
            origin=choices.EvidenceOrigin.CORRECTED,
            correction_id__in=[c.pk for c in approved],
        ).values_list("correction_id", flat=True)
    )
    reapplied = []
    for correction in approved:
        if correction.pk in present:
            continue
        with transaction.atomic():
            locked = _locked(correction)
            if locked.status != choices.CorrectionStatus.APPROVED:
                continue
            dataset_ids, repo_ids = _apply(locked)
            _event(locked, CorrectionEvent.Action.REAPPLIED)
            _after_commit(locked.model_id, dataset_ids, repo_ids)
        reapplied.append(correction.pk)
    wanted: dict[int, set[int]] = {}
    for correction in approved:
        if correction.pk not in reapplied:
            wanted.setdefault(correction.model_id, set()).add(correction.pk)
    scores = Score.objects.filter(
        methodology=current_methodology(), model_id__in=list(wanted)
    ).select_related("detail")
    details = {s.model_id: s.detail for s in scores}
    by_pk = {c.pk: c for c in approved}
    rescored = sorted(
        model_id
        for model_id, ids in wanted.items()
        if model_id not in details or not all(_in_effect(by_pk[pk], details[model_id]) for pk in ids)
    )
    if rescored:
        from scoring.tasks import score_models

        score_models.delay(rescored, cause="correction")
    return SweepReport(reapplied, rescored)
