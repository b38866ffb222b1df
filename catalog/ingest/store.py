"""Writes from the Hub crawler: idempotent upserts keyed on the repository id.

A listing page is ingested in one transaction together with the run's cursor, so a worker
killed mid-page leaves the cursor on that page and the page is simply ingested again.
Models whose ``sha`` is unchanged cost no write beyond the popularity and access columns
the listing reports differently (they change without a commit); private repositories a token
can list are never stored as listed models. Every fact is also stored as crawled evidence
(value, source URL, revision, fetched_at); corrected evidence and links that came from
approved corrections are never touched here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from catalog import choices
from catalog.ingest.failures import crawl_failure_record
from catalog.ingest.lineage_text import base_name_resolution
from catalog.models import (
    AIModel,
    CodeRepository,
    CrawlRun,
    Dataset,
    Evidence,
    LineageEdge,
    ModelAlias,
    ModelCodeRepository,
    ModelDataset,
    ModelPaper,
    Organization,
    Paper,
)
from catalog.sources.github.taxonomy import CODE_SUFFIXES
from catalog.sources.huggingface.client import BaseModelRef, DatasetRecord, ListPage, ModelRecord, Readme
from catalog.sources.links import (
    CARD_RULES_VERSION,
    CORPUS_ALIASES,
    ExtractedLinks,
    normalize_arxiv_id,
    strip_front_matter,
)
from lib import bulk
from lib.card_html import render_card

HF = choices.Source.HUGGINGFACE
CRAWLED = choices.EvidenceOrigin.CRAWLED
MODEL = choices.SubjectType.MODEL
CORRECTED = choices.EvidenceOrigin.CORRECTED
DATASET = choices.SubjectType.DATASET
CORRECTION = choices.LinkOrigin.CORRECTION
REPO_DOC = choices.LinkOrigin.REPO_DOC
# links a listing pass cannot see (they come from the README and the linked repositories' docs)
KEEP_README = (choices.LinkOrigin.README, REPO_DOC)

MODALITY_BY_PIPELINE = {
    **dict.fromkeys(
        [
            "text-generation",
            "text2text-generation",
            "fill-mask",
            "text-classification",
            "token-classification",
            "question-answering",
            "summarization",
            "translation",
            "feature-extraction",
            "sentence-similarity",
            "zero-shot-classification",
            "table-question-answering",
            "text-ranking",
        ],
        choices.Modality.TEXT,
    ),
    **dict.fromkeys(
        [
            "text-to-image",
            "image-to-image",
            "image-classification",
            "object-detection",
            "image-segmentation",
            "unconditional-image-generation",
            "depth-estimation",
            "image-feature-extraction",
            "mask-generation",
            "zero-shot-image-classification",
            "zero-shot-object-detection",
            "image-to-3d",
            "text-to-3d",
        ],
        choices.Modality.IMAGE,
    ),
    **dict.fromkeys(
        [
            "automatic-speech-recognition",
            "text-to-speech",
            "text-to-audio",
            "audio-classification",
            "audio-to-audio",
            "voice-activity-detection",
        ],
        choices.Modality.AUDIO,
    ),
    **dict.fromkeys(["text-to-video", "video-classification", "image-to-video"], choices.Modality.VIDEO),
    **dict.fromkeys(
        [
            "image-text-to-text",
            "visual-question-answering",
            "document-question-answering",
            "image-to-text",
            "any-to-any",
            "video-text-to-text",
            "audio-text-to-text",
            "visual-document-retrieval",
        ],
        choices.Modality.MULTIMODAL,
    ),
}
LISTING_FIELDS = [
    "organization_id",
    "name",
    "is_placeholder",
    "private",
    "disabled",
    "gated",
    "missing_since",
    "retired_at",
    "retired_reason",
    "sha",
    "hub_created_at",
    "last_modified",
    "downloads",
    "likes",
    "trending_score",
    "pipeline_tag",
    "library_name",
    "modality",
    "tags",
    "card_data",
    "license_declared",
    "license_name",
    "license_link",
    "weight_formats",
    "parameters",
    "listed_at",
    "updated_at",
    "crawl_error",
    "crawl_error_at",
]


def modality_for(pipeline_tag: str, tags: Iterable[str]) -> str:
    modality = MODALITY_BY_PIPELINE.get(
        pipeline_tag, choices.Modality.OTHER if pipeline_tag else choices.Modality.UNKNOWN
    )
    if modality == choices.Modality.TEXT and "code" in tags:
        return choices.Modality.CODE
    return modality


def is_popular(record: ModelRecord) -> bool:
    """Worth a detail crawl: used (downloads) or followed (likes) enough."""
    return (
        record.downloads >= settings.CRAWL_POPULARITY_THRESHOLD
        or record.likes >= settings.CRAWL_LIKES_THRESHOLD
    )


def public_url(*parts: str) -> str:
    return "/".join([settings.HF_PUBLIC_URL.rstrip("/"), *parts])


def card_url(repo_id: str, sha: str) -> str:
    return public_url(repo_id, "blob", sha, "README.md") if sha else public_url(repo_id)


def own_code_files(siblings: list[str] | None) -> list[str]:
    """The code files among a model repository's files (their names only, at most 50)."""
    return [name for name in siblings or [] if name.lower().endswith(CODE_SUFFIXES)][:50]


def tree_url(repo_id: str, sha: str) -> str:
    return public_url(repo_id, "tree", sha) if sha else public_url(repo_id)


# --- small bulk helpers ---------------------------------------------------------------------
def _ids_by_key(
    model_cls, key_field: str, keys: Iterable[str], extra_filter: dict | None = None
) -> dict[str, int]:
    keys = list(dict.fromkeys(keys))
    found: dict[str, int] = {}
    for start in range(0, len(keys), 900):  # stay under SQLite's variable limit
        chunk = keys[start : start + 900]
        query = model_cls.objects.filter(**{f"{key_field}__in": chunk}, **(extra_filter or {}))
        found.update(query.values_list(key_field, "id"))
    return found


