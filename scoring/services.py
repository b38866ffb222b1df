"""Writes of the scoring app: rescoring, methodology versions, the license table.

Rescoring walks the lineage graph bases-first (a base's score decides part of its
derivatives'), in chunks, keeping only a small summary per scored model in memory. A score
whose outputs did not change is not written; one whose levels or total changed also gets
a history row saying what caused it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import multiprocessing
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.utils import timezone
from tqdm import tqdm

from catalog.models import AIModel, Evidence, LineageEdge
from catalog.sources.github.docs import DOCS_VERSION as REPO_DOCS_VERSION
from catalog.sources.github.taxonomy import RULES_VERSION as CODE_RULES_VERSION
from catalog.sources.links import CARD_RULES_VERSION
from lib import bulk
from scoring import dimensions
from scoring import facts as facts_builder
from scoring.labels import mof_label, osaid_verdict
from scoring.levels import UNKNOWN
from scoring.licenses import knowledge_base
from scoring.lineage import bases_first
from scoring.models import License, MethodologyVersion, Score, ScoreChange, ScoreDetail
from scoring.rubric import (
    DIMENSIONS,
    BaseSummary,
    Methodology,
    fingerprint,
    score_model,
    summarize,
)
from scoring.search import search_name, search_text
from scoring.selectors import data_version_bump

log = logging.getLogger(__name__)
CHUNK = 1000
PARALLEL_MIN_MODELS = 5000


# --- methodology ------------------------------------------------------------------------------
def methodology_current() -> MethodologyVersion:
    """The methodology in force (v1 is published by a data migration; reads never write)."""
    current = MethodologyVersion.objects.filter(is_current=True).first()
    if current is None:
        raise ImproperlyConfigured("no current methodology: run `manage.py migrate` (it publishes v1)")
    return current


def rules_stamp(methodology: MethodologyVersion) -> dict[str, str]:
    """The rules a score was made with: the methodology (rubric), the code-detection rules, the
    card-reading rules and the rules that read linked repositories' README and data documents."""
    return {
        "methodology": methodology.version,
        "code_detection": CODE_RULES_VERSION,
        "card_reading": CARD_RULES_VERSION,
        "repository_docs": REPO_DOCS_VERSION,
    }


def as_methodology(version: MethodologyVersion) -> Methodology:
    return Methodology(version.version, {d: float(version.weights.get(d, 1.0)) for d in DIMENSIONS})


@transaction.atomic
def methodology_publish(
    *, version: str, name: str, weights: dict[str, float], changelog: str, published_on: dt.date | None = None
) -> MethodologyVersion:
    """Make a new version current. Old score rows stay; call ``rescore`` to fill the new one."""
    if set(weights) != set(DIMENSIONS) or any(w < 0 for w in weights.values()) or not sum(weights.values()):
        raise ValueError(f"weights need a non-negative number for each of {', '.join(DIMENSIONS)}")
    MethodologyVersion.objects.filter(is_current=True).update(is_current=False)
    return MethodologyVersion.objects.create(
        version=version,
        name=name,
        weights=weights,
        changelog=changelog,
        published_on=published_on or timezone.now().date(),
        is_current=True,
    )


# --- license table ----------------------------------------------------------------------------
def license_table_sync() -> int:
    """Mirror the knowledge-base file into the License table (idempotent; removes stale keys)."""
    kb = knowledge_base()
    rows = [
        License(
            key=e.key,
            spdx_id=e.spdx_id or "",
            name=e.name[:200],
            hub_tag=e.hub_tag or "",
            kind=e.kind or "",
            grade=e.grade,
            grade_reason=e.grade_reason[:300],
            attributes=e.attributes,
            restrictions=e.restrictions(),
            aliases=list(e.aliases),
            link_patterns=list(e.link_patterns),
            text_url=e.text_url or "",
            notes=e.notes,
            kb_digest=kb.digest,
        )
        for e in kb.entries.values()
    ]
    if License.objects.filter(kb_digest=kb.digest).count() == len(rows):
        return 0
    with transaction.atomic():
        License.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=[
                "spdx_id",
                "name",
                "hub_tag",
                "kind",
                "grade",
                "grade_reason",
                "attributes",
                "restrictions",
                "aliases",
                "link_patterns",
                "text_url",
                "notes",
                "kb_digest",
            ],
        )
        License.objects.exclude(key__in=[r.key for r in rows]).delete()
    return len(rows)