def _ensure(model_cls, key_field: str, keys: Iterable[str], build) -> dict[str, int]:
    """Ids for ``keys``, creating missing rows (``build(key)`` gives the row as a dict).

    Safe against concurrent creators: inserts that collide do nothing, then the ids are read.
    """
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    extra = {"source": HF} if model_cls is AIModel else {}
    found = _ids_by_key(model_cls, key_field, keys, extra)
    missing = [k for k in keys if k not in found]
    if missing:
        conflict = (
            ["source", "repo_id"]
            if model_cls in (AIModel, Dataset)
            else (["host", "full_name"] if model_cls is CodeRepository else [key_field])
        )
        bulk.upsert(model_cls, [build(k) for k in missing], conflict=conflict)
        found.update(_ids_by_key(model_cls, key_field, missing, extra))
    return found


class OrganizationCache:
    """Organization name -> id, kept across the pages of one run."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def ids_for(self, names: Iterable[str]) -> dict[str, int]:
        wanted = [n for n in dict.fromkeys(names) if n and n not in self.ids]
        if wanted:
            self.ids.update(_ensure(Organization, "name", wanted, lambda n: {"name": n}))
        return self.ids


def _placeholder(repo_id: str) -> dict[str, Any]:
    return {"source": HF, "repo_id": repo_id, "name": repo_id.rsplit("/", 1)[-1], "is_placeholder": True}


def _evidence(
    subject_type: str,
    subject_id: int,
    fact: str,
    value: Any,
    source_url: str,
    revision: str,
    fetched_at: datetime,
) -> dict[str, Any]:
    return {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "fact": fact,
        "origin": CRAWLED,
        "value": value,
        "source_url": source_url[:500],
        "revision": revision[:100],
        "fetched_at": fetched_at,
        "correction_id": None,
    }


def evidence_upsert(rows: list[dict[str, Any]]) -> None:
    """Crawled evidence rows, replacing the previous crawl's; corrected rows are a different key."""
    bulk.upsert(
        Evidence,
        rows,
        conflict=["subject_type", "subject_id", "fact", "origin"],
        update=["value", "source_url", "revision", "fetched_at"],
    )


def listing_evidence(model_id: int, record: ModelRecord, fetched_at: datetime) -> list[dict[str, Any]]:
    card = card_url(record.repo_id, record.sha)
    rows = [
        _evidence(
            MODEL,
            model_id,
            choices.Fact.LICENSE,
            {
                "declared": record.license_declared,
                "license_name": record.license_name,
                "license_link": record.license_link,
            },
            card,
            record.sha,
            fetched_at,
        ),
        _evidence(
            MODEL,
            model_id,
            choices.Fact.ACCESS,
            {"private": record.private, "gated": record.gated, "disabled": record.disabled},
            public_url(record.repo_id),
            record.sha,
            fetched_at,
        ),
        _evidence(
            MODEL,
            model_id,
            choices.Fact.WEIGHT_FORMATS,
            {"formats": record.weight_formats, "library": record.library_name},
            tree_url(record.repo_id, record.sha),
            record.sha,
            fetched_at,
        ),
        _evidence(
            MODEL,
            model_id,
            choices.Fact.DATASETS,
            {"names": record.datasets, "origin": "card"},
            card,
            record.sha,
            fetched_at,
        ),
        _evidence(
            MODEL,
            model_id,
            choices.Fact.BASE_MODELS,
            {"models": [{"id": b.repo_id, "relation": b.relation} for b in record.base_models]},
            card,
            record.sha,
            fetched_at,
        ),
        _evidence(
            MODEL, model_id, choices.Fact.PAPERS, {"arxiv": record.arxiv_ids}, card, record.sha, fetched_at
        ),
    ]
    if record.parameters is not None:
        rows.append(
            _evidence(
                MODEL,
                model_id,
                choices.Fact.PARAMETERS,
                {"total": record.parameters},
                tree_url(record.repo_id, record.sha),
                record.sha,
                fetched_at,
            )
        )
    return rows


def _model_row(record: ModelRecord, org_id: int | None, now: datetime) -> dict[str, Any]:
    return {
        "source": HF,
        "repo_id": record.repo_id,
        "organization_id": org_id,
        "name": record.repo_id.rsplit("/", 1)[-1],
        "is_placeholder": False,
        "private": record.private,
        "disabled": record.disabled,
        "gated": record.gated,
        "missing_since": None,
        "retired_at": None,  # listed again: back in the index
        "retired_reason": "",
        "sha": record.sha,
        "hub_created_at": record.created_at,
        "last_modified": record.last_modified,
        "downloads": record.downloads,
        "likes": record.likes,
        "trending_score": record.trending_score,
        "pipeline_tag": record.pipeline_tag[:64],
        "library_name": record.library_name[:64],
        "modality": modality_for(record.pipeline_tag, record.tags),
        "tags": record.tags[:200],
        "card_data": record.card_data,
        "license_declared": record.license_declared,
        "license_name": record.license_name,
        "license_link": record.license_link,
        "weight_formats": record.weight_formats,
        "parameters": record.parameters,
        "listed_at": now,
        "updated_at": now,
        "crawl_error": "; ".join(record.problems)[:2000],
        "crawl_error_at": now if record.problems else None,
    }


# --- links shared by listing and detail -------------------------------------------------------
def _replace_links(
    through,
    owner_ids: list[int],
    target_field: str,
    wanted: dict[int, list[tuple[int, str]]],
    *,
    keep_origins: Iterable[str] = (),
) -> None:
    """Make crawled links of ``owner_ids`` exactly ``wanted``; correction links are kept."""
    protected = {CORRECTION, *keep_origins}
    through.objects.filter(model_id__in=owner_ids).exclude(origin__in=protected).delete()
    rows = [
        {"model_id": owner, f"{target_field}_id": target, "origin": origin}
        for owner, targets in wanted.items()
        for target, origin in targets
    ]
    bulk.upsert(through, rows, conflict=["model", target_field])