# --- rescoring ----------------------------------------------------------------------------------
@dataclass
class RescoreReport:
    scored: int = 0
    written: int = 0
    changed: int = 0
    cycles: int = 0


def _descendants(ids: Iterable[int]) -> set[int]:
    found = set(ids)
    frontier = list(found)
    while frontier:
        children = set(
            LineageEdge.objects.filter(parent_id__in=frontier[:5000]).values_list("child_id", flat=True)
        )
        frontier = frontier[5000:] + [c for c in children if c not in found]
        found |= children
    return found


def _graph(ids: set[int] | None) -> dict[int, list[int]]:
    """child -> parents for the models being scored (all models when ``ids`` is None)."""
    edges = LineageEdge.objects.all() if ids is None else LineageEdge.objects.filter(child_id__in=ids)
    parents: dict[int, list[int]] = defaultdict(list)
    for child, parent in edges.values_list("child_id", "parent_id").iterator(chunk_size=10000):
        parents[child].append(parent)
    return parents


def _stored_summaries(ids: Iterable[int], methodology: MethodologyVersion) -> dict[int, BaseSummary]:
    out = {}
    query = Score.objects.filter(methodology=methodology, model_id__in=list(ids)).values(
        "model_id",
        "repo_id",
        "weights",
        "training_data",
        "training_code",
        "license",
        "license_label",
        "license_key",
        "is_listed",
    )
    for row in query:
        out[row["model_id"]] = BaseSummary(
            row["model_id"],
            row["repo_id"],
            row["weights"],
            row["training_data"],
            row["training_code"],
            row["license"],
            row["license_label"],
            row["license_key"] or None,
            "" if row["is_listed"] else "the base is not on the Hub or is private",
        )
    return out


def _summary_of_missing(model_id: int) -> BaseSummary:
    return BaseSummary(
        model_id,
        f"#{model_id}",
        UNKNOWN,
        UNKNOWN,
        UNKNOWN,
        UNKNOWN,
        "unknown",
        None,
        "the base model is not in the catalog",
    )


def rescore(
    *,
    model_ids: Iterable[int] | None = None,
    cause: str = "crawl",
    progress: bool = False,
    methodology: MethodologyVersion | None = None,
) -> RescoreReport:
    """Score these models (and everything derived from them), or every model when ``model_ids`` is None.

    A derivative rescored only because one of its bases was asked for records its change
    with the cause ``lineage`` (a base model changed), not the base's own cause.
    """
    methodology = methodology or methodology_current()
    requested = None if model_ids is None else set(model_ids)
    license_table_sync()
    rules = as_methodology(methodology)
    if model_ids is None:
        # a full pass looks evidence up chunk by chunk: with statistics older than the last
        # crawl the planner scans the whole evidence table for every chunk (issue 16)
        bulk.analyze([Evidence, AIModel, LineageEdge, Score])
        targets = list(AIModel.objects.order_by("id").values_list("id", flat=True))
        parents = _graph(None)
    else:
        targets = sorted(_descendants(requested))
        parents = _graph(set(targets))
    levels, cyclic = bases_first(targets, parents)
    target_set = set(targets)
    outside = {p for t in targets for p in parents.get(t, ()) if p not in target_set}
    summaries: dict[int, BaseSummary] = _stored_summaries(outside, methodology) if outside else {}
    report = RescoreReport(cycles=len(cyclic))
    bar = tqdm(total=len(targets), desc="rescore", unit="model", disable=not progress, dynamic_ncols=True)
    order = [*levels, *([sorted(cyclic)] if cyclic else [])]
    workers = _parallel_workers(len(targets))
    if workers > 1:
        _rescore_in_processes(
            order, workers, parents, methodology, summaries, cyclic, cause, report, requested, bar
        )
    else:
        for level in order:
            for start in range(0, len(level), CHUNK):
                chunk = level[start : start + CHUNK]
                _score_chunk(chunk, methodology, rules, summaries, cyclic, cause, report, requested)
                bar.update(len(chunk))
    bar.close()
    if report.written:
        transaction.on_commit(data_version_bump)
    return report


def _parallel_workers(count: int) -> int:
    """Processes for a large rescore: PostgreSQL only, and never inside a daemonic process (a
    Celery prefork child may not fork children of its own)."""
    if connection.vendor != "postgresql" or count < PARALLEL_MIN_MODELS or settings.RESCORE_PROCESSES < 2:
        return 1
    if multiprocessing.current_process().daemon:
        return 1
    return settings.RESCORE_PROCESSES