def lineage_replace(records: dict[int, ModelRecord]) -> None:
    """Crawled lineage edges for these models, creating placeholders for unseen bases."""
    parent_ids = _ensure(
        AIModel, "repo_id", [b.repo_id for r in records.values() for b in r.base_models], _placeholder
    )
    LineageEdge.objects.filter(child_id__in=list(records)).exclude(origin=CORRECTION).delete()
    edges = []
    for child_id, record in records.items():
        for base in record.base_models:
            parent_id = parent_ids.get(base.repo_id)
            if parent_id and parent_id != child_id:
                edges.append(
                    {
                        "child_id": child_id,
                        "parent_id": parent_id,
                        "relation": base.relation,
                        "origin": base.origin,
                    }
                )
    bulk.upsert(LineageEdge, edges, conflict=["child", "parent"])


def _dataset_row(name: str) -> dict[str, Any]:
    return {"source": "huggingface", "repo_id": name, "url": public_url("datasets", name)[:500]}


def datasets_link(named: dict[int, list[tuple[str, str]]], *, keep_origins: Iterable[str] = ()) -> list[int]:
    """Link models to their named datasets; returns ids of datasets never checked yet."""
    dataset_ids = _ensure(Dataset, "repo_id", [n for pairs in named.values() for n, _ in pairs], _dataset_row)
    wanted = {
        mid: [(dataset_ids[n], origin) for n, origin in pairs if n in dataset_ids]
        for mid, pairs in named.items()
    }
    _replace_links(ModelDataset, list(named), "dataset", wanted, keep_origins=keep_origins)
    fresh = Dataset.objects.filter(id__in=set(dataset_ids.values()), status=choices.DatasetStatus.UNVERIFIED)
    return list(fresh.values_list("id", flat=True))


def papers_link(named: dict[int, list[tuple[str, str]]], *, keep_origins: Iterable[str] = ()) -> None:
    paper_ids = _ensure(
        Paper, "arxiv_id", [a for pairs in named.values() for a, _ in pairs], lambda a: {"arxiv_id": a}
    )
    wanted = {
        mid: [(paper_ids[a], origin) for a, origin in pairs if a in paper_ids] for mid, pairs in named.items()
    }
    _replace_links(ModelPaper, list(named), "paper", wanted, keep_origins=keep_origins)


# --- listing ---------------------------------------------------------------------------------
# what a listing pass refreshes whatever the sha: counts and access change without a commit
REFRESH_FIELDS = ["downloads", "likes", "trending_score", "gated", "disabled", "private"]
ACCESS_FIELDS = {"gated", "disabled", "private"}


def _max_length(model_cls, name: str) -> int:
    return cast(int, model_cls._meta.get_field(name).max_length)  # a CharField's, never None


def _fitted(record: ModelRecord) -> ModelRecord:
    """The record with names too long for their column dropped, each named in its problems.

    One such value (say an ``arxiv:`` tag of 40 characters) would otherwise abort the page's
    transaction on PostgreSQL, and every retry would hit the same page.
    """
    limits = (
        ("arxiv_ids", "arXiv id", _max_length(Paper, "arxiv_id")),
        ("datasets", "dataset", _max_length(Dataset, "repo_id")),
    )
    dropped: dict[str, Any] = {}
    problems = list(record.problems)
    for attr, what, limit in limits:
        too_long = [v for v in getattr(record, attr) if len(v) > limit]
        if too_long:
            dropped[attr] = [v for v in getattr(record, attr) if len(v) <= limit]
            problems.extend(f"{what} longer than {limit} characters dropped: {v[:80]!r}" for v in too_long)
    limit = _max_length(AIModel, "repo_id")
    bases = [b for b in record.base_models if len(b.repo_id) <= limit]
    if len(bases) < len(record.base_models):
        dropped["base_models"] = bases
        problems.append(f"base model id longer than {limit} characters dropped")
    return replace(record, **dropped, problems=problems) if dropped else record


def _refreshed(record: ModelRecord, stored: dict[str, Any]) -> list[str]:
    """The popularity and access columns the listing reports differently from the stored row."""
    return [name for name in REFRESH_FIELDS if getattr(record, name) != stored[name]]


def _was_popular(stored: dict[str, Any]) -> bool:
    return (
        stored["downloads"] >= settings.CRAWL_POPULARITY_THRESHOLD
        or stored["likes"] >= settings.CRAWL_LIKES_THRESHOLD
    )


@dataclass
class PageOutcome:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    changed_ids: list[int] = field(default_factory=list)  # new or changed, for scoring
    detail_ids: list[int] = field(default_factory=list)  # popular enough for a detail crawl
    dataset_ids: list[int] = field(default_factory=list)  # named datasets never checked
    newest_modified: datetime | None = None


def listing_page_ingest(
    *,
    page: ListPage,
    run: CrawlRun,
    orgs: OrganizationCache,
    fetched_at: datetime | None = None,
    cursor_after: str | None = "",
) -> PageOutcome:
    """Ingest one listing page and move the run's cursor past it, atomically."""
    now = fetched_at or timezone.now()
    outcome = PageOutcome()
    records = {r.repo_id: _fitted(r) for r in page.models}  # a page listing a model twice keeps the last copy
    for record in records.values():
        if record.last_modified and (
            outcome.newest_modified is None or record.last_modified > outcome.newest_modified
        ):
            outcome.newest_modified = record.last_modified
    # a token lists the private repos it can read: never published; a stored one leaves the index
    hidden = [repo_id for repo_id, r in records.items() if r.private]
    for repo_id in hidden:
        del records[repo_id]
    with transaction.atomic():
        if hidden:
            # retired as private, as a complete anonymous pass would (it does not list them)
            now_private = list(
                AIModel.objects.filter(source=HF, repo_id__in=hidden)
                .filter(Q(private=False) | Q(retired_at__isnull=True))
                .values_list("id", flat=True)
            )
            if now_private:
                AIModel.objects.filter(pk__in=now_private).update(private=True, updated_at=now)
                AIModel.objects.filter(pk__in=now_private, retired_at__isnull=True).update(
                    retired_at=now, retired_reason=choices.Retirement.PRIVATE
                )
                outcome.changed_ids.extend(now_private)
        existing = {
            row["repo_id"]: row
            for row in AIModel.objects.filter(source=HF, repo_id__in=list(records)).values(
                "id", "repo_id", "sha", "is_placeholder", *REFRESH_FIELDS
            )
        }
        changed: list[ModelRecord] = []
        refreshed: dict[int, tuple[ModelRecord, list[str]]] = {}
        seen_unchanged: list[int] = []
        for repo_id, record in records.items():
            known = existing.get(repo_id)
            if known and not known["is_placeholder"] and known["sha"] and known["sha"] == record.sha:
                outcome.unchanged += 1
                seen_unchanged.append(known["id"])
                if fields := _refreshed(record, known):
                    refreshed[known["id"]] = (record, fields)
                    if is_popular(record) and not _was_popular(known):
                        outcome.detail_ids.append(known["id"])
            else:
                changed.append(record)
                if known and not known["is_placeholder"]:
                    outcome.updated += 1
                else:
                    outcome.new += 1
        if seen_unchanged:
            # listed_at says which rows this pass saw: a complete pass checks the others (vanished?)
            AIModel.objects.filter(pk__in=seen_unchanged).update(listed_at=now)
            retired = AIModel.objects.filter(pk__in=seen_unchanged, retired_at__isnull=False)
            back = list(retired.values_list("id", flat=True))
            if back:  # retired, now listed again: back in the index
                AIModel.objects.filter(pk__in=back).update(retired_at=None, retired_reason="")
                outcome.changed_ids.extend(back)
        if refreshed:
            AIModel.objects.bulk_update(
                [
                    AIModel(pk=mid, updated_at=now, **{name: getattr(r, name) for name in REFRESH_FIELDS})
                    for mid, (r, _) in refreshed.items()
                ],
                [*REFRESH_FIELDS, "updated_at"],
                batch_size=500,
            )
            evidence_upsert(
                [
                    row
                    for mid, (r, fields) in refreshed.items()
                    if ACCESS_FIELDS.intersection(fields)
                    for row in listing_evidence(mid, r, now)
                    if row["fact"] == choices.Fact.ACCESS
                ]
            )
            outcome.changed_ids.extend(refreshed)  # scores carry the counts and read the access
        if changed:
            if new_ids := [r.repo_id for r in changed if r.repo_id not in existing]:
                # a name listed as a model is that model, no longer an alias of a renamed one
                ModelAlias.objects.filter(source=HF, repo_id__in=new_ids).delete()
            org_ids = orgs.ids_for(r.author for r in changed)
            bulk.upsert(
                AIModel,
                [_model_row(r, org_ids.get(r.author), now) for r in changed],
                conflict=["source", "repo_id"],
                update=LISTING_FIELDS,
            )
            ids = _ids_by_key(AIModel, "repo_id", [r.repo_id for r in changed], {"source": HF})
            by_id = {ids[r.repo_id]: r for r in changed}
            lineage_replace(by_id)
            # README links come from detail crawls; a listing update leaves them to the next one
            outcome.dataset_ids = datasets_link(
                {
                    mid: [(n, choices.LinkOrigin.CARD_METADATA) for n in r.datasets]
                    for mid, r in by_id.items()
                },
                keep_origins=KEEP_README,
            )
            papers_link(
                {mid: [(a, choices.LinkOrigin.TAG) for a in r.arxiv_ids] for mid, r in by_id.items()},
                keep_origins=KEEP_README,
            )
            evidence_upsert([row for mid, r in by_id.items() for row in listing_evidence(mid, r, now)])
            outcome.changed_ids.extend(by_id)
            outcome.detail_ids.extend(mid for mid, r in by_id.items() if is_popular(r))
            for record in changed:
                if record.problems:
                    crawl_failure_record(
                        subject_type=MODEL,
                        subject_key=record.repo_id,
                        stage=choices.CrawlStage.LIST,
                        error_code="malformed_metadata",
                        message="; ".join(record.problems),
                        run=run,
                    )
        for key, reason in page.rejected:
            outcome.failed += 1
            crawl_failure_record(
                subject_type=MODEL,
                subject_key=key,
                stage=choices.CrawlStage.LIST,
                error_code="malformed_item",
                message=reason,
                run=run,
            )
        crawl_run_advance(
            run=run, outcome=outcome, next_url=page.next_url if cursor_after == "" else cursor_after
        )
    return outcome


class RunTakenOver(Exception):
    """Another worker now owns this run (ours was presumed dead); stop quietly."""


RUN_PROGRESS_FIELDS = [
    "pages",
    "seen_count",
    "new_count",
    "updated_count",
    "unchanged_count",
    "failed_count",
    "cursor_url",
    "high_water_mark",
    "heartbeat_at",
]


def crawl_run_advance(*, run: CrawlRun, outcome: PageOutcome, next_url: str | None) -> None:
    """Count the page and move the cursor, in the page's transaction, only while this worker
    still owns the run (its heartbeat is the token): a worker presumed dead whose run was
    taken over raises ``RunTakenOver`` here and its page rolls back, so no page is ingested
    and counted by two workers."""
    token = run.heartbeat_at
    run.pages += 1
    run.seen_count += outcome.new + outcome.updated + outcome.unchanged + outcome.failed
    run.new_count += outcome.new
    run.updated_count += outcome.updated
    run.unchanged_count += outcome.unchanged
    run.failed_count += outcome.failed
    run.cursor_url = next_url or ""
    if outcome.newest_modified and (
        run.high_water_mark is None or outcome.newest_modified > run.high_water_mark
    ):
        run.high_water_mark = outcome.newest_modified
    run.heartbeat_at = timezone.now()
    owned = CrawlRun.objects.filter(pk=run.pk, heartbeat_at=token)
    if not owned.update(**{name: getattr(run, name) for name in RUN_PROGRESS_FIELDS}):
        raise RunTakenOver(f"{run} was taken over by another worker")