def _chunk_job(
    chunk: list[int],
    methodology_pk: int,
    base_summaries: dict[int, BaseSummary],
    cyclic: set[int],
    cause: str,
    requested: set[int] | None,
) -> tuple[dict[int, BaseSummary], RescoreReport]:
    """Score one chunk in a worker process; returns its models' summaries for their derivatives."""
    methodology = MethodologyVersion.objects.get(pk=methodology_pk)
    summaries = dict(base_summaries)
    report = RescoreReport()
    _score_chunk(chunk, methodology, as_methodology(methodology), summaries, cyclic, cause, report, requested)
    return {mid: summaries[mid] for mid in chunk if mid in summaries}, report


def _rescore_in_processes(
    order, workers, parents, methodology, summaries, cyclic, cause, report, requested, bar
):
    """Levels one after another (bases before derivatives); the chunks of a level in parallel."""
    connections.close_all()  # each forked process opens its own connection
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for level in order:
            futures = []
            for start in range(0, len(level), CHUNK):
                chunk = level[start : start + CHUNK]
                needed = {p: summaries[p] for m in chunk for p in parents.get(m, ()) if p in summaries}
                futures.append(
                    pool.submit(
                        _chunk_job,
                        chunk,
                        methodology.pk,
                        needed,
                        {m for m in chunk if m in cyclic},
                        cause,
                        requested,
                    )
                )
            for future in futures:
                chunk_summaries, chunk_report = future.result()
                summaries.update(chunk_summaries)
                report.scored += chunk_report.scored
                report.written += chunk_report.written
                report.changed += chunk_report.changed
                bar.update(len(chunk_summaries))


def _lineage_problem(model_id: int, cyclic: set[int]) -> str:
    return "its lineage forms a cycle (a model is its own ancestor)" if model_id in cyclic else ""