# --- model detail ----------------------------------------------------------------------------
@dataclass
class DetailOutcome:
    changed: bool
    dataset_ids: list[int] = field(default_factory=list)
    repository_ids: list[int] = field(default_factory=list)


def model_detail_ingest(
    *,
    model: AIModel,
    record: ModelRecord,
    readme: Readme | None,
    links: ExtractedLinks | None,
    readme_problem: str = "",
    fetched_at: datetime | None = None,
    license_file: dict | None = None,
) -> DetailOutcome:
    """Store what the detail crawl found: files, parameters, base models, README links."""
    now = fetched_at or timezone.now()
    sha = record.sha or model.sha
    readme_url = card_url(record.repo_id, sha)
    with transaction.atomic():
        org_id = OrganizationCache().ids_for([record.author]).get(record.author)
        row = _model_row(record, org_id, now)
        for name in LISTING_FIELDS:
            setattr(model, name, row[name])
        model.downloads_all_time = record.downloads_all_time
        model.weight_files = record.weight_files
        model.detail_sha = sha
        model.detail_crawled_at = now
        problems = list(record.problems) + ([readme_problem] if readme_problem else [])
        model.crawl_error = "; ".join(problems)[:2000]
        model.crawl_error_at = now if problems else None
        model.other_links = (links.other_urls + links.dataset_urls)[:50] if links else model.other_links
        if readme is not None:
            model.card_html = render_card(strip_front_matter(readme.text))
        model.save()

        if not record.base_models and links is not None and links.base_models:
            # v2: a base stated only in the card's text ("Finetuned from model: X") is lineage too,
            # trusted last (after the API, the tags and the card metadata)
            relation = (
                "adapter"
                if any(f.split("/")[-1].startswith("adapter_model") for f in record.weight_files or [])
                else "finetune"
            )
            record.base_models = [
                BaseModelRef(_catalog_spelling(repo_id), relation, "readme")
                for repo_id in links.base_models
                if repo_id.lower() != model.repo_id.lower()
            ][:1]
        unresolved_bases: list[str] = []
        base_from_text: dict[str, Any] | None = None
        if not record.base_models and links is not None:
            base_from_text = _base_name_from_text(model.repo_id, links)
            if base_from_text:
                record.base_models = [BaseModelRef(base_from_text["repo_id"], "finetune", "readme")]
                links.dataset_names = [
                    n for n in links.dataset_names if n.lower() != base_from_text["name"].lower()
                ]
            else:
                unresolved_bases = links.base_names[:1]
        lineage_replace({model.pk: record})
        card_datasets = [(n, choices.LinkOrigin.CARD_METADATA) for n in record.datasets]
        readme_datasets = [(n, choices.LinkOrigin.README) for n in (links.hub_datasets if links else [])]
        seen = {n.lower() for n, _ in card_datasets}
        all_datasets = card_datasets + [(n, o) for n, o in readme_datasets if n.lower() not in seen]
        # without a readable README, its earlier links stay (we cannot tell they are gone)
        unread = (REPO_DOC,) if links is not None else KEEP_README
        dataset_ids = datasets_link({model.pk: all_datasets}, keep_origins=unread)  # then the external ones
        external = datasets_external_link(model, links.dataset_urls if links else [])
        external += datasets_named_link(
            model, _names_not_linked(links.dataset_names if links else [], [n for n, _ in all_datasets])
        )
        arxiv = [(a, choices.LinkOrigin.TAG) for a in record.arxiv_ids]
        arxiv += [
            (a, choices.LinkOrigin.README)
            for a in (links.arxiv_ids if links else [])
            if a not in record.arxiv_ids and normalize_arxiv_id(a)
        ]
        papers_link({model.pk: arxiv}, keep_origins=unread)
        repo_ids = repositories_link(model, links.github_repos if links else None)
        # what the linked repositories' docs name, where the card names nothing (v2)
        dataset_ids += models_repo_docs_link([model.pk])

        rows = listing_evidence(model.pk, record, now)
        rows[3] = _evidence(
            MODEL,
            model.pk,
            choices.Fact.DATASETS,
            {
                "names": [n for n, _ in all_datasets],
                "external": external,
                "from_readme": [n for n, o in all_datasets if o == choices.LinkOrigin.README],
            },
            readme_url,
            sha,
            now,
        )
        rows.append(
            _evidence(
                MODEL,
                model.pk,
                choices.Fact.WEIGHT_FILES,
                {
                    "files": (record.weight_files or [])[:100],
                    "count": len(record.weight_files or []),
                    "all_files": len(record.siblings or []),
                },
                tree_url(record.repo_id, sha),
                sha,
                now,
            )
        )
        if links is not None:
            rows.append(
                _evidence(
                    MODEL,
                    model.pk,
                    choices.Fact.CODE_REPOSITORIES,
                    {"repositories": links.github_repos, "dropped_links": links.dropped},
                    readme_url,
                    sha,
                    now,
                )
            )
        rows.append(
            _evidence(
                MODEL,
                model.pk,
                choices.Fact.DOCUMENTATION,
                {
                    "model_card": readme is not None and bool(readme.text.strip()),
                    "readme_truncated": bool(readme and readme.truncated),
                    "readme_unavailable": readme_problem or None,
                    "collections_unread": links.hub_collections_unread if links else [],
                    "data_doc_repos": links.data_doc_repos if links else [],
                    # the repository's own LICENSE file when the metadata names no licence (v2)
                    "license_file": license_file,
                    "evaluation_results": "model-index" in record.tags
                    or "eval-results" in record.tags
                    or bool(links and links.evaluation_section),
                    "papers": [a for a, _ in arxiv],
                    "license_statements": links.license_statements if links else [],
                    "base_names_unresolved": unresolved_bases,
                    # a base named in the card's prose and resolved to a catalogued repository
                    # (card-reading rules 4): the name, the repository, where the card says it
                    "base_name_resolved": base_from_text,
                    # v2: the model repository's own scripts (train_script.py), by name, read
                    # as code evidence with the Hub file as their source
                    "code_files": own_code_files(record.siblings),
                    "repo_subfolders": links.github_subfolders if links else {},
                    # v4: links into a repository's folder under a training / reproduce heading,
                    # and a training config printed in the card
                    "repo_recipe_links": links.github_recipe_links if links else {},
                    "card_recipe": links.card_recipe if links else None,
                    "training_stages": links.training_stages if links else [],
                    # v2: the card says part of its training data is not public (partial at best)
                    "data_withheld": links.data_withheld if links else [],
                    "card_rules": CARD_RULES_VERSION if links is not None else None,
                },
                readme_url,
                sha,
                now,
            )
        )
        evidence_upsert(rows)
        if links is not None and links.github_subfolders:
            _mark_branches_pending(list(links.github_subfolders))
    return DetailOutcome(changed=True, dataset_ids=dataset_ids, repository_ids=repo_ids)


def _mark_branches_pending(full_names: list[str]) -> None:
    """The card links these repositories with a folder or ref: their next crawl asks which
    branches the cards name (catalog.ingest.repositories), a renamed one's canonical too."""
    names = [n.lower() for n in full_names]
    renamed = CodeRepository.objects.filter(full_name__in=names, canonical__isnull=False)
    canonical = renamed.values("canonical_id")
    CodeRepository.objects.filter(Q(full_name__in=names) | Q(pk__in=canonical)).update(branches_pending=True)


def _base_name_from_text(repo_id: str, links: ExtractedLinks) -> dict[str, Any] | None:
    """The base a card names in prose ("trained from Llama-2 13b", "fine-tuned on Llama2 70B"),
    resolved to the one catalogued repository it means (catalog.ingest.lineage_text), with the
    sentence that says it, or None. A name stated as the base that resolves to nothing stays
    shown as the unknown base; one read after "fine-tuned on" is then not lineage at all."""
    datasets = links.hub_datasets + links.hub_datasets_other
    for name in (links.base_names or links.base_names_after_on)[:1]:
        where = links.base_name_where.get(name, {})
        found = base_name_resolution(
            name,
            repo_id=repo_id,
            linked_models=links.hub_models,
            dataset_names=datasets,
        )
        if found is None or found.repo_id.lower() == repo_id.lower():
            return None
        return {
            "name": name,
            "repo_id": _catalog_spelling(found.repo_id),
            "matched_by": found.how,
            "heading": where.get("heading", ""),
            "sentence": where.get("sentence"),
            "says": where.get("says", ""),
            "origin": "card text",
        }
    return None


def _catalog_spelling(repo_id: str) -> str:
    """A base the card's text spells in another case ("llm360/amber") is the catalogued model
    (v2: ids matched case-insensitively); one never seen keeps the card's spelling, and the Hub's
    answer for it (a redirect to the canonical id) settles it when the placeholder is crawled."""
    known = list(
        AIModel.objects.filter(source=HF, repo_id__iexact=repo_id)
        .order_by("is_placeholder", "id")
        .values_list("repo_id", flat=True)[:1]
    )
    return known[0] if known else repo_id


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower().removeprefix("the ") if ch.isalnum())


def _names_not_linked(names: list[str], hub_ids: list[str]) -> list[str]:
    """Text names of corpora that no Hub id the card gives already stands for (Dolma ~ allenai/dolma)."""
    linked = [_squash(i.rsplit("/", 1)[-1]) for i in hub_ids]

    def is_linked(name: str) -> bool:
        keys = [_squash(name), *(_squash(a) for a in CORPUS_ALIASES.get(name, ()))]
        return any(k and (k in i or (i and i in k)) for k in keys for i in linked)

    return [n for n in names if not is_linked(n)]


NAMED_PREFIX = "named/"


def named_dataset_id(name: str) -> str:
    """The catalog id of a corpus named in text: 'The Pile' -> 'named/the-pile' (URL-safe)."""
    return NAMED_PREFIX + re.sub(r"[^a-z0-9.]+", "-", name.lower()).strip("-")


def datasets_named_link(model: AIModel, names: list[str]) -> list[str]:
    """Corpora the card names in its training text without a link: named, not verifiable."""
    if not names:
        return []
    ids = _ensure(
        Dataset,
        "repo_id",
        [named_dataset_id(n) for n in names],
        lambda key: {
            "source": "text",
            "repo_id": key[:300],
            "url": "",
            "status": choices.DatasetStatus.EXTERNAL,
        },
    )
    bulk.upsert(
        ModelDataset,
        [{"model_id": model.pk, "dataset_id": i, "origin": choices.LinkOrigin.README} for i in ids.values()],
        conflict=["model", "dataset"],
    )
    return [named_dataset_id(n) for n in names]


def datasets_external_link(model: AIModel, urls: list[str]) -> list[str]:
    """Datasets on other hosts: kept as references (status external), never fetched."""
    if not urls:
        return []
    ids = _ensure(
        Dataset,
        "repo_id",
        urls,
        lambda u: {
            "source": "external",
            "repo_id": u[:300],
            "url": u[:500],
            "status": choices.DatasetStatus.EXTERNAL,
        },
    )
    bulk.upsert(
        ModelDataset,
        [{"model_id": model.pk, "dataset_id": i, "origin": choices.LinkOrigin.README} for i in ids.values()],
        conflict=["model", "dataset"],
    )
    return urls