def _score_chunk(
    chunk: list[int],
    methodology: MethodologyVersion,
    rules: Methodology,
    summaries: dict[int, BaseSummary],
    cyclic: set[int],
    cause: str,
    report: RescoreReport,
    requested: set[int] | None = None,
) -> None:
    model_facts, rows, base_ids = facts_builder.build_facts(chunk)
    existing = {
        row["model_id"]: row
        for row in Score.objects.filter(methodology=methodology, model_id__in=chunk).values(
            "id", "model_id", "outputs_hash", "weights", "training_data", "training_code", "license", "total"
        )
    }
    now = timezone.now()
    notable_downloads, notable_likes = settings.NOTABLE_MIN_DOWNLOADS, settings.NOTABLE_MIN_LIKES
    to_write: list[dict] = []
    details: dict[int, dict] = {}
    changes: list[dict] = []
    for model_id in chunk:
        facts = model_facts.get(model_id)
        if facts is None:  # deleted meanwhile
            continue
        bases = [summaries.get(b) or _summary_of_missing(b) for b in base_ids.get(model_id, [])]
        result = score_model(
            facts, bases, methodology=rules, lineage_problem=_lineage_problem(model_id, cyclic)
        )
        summaries[model_id] = summarize(facts, result)
        mof = mof_label(facts, result)
        osaid = osaid_verdict(result)
        row = rows[model_id]
        judgments = {d: j.as_dict() for d, j in result.judgments.items()}
        levels = {d: result.judgments[d].level for d in DIMENSIONS}
        detail = {
            "judgments": judgments,
            "license_conflict": result.license_conflict,
            "mof_progress": {str(k): v for k, v in mof.floor.progress.items()},
            "mof_missing": list(mof.floor.missing_for_next),
            "mof_ceiling": mof.ceiling,
            "mof_unread": list(mof.unread),
            "osaid_failing": list(osaid.failing),
            "sources": {**_sources(facts, bases), "rules": rules_stamp(methodology)},
        }
        fields = {
            **{d.column: levels[d.key] for d in dimensions.ALL},
            "total": result.total,
            "unknown_count": result.unknown_count,
            "license_key": result.license_key or "",
            "license_label": result.license_label[:300],
            "has_license_conflict": bool(result.license_conflict),
            "mof_class": mof.mof_class,
            "osaid_ready": osaid.ready,
            "repo_id": row.repo_id,
            "organization_name": row.organization_name[:96],
            "pipeline_tag": row.pipeline_tag,
            "modality": row.modality,
            "downloads": row.downloads,
            "likes": row.likes,
            "parameters": row.parameters,
            "released_at": row.released_at,
            "last_crawled_at": row.last_crawled_at,
            "is_listed": row.is_listed,
            "is_derivative": result.is_derivative,
            "is_notable": row.is_listed
            and (row.downloads >= notable_downloads or row.likes >= notable_likes),
            "search_text": search_text(row.repo_id, row.organization_name, result.license_label),
            "search_name": search_name(row.repo_id),
        }
        # JSON columns are serialised once here; the text and integer columns stay as they are:
        # encoding license_conflict too stored '""' and showed every model a conflict (issue 15)
        detail = {
            k: v if k in PLAIN_DETAIL_FIELDS else bulk.Json(json.dumps(v, separators=(",", ":"), default=str))
            for k, v in detail.items()
        }
        outputs_hash = fingerprint(fields, detail)
        report.scored += 1
        stored = existing.get(model_id)
        if stored and stored["outputs_hash"] == outputs_hash:
            continue
        to_write.append(
            {
                "model_id": model_id,
                "methodology_id": methodology.pk,
                "outputs_hash": outputs_hash,
                "computed_at": now,
                **fields,
            }
        )
        details[model_id] = detail
        new_summary = {**levels, "total": result.total}
        old_summary = ({d: stored[d] for d in DIMENSIONS} | {"total": stored["total"]}) if stored else None
        if old_summary != new_summary:
            why = cause if requested is None or model_id in requested else "lineage"
            changes.append(
                {
                    "model_id": model_id,
                    "methodology_id": methodology.pk,
                    "changed_at": now,
                    "cause": why,
                    "old": old_summary,
                    "new": new_summary,
                }
            )
    if not to_write:
        return
    with transaction.atomic():
        bulk.upsert(Score, to_write, conflict=["model", "methodology"], update=_SCORE_FIELDS)
        score_ids = dict(
            Score.objects.filter(methodology=methodology, model_id__in=list(details)).values_list(
                "model_id", "id"
            )
        )
        bulk.upsert(
            ScoreDetail,
            [{"score_id": score_ids[mid], **detail} for mid, detail in details.items()],
            conflict=["score"],
            update=list(DETAIL_FIELDS),
        )
        bulk.upsert(ScoreChange, changes, conflict=["id"])
    report.written += len(to_write)
    report.changed += len(changes)


def _sources(facts, bases: list[BaseSummary]) -> dict:
    """The catalog entries a score rests on, kept with it so readers need no further queries."""
    return {
        "bases": [{"id": b.repo_id, "relation": facts.relation or "unknown"} for b in bases],
        "datasets": [{"id": d.name, "status": d.status, "license": d.license_label} for d in facts.datasets],
        "repositories": [
            {
                "full_name": r.full_name,
                "status": r.status,
                "classification": r.classification,
                "license": r.license_spdx,
            }
            for r in facts.repos
        ],
        "papers": [f"arXiv:{p}" for p in facts.papers],
    }


PLAIN_DETAIL_FIELDS = {"license_conflict", "mof_ceiling"}
DETAIL_FIELDS = (
    "judgments",
    "license_conflict",
    "mof_progress",
    "mof_missing",
    "mof_ceiling",
    "mof_unread",
    "osaid_failing",
    "sources",
)
_SCORE_FIELDS = [
    *(d.column for d in dimensions.ALL),
    "total",
    "unknown_count",
    "license_key",
    "license_label",
    "has_license_conflict",
    "mof_class",
    "osaid_ready",
    "outputs_hash",
    "computed_at",
    "repo_id",
    "organization_name",
    "pipeline_tag",
    "modality",
    "downloads",
    "likes",
    "parameters",
    "released_at",
    "last_crawled_at",
    "is_listed",
    "is_derivative",
    "is_notable",
    "search_text",
    "search_name",
]


def rescore_all(*, progress: bool = False, reason: str = "manual") -> RescoreReport:
    return rescore(
        model_ids=None, cause=reason if reason in dict(ScoreChange.CAUSES) else "manual", progress=progress
    )


def rescore_models(*, model_ids: list[int], cause: str) -> RescoreReport:
    return rescore(model_ids=model_ids, cause=cause)