def _docs_datasets(docs: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(kind, value) of the datasets a repository's documents name (see repositories.docs_datasets)."""
    found: list[tuple[str, str]] = []
    for file in (docs or {}).get("files", []):
        findings = file.get("findings") or {}
        for kind, bucket in (("hub", "hub_datasets"), ("url", "dataset_urls"), ("name", "dataset_names")):
            found += [(kind, v) for v in findings.get(bucket, []) if isinstance(v, str)]
    return found


def models_repo_docs_link(model_ids: list[int]) -> list[int]:
    """Link each model to the datasets its own linked repositories' README and data documents
    name (origin ``repo_doc``), when its card names none; returns ids of datasets to check.

    Methodology v2 counts "the linked code repository's README and data documentation" as
    training-data evidence. The card comes first: a model whose card (metadata, README links,
    text) names any dataset keeps only those, so a repository that documents a whole family
    of models does not add its siblings' data. General-purpose frameworks are never the
    model's own repository; a renamed repository is read under its current name.
    """
    from catalog.sources.github.taxonomy import is_framework  # a pure module: no cycle

    if not model_ids:
        return []
    card_named = set(
        ModelDataset.objects.filter(model_id__in=model_ids)
        .exclude(origin__in=[REPO_DOC, CORRECTION])
        .values_list("model_id", flat=True)
    )
    repos_of: dict[int, list[int]] = {}
    for model_id, repo_id, canonical_id in ModelCodeRepository.objects.filter(
        model_id__in=model_ids
    ).values_list("model_id", "repository_id", "repository__canonical_id"):
        repos_of.setdefault(model_id, []).append(canonical_id or repo_id)
    repos = {
        r["id"]: r
        for r in CodeRepository.objects.filter(
            id__in={i for ids in repos_of.values() for i in ids}, status=choices.RepoStatus.AVAILABLE
        ).values("id", "full_name", "docs")
    }
    wanted: dict[int, list[tuple[str, str]]] = {}
    for model_id in model_ids:
        if model_id in card_named:
            wanted[model_id] = []
            continue
        named: list[tuple[str, str]] = []
        for repo_id in sorted(set(repos_of.get(model_id, []))):
            repo = repos.get(repo_id)
            if repo is None or is_framework(repo["full_name"]):
                continue
            named += _docs_datasets(repo["docs"])
        hub = list(dict.fromkeys(v for k, v in named if k == "hub"))
        hub = [h for i, h in enumerate(hub) if h.lower() not in {x.lower() for x in hub[:i]}]
        urls = list(dict.fromkeys(v for k, v in named if k == "url"))
        names = _names_not_linked(list(dict.fromkeys(v for k, v in named if k == "name")), hub)
        wanted[model_id] = (
            [("hub", h) for h in hub] + [("url", u) for u in urls] + [("name", n) for n in names]
        )
    limit = _max_length(Dataset, "repo_id")
    hub_ids = _ensure(
        Dataset,
        "repo_id",
        [v for pairs in wanted.values() for k, v in pairs if k == "hub" and len(v) <= limit],
        _dataset_row,
    )
    url_ids = _ensure(
        Dataset,
        "repo_id",
        [v[:300] for pairs in wanted.values() for k, v in pairs if k == "url"],
        lambda u: {
            "source": "external",
            "repo_id": u,
            "url": u[:500],
            "status": choices.DatasetStatus.EXTERNAL,
        },
    )
    name_ids = _ensure(
        Dataset,
        "repo_id",
        [named_dataset_id(v) for pairs in wanted.values() for k, v in pairs if k == "name"],
        lambda key: {
            "source": "text",
            "repo_id": key[:300],
            "url": "",
            "status": choices.DatasetStatus.EXTERNAL,
        },
    )
    rows = []
    for model_id, pairs in wanted.items():
        for kind, value in pairs:
            dataset_id = (
                hub_ids.get(value)
                if kind == "hub"
                else url_ids.get(value[:300])
                if kind == "url"
                else name_ids.get(named_dataset_id(value))
            )
            if dataset_id:
                rows.append({"model_id": model_id, "dataset_id": dataset_id, "origin": REPO_DOC})
    with transaction.atomic():
        ModelDataset.objects.filter(model_id__in=model_ids, origin=REPO_DOC).delete()
        bulk.upsert(ModelDataset, rows, conflict=["model", "dataset"])
    fresh = Dataset.objects.filter(
        id__in={r["dataset_id"] for r in rows}, status=choices.DatasetStatus.UNVERIFIED
    )
    return list(fresh.values_list("id", flat=True))


def repositories_link(model: AIModel, full_names: list[str] | None) -> list[int]:
    """Link the model to the GitHub repositories its card names; returns ids to crawl."""
    if full_names is None:
        return []
    ids = _ensure(
        CodeRepository,
        "full_name",
        full_names,
        lambda n: {"full_name": n, "html_url": f"https://github.com/{n}"},
    )
    _replace_links(
        ModelCodeRepository,
        [model.pk],
        "repository",
        {model.pk: [(i, choices.LinkOrigin.README) for i in ids.values()]},
    )
    return list(ids.values())


def model_mark_missing(*, model: AIModel, message: str) -> None:
    now = timezone.now()
    AIModel.objects.filter(pk=model.pk, missing_since__isnull=True).update(missing_since=now)
    AIModel.objects.filter(pk=model.pk).update(crawl_error=message[:2000], crawl_error_at=now)


# --- vanished models -------------------------------------------------------------------------
def model_retire(*, model: AIModel, reason: str, message: str, now: datetime | None = None) -> None:
    """A complete pass did not list it and the Hub no longer serves it: it leaves the board
    (its page and API record stay, saying when and why)."""
    now = now or timezone.now()
    AIModel.objects.filter(pk=model.pk, retired_at__isnull=True).update(
        retired_at=now,
        retired_reason=reason,
        private=reason == choices.Retirement.PRIVATE,
        crawl_error=message[:2000],
        crawl_error_at=now,
        updated_at=now,
    )


def model_still_served(*, model: AIModel, record: ModelRecord, now: datetime | None = None) -> None:
    """The pass missed it (the listing shifted under its cursor) but the Hub serves it: seen."""
    now = now or timezone.now()
    AIModel.objects.filter(pk=model.pk).update(
        listed_at=now, **{name: getattr(record, name) for name in REFRESH_FIELDS}
    )


# relations other apps hold that must follow a model into the row it is folded into (a
# maintainer's correction is never lost); by label, so the catalog imports no app above it
FOLLOW_RENAME = {"corrections.Correction"}


def model_rename(*, model: AIModel, new_repo_id: str, now: datetime | None = None) -> AIModel:
    """The Hub serves ``model`` under a new id: the row (with its history, corrections and
    scores) takes the new id, the old id becomes an alias that redirects to it. If the new
    id was already listed as a separate row, that row is folded into this one."""
    now = now or timezone.now()
    old_repo_id = model.repo_id
    with transaction.atomic():
        other = (
            AIModel.objects.select_for_update()
            .filter(source=HF, repo_id=new_repo_id)
            .exclude(pk=model.pk)
            .first()
        )
        copied: dict[str, Any] = {}
        if other is not None:
            if not other.is_placeholder:
                copied = {name: getattr(other, name) for name in LISTING_FIELDS if name != "name"}
            already = set(LineageEdge.objects.filter(parent=model).values_list("child_id", flat=True))
            LineageEdge.objects.filter(parent=other, child_id__in=already | {model.pk}).delete()
            LineageEdge.objects.filter(parent=other).update(parent=model)
            ModelAlias.objects.filter(model=other).update(model=model)
            for relation in AIModel._meta.related_objects:
                if relation.related_model._meta.label in FOLLOW_RENAME:
                    relation.related_model._default_manager.filter(**{relation.field.name: other}).update(
                        **{relation.field.name: model}
                    )
            evidence = Evidence.objects.filter(subject_type=MODEL, subject_id=other.pk)
            ours = Evidence.objects.filter(subject_type=MODEL, subject_id=model.pk, origin=CORRECTED)
            evidence.filter(origin=CORRECTED).exclude(fact__in=ours.values("fact")).update(
                subject_id=model.pk
            )
            evidence.delete()  # the crawled rows: the next crawl of the model writes its own
            other.delete()
        copied.update(
            repo_id=new_repo_id,
            name=new_repo_id.rsplit("/", 1)[-1],
            missing_since=None,
            retired_at=None,
            retired_reason="",
            listed_at=now,
            updated_at=now,
            crawl_error=f"renamed on the Hub: formerly {old_repo_id}"[:2000],
            crawl_error_at=now,
        )
        AIModel.objects.filter(pk=model.pk).update(**copied)
        ModelAlias.objects.filter(source=HF, repo_id=new_repo_id).delete()
        ModelAlias.objects.update_or_create(
            source=HF, repo_id=old_repo_id, defaults={"model": model, "created_at": now}
        )
    model.refresh_from_db()
    return model


def model_mark_gated_files(*, model: AIModel, record: ModelRecord, message: str) -> None:
    """Detail metadata is public but the files are gated: keep metadata, note why files are unknown."""
    AIModel.objects.filter(pk=model.pk).update(crawl_error=message[:2000], crawl_error_at=timezone.now())


# --- datasets ------------------------------------------------------------------------------
def dataset_ingest(*, dataset: Dataset, record: DatasetRecord, fetched_at: datetime | None = None) -> None:
    now = fetched_at or timezone.now()
    if record.private:
        status = choices.DatasetStatus.PRIVATE
    elif record.gated:
        status = choices.DatasetStatus.GATED
    elif record.disabled:
        status = choices.DatasetStatus.MISSING
    elif record.has_data_files is False:
        # the page exists but its data was taken down (EleutherAI/pile holds only its README):
        # named, not obtainable (methodology v2, clarifications)
        status = choices.DatasetStatus.NO_FILES
    else:
        status = choices.DatasetStatus.AVAILABLE
    # the file list that shows there is no data to download, as the Hub listed it
    listed = {"files": (record.files or [])[:50]} if status == choices.DatasetStatus.NO_FILES else {}
    with transaction.atomic():
        Dataset.objects.filter(pk=dataset.pk).update(
            status=status,
            private=record.private,
            gated=record.gated,
            disabled=record.disabled,
            license_declared=record.license_declared,
            license_name=record.license_name,
            size_category=record.size_category,
            tags=record.tags,
            sha=record.sha,
            last_modified=record.last_modified,
            crawled_at=now,
            resolution_error="; ".join(record.problems),
        )
        source = public_url("datasets", dataset.repo_id)
        evidence_upsert(
            [
                _evidence(
                    DATASET,
                    dataset.pk,
                    choices.Fact.DATASET_ACCESS,
                    {
                        "status": status,
                        "gated": record.gated,
                        "private": record.private,
                        "disabled": record.disabled,
                        "size_category": record.size_category,
                        **listed,
                    },
                    source,
                    record.sha,
                    now,
                ),
                _evidence(
                    DATASET,
                    dataset.pk,
                    choices.Fact.DATASET_LICENSE,
                    {"declared": record.license_declared, "license_name": record.license_name},
                    source,
                    record.sha,
                    now,
                ),
            ]
        )


def dataset_mark_unresolved(*, dataset: Dataset, status: str, reason: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        Dataset.objects.filter(pk=dataset.pk).update(
            status=status, crawled_at=now, resolution_error=reason[:2000]
        )
        evidence_upsert(
            [
                _evidence(
                    DATASET,
                    dataset.pk,
                    choices.Fact.DATASET_ACCESS,
                    {"status": status, "reason": reason},
                    public_url("datasets", dataset.repo_id),
                    "",
                    now,
                ),
            ]
        )
