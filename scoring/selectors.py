"""Reads for the public pages, downloads and the API.

The leaderboard reads the narrow ``Score`` table only. A page is found in two steps: the
ids of the page (``ORDER BY ... LIMIT/OFFSET`` over an index that ends in ``id``, so a
deep page costs an index walk, not a walk over rows), then the rows for those ids. Counts
and aggregates are cached briefly; they change only when a rescore writes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, TruncQuarter

from catalog import choices as catalog_choices
from catalog.models import AIModel, Evidence, LineageEdge, ModelAlias
from lib import keyset
from scoring import dimensions, search
from scoring.filters import RELEVANCE, TIEBREAK, ScoreFilterSet
from scoring.levels import CLOSED, OPEN, PARTIAL, UNKNOWN
from scoring.lineage import bases_first
from scoring.models import License, MethodologyVersion, Score, ScoreDetail

LEVEL_RANK = {OPEN: 3, PARTIAL: 2, UNKNOWN: 1, CLOSED: 0}
AGGREGATE_TTL = 300
# a value keyed by the data version cannot go stale (a rescore bumps the version): it is kept
# for an hour, so a million-row count is not redone every minute in the middle of traffic
VERSIONED_TTL = 3600
MAX_LINEAGE_DEPTH = 12


DATA_VERSION_KEY = "scores:version"


def data_version() -> float:
    """When the scores last changed (epoch seconds): the validator behind ETags and Last-Modified.

    ``scoring.services`` bumps it after every write; a cold cache falls back to the newest score.
    """
    value = cache.get(DATA_VERSION_KEY)
    if value is None:
        latest = Score.objects.order_by("-computed_at").values_list("computed_at", flat=True).first()
        value = float(int(latest.timestamp())) if latest else 0.0
        cache.set(DATA_VERSION_KEY, value, None)
    return value


def data_version_bump() -> None:
    import time

    cache.set(DATA_VERSION_KEY, time.time(), None)


def current_methodology() -> MethodologyVersion:
    cached = cache.get("methodology:current")
    if cached is None:
        from scoring.services import methodology_current

        cached = methodology_current()
        cache.set("methodology:current", cached, 300)
    return cached


def _rank(field_name: str) -> Case:
    return Case(
        *(When(**{field_name: level}, then=Value(rank)) for level, rank in LEVEL_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def scores_current(methodology: MethodologyVersion | None = None) -> QuerySet[Score]:
    return Score.objects.filter(methodology=methodology or current_methodology(), is_listed=True)


def with_ranks(queryset: QuerySet[Score], ordering: list[str]) -> QuerySet[Score]:
    """Annotate the rank columns an ordering needs (levels sort by openness, not alphabetically)."""
    wanted = {f.lstrip("-") for f in ordering}
    for dimension in dimensions.ALL:
        if dimension.rank in wanted:
            queryset = queryset.annotate(**{dimension.rank: _rank(dimension.column)})
    if "mof_rank" in wanted:
        queryset = queryset.annotate(
            mof_rank=Case(
                When(mof_class=1, then=Value(3)),
                When(mof_class=2, then=Value(2)),
                When(mof_class=3, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
    return queryset


NULLABLE_SORT_FIELDS = {"parameters", "released_at", "last_crawled_at"}


def order_by_fields(ordering: list[str]) -> list:
    """``ordering`` for ``order_by``: unknown values (NULL) last in either direction, on every
    database and as the API's keyset pages put them; other columns as given, so indexes apply."""
    out: list = []
    for name in ordering:
        column = name.lstrip("-")
        if column in NULLABLE_SORT_FIELDS:
            expression = F(column)
            descending = name.startswith("-")
            out.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
        else:
            out.append(name)
    return out


def filtered_scores(
    params, methodology: MethodologyVersion | None = None
) -> tuple[ScoreFilterSet, QuerySet[Score]]:
    filterset = ScoreFilterSet(params, queryset=scores_current(methodology))
    queryset = filterset.qs if filterset.is_valid() else scores_current(methodology).none()
    ordering = filterset.ordering()
    return filterset, with_ranks(queryset, ordering).order_by(*order_by_fields(ordering))


def view_sql(queryset: QuerySet) -> tuple[str, tuple] | None:
    """The SQL of a view without its ordering (None when it can match nothing): what its
    cached count and ranks are keyed by. Compiling it costs about as much as running a small
    query, so a page compiles it once for both."""
    try:
        return queryset.order_by().query.sql_with_params()
    except EmptyResultSet:
        return None


def _count(
    queryset: QuerySet[Score], parts: tuple[Q, ...] = (), sql: tuple[str, tuple] | None = None
) -> list[int]:
    """The rows of a view, then the rows of each of ``parts`` within it, in one query, cached
    per data version (``sql``: the view's ``view_sql``, when the caller has it)."""
    sql = sql or view_sql(queryset)
    if sql is None:
        return [0] * (1 + len(parts))
    key = "count:" + hashlib.sha256(repr((*sql, parts, data_version())).encode()).hexdigest()[:24]
    value = cache.get(key)
    if value is None:
        found = queryset.order_by().aggregate(
            n=Count("id"), **{f"part{i}": Count("id", filter=part) for i, part in enumerate(parts)}
        )
        value = [found["n"], *(found[f"part{i}"] for i in range(len(parts)))]
        cache.set(key, value, VERSIONED_TTL)
    return value


def competition_ranks(
    queryset: QuerySet[Score], totals: list[float], sql: tuple[str, tuple] | None = None
) -> dict[float, tuple[int, bool]]:
    """Each total's rank within the filtered view ``queryset``, whatever its sort (see
    ``ranks_by_total``); nothing to rank when the page is empty."""
    return ranks_by_total(queryset, sql=sql) if totals else {}


def ranks_by_total(
    queryset: QuerySet, field: str = "total", sql: tuple[str, tuple] | None = None
) -> dict[float, tuple[int, bool]]:
    """Competition ranks of a view by ``field``: 1 + the number of rows with a higher value
    ("1, 1, 1, 4"), and whether another row shares it (shown "=1"). Totals take few distinct
    values (levels are discrete), so one GROUP BY over the view gives every rank at once; it
    is cached per view and data version, for every page. ``field`` may be an annotation (the
    past board ranks ``total_then``; ``sql``: the view's ``view_sql``, when the caller has it)."""
    base = queryset.order_by()
    sql = sql or view_sql(queryset)
    if sql is None:
        return {}
    key = "ranks:" + hashlib.sha256(repr((*sql, field, data_version())).encode()).hexdigest()[:24]
    ranks = cache.get(key)
    if ranks is None:
        ranks = {}
        above = 0
        for total, n in base.values_list(field).annotate(n=Count("id")).order_by(f"-{field}"):
            ranks[total] = (above + 1, n > 1)
            above += n
        cache.set(key, ranks, VERSIONED_TTL)
    return ranks


# what a leaderboard row shows (web.rendering.board_rows) and what finds its corrections: read as
# named tuples, which cost a third of what full Score instances do to build
BOARD_FIELDS = (
    "id",
    "model_id",
    "repo_id",
    "organization_name",
    *dimensions.COLUMNS,
    "total",
    "mof_class",
    "license_label",
    "has_license_conflict",
    "is_derivative",
    "parameters",
    "modality",
    "downloads",
    "last_crawled_at",
)


@dataclass
class LeaderboardPage:
    filterset: ScoreFilterSet
    rows: list[Any]  # named tuples of BOARD_FIELDS
    number: int
    page_size: int
    count: int
    errors: list[str] = field(default_factory=list)
    ranks: dict[float, tuple[int, bool]] = field(default_factory=dict)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first_rank(self) -> int:
        return (self.number - 1) * self.page_size + 1


ANCHOR_STEP = 200
# anchors are cached in blocks, so that a deep page reads one block, not every anchor of a
# million-row view
ANCHORS_PER_BLOCK = 100


def _anchor(
    queryset: QuerySet[Score], ordering: list[str], number: int, sql: tuple[str, tuple] | None
) -> list | None:
    """The sort key of row ``number * ANCHOR_STEP`` of this view (``number`` ≥ 1), cached per
    data version; None when the view is shorter.

    A deep page then starts from the nearest anchor (a seek) and skips fewer than
    ANCHOR_STEP rows, instead of walking every row before it: page 1,000 costs about what
    page 1 costs. One pass over the view's ordering builds every anchor, once per data change.
    ``sql``: the view's ``view_sql`` (the cache key: that and ``ordering``).
    """
    if sql is None:
        return None
    key = (
        "anchors:"
        + hashlib.sha256(
            repr((*sql, ordering, data_version(), ANCHOR_STEP, ANCHORS_PER_BLOCK)).encode()
        ).hexdigest()[:24]
    )
    block_number, index = divmod(number - 1, ANCHORS_PER_BLOCK)
    block = cache.get(f"{key}:{block_number}")
    if block is None:
        fields = [f.lstrip("-") for f in ordering]
        anchors = []
        for position, row in enumerate(queryset.values_list(*fields).iterator(chunk_size=5000), start=1):
            if position % ANCHOR_STEP == 0:
                anchors.append(list(row))
        blocks = {
            f"{key}:{n}": anchors[start : start + ANCHORS_PER_BLOCK]
            for n, start in enumerate(range(0, len(anchors), ANCHORS_PER_BLOCK))
        }
        cache.set_many(blocks, 3600)
        block = blocks.get(f"{key}:{block_number}", [])
    return block[index] if index < len(block) else None


def _relevance_classes(filterset: ScoreFilterSet) -> list[Q] | None:
    """The relevance classes of a view sorted by relevance (scoring.search), else None."""
    if not filterset.is_valid() or filterset.sort_key() != RELEVANCE:
        return None
    return search.relevance_classes(filterset.form.cleaned_data.get("q") or "")


def _relevance_page(
    queryset: QuerySet[Score], classes: list[Q], sizes: list[int], start: int, size: int
) -> list[int]:
    """The ids of one page in relevance order without ranking every match (scoring.search):
    each relevance class is read on its own in download order, whole classes skipped by their
    counts (``sizes``, all but the last), so a common word costs one index walk, not a sort of
    every match. The order is the one the ranked query gives (tests/web/test_search.py)."""
    ordering = order_by_fields(["-downloads", *TIEBREAK])
    ids: list[int] = []
    skip = start
    for position, condition in enumerate(classes):
        if position < len(sizes) and skip >= sizes[position]:
            skip -= sizes[position]
            continue
        members = queryset.filter(condition).order_by(*ordering)
        ids += members.values_list("id", flat=True)[skip : skip + size - len(ids)]
        skip = 0
        if len(ids) >= size:
            break
    return ids


def _ids_after(
    queryset: QuerySet[Score], ordering: list[str], anchor: list, skip: int, size: int
) -> list[int]:
    """``size`` ids after skipping ``skip`` rows past ``anchor``, in two index ranges: the rest of
    the anchor's own first-column value (totals take a few values, so one "total = 50" group
    holds a tenth of the board; seeking into it by the columns after the total is one range,
    where "total <= 50 and (...)" walked the group from its start), then the values beyond."""
    maybe_null = keyset.nullable(Score, ordering)
    first = ordering[0].lstrip("-")
    if anchor[0] is None or first in maybe_null:
        window = queryset.filter(keyset.after(ordering, anchor, maybe_null))
        return list(window.values_list("id", flat=True)[skip : skip + size])
    same = queryset.filter(**{first: anchor[0]}).filter(keyset.after(ordering[1:], anchor[1:], maybe_null))
    ids = list(same.values_list("id", flat=True)[: skip + size])
    if len(ids) >= skip + size:
        return ids[skip:]
    beyond = queryset.filter(keyset.after(ordering[:1], anchor[:1], maybe_null))
    offset = skip - len(ids) if skip > len(ids) else 0
    found = ids[skip:]
    return found + list(beyond.values_list("id", flat=True)[offset : offset + size - len(found)])


def leaderboard_page(*, params, page: int, page_size: int) -> LeaderboardPage:
    filterset, queryset = filtered_scores(params)
    errors = filterset.error_messages()
    if not filterset.is_valid() and hasattr(params, "copy"):
        # one bad parameter must not empty the board: show it without that filter, and say so
        kept = params.copy()
        for name in filterset.form.errors:
            kept.pop(name, None)
        filterset, queryset = filtered_scores(kept)
        errors = [f"{message} (ignored)" for message in errors] + filterset.error_messages()
    classes = _relevance_classes(filterset)
    sql = view_sql(queryset)
    count, *sizes = _count(queryset, tuple(classes[:-1]) if classes else (), sql)
    pages = max(1, -(-count // page_size))
    page = min(max(page, 1), pages)
    start = (page - 1) * page_size
    if classes:
        ids = _relevance_page(queryset, classes, sizes, start, page_size)
    else:
        ids = []
        if filterset.is_valid() and start >= 2 * ANCHOR_STEP:
            ordering = filterset.ordering()
            hop = start // ANCHOR_STEP
            anchor = _anchor(queryset, ordering, hop, sql)
            if anchor is not None:
                ids = _ids_after(queryset, ordering, anchor, start - hop * ANCHOR_STEP, page_size)
        if not ids:
            ids = list(queryset.values_list("id", flat=True)[start : start + page_size])
    by_id = {row.id: row for row in Score.objects.filter(id__in=ids).values_list(*BOARD_FIELDS, named=True)}
    rows = [by_id[i] for i in ids if i in by_id]
    ranks = competition_ranks(queryset, [row.total for row in rows], sql)
    return LeaderboardPage(filterset, rows, page, page_size, count, errors, ranks)


# --- one model --------------------------------------------------------------------------------
def count_of(queryset) -> Subquery:
    """A correlated COUNT(*) to annotate onto the row the page reads anyway."""
    counted = queryset.order_by().annotate(_one=Value(1)).values("_one").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted[:1]), 0)


# What the API's model detail reads of the catalog row (its "hub" object): the card's text and
# HTML, tags and file lists are left in the database, since decoding them cost more than the query.
API_DETAIL_MODEL_FIELDS = (
    "sha",
    "gated",
    "private",
    "disabled",
    "is_placeholder",
    "missing_since",
    "retired_at",
    "retired_reason",
    "library_name",
    "hub_created_at",
    "last_modified",
)
# the Score columns only search and rescoring read
_SCORE_INTERNAL_FIELDS = {"search_text", "search_name", "outputs_hash"}


@dataclass
class ApiDetail:
    score: Score  # with its detail and the catalog fields of API_DETAIL_MODEL_FIELDS
    derivatives: int
    former_ids: list[str]  # the ids the Hub served it under before a rename


@functools.cache
def _api_detail_queryset() -> QuerySet[Score]:
    """The API detail's query without its lookup, built once per process and narrowed per
    request (QuerySets are immutable: each ``filter`` is a copy): putting together its column
    list and subqueries cost more than running it. Never evaluated itself."""
    score_fields = [f.name for f in Score._meta.concrete_fields if f.name not in _SCORE_INTERNAL_FIELDS]
    return (
        Score.objects.select_related("detail", "model")
        .only(
            *score_fields,
            *(f"detail__{f.name}" for f in ScoreDetail._meta.concrete_fields),
            *(f"model__{name}" for name in API_DETAIL_MODEL_FIELDS),
        )
        .annotate(
            derivatives=count_of(LineageEdge.objects.filter(parent_id=OuterRef("model_id"))),
            renamed=Exists(ModelAlias.objects.filter(model_id=OuterRef("model_id"))),
        )
    )


def score_for_api_detail(methodology: MethodologyVersion, repo_id: str) -> ApiDetail | None:
    """What the API's model detail shows, in one query; a renamed model's former ids in a
    second one (the first says whether there are any)."""
    # unique together: no ORDER BY needed
    found = list(_api_detail_queryset().filter(methodology_id=methodology.pk, repo_id=repo_id)[:1])
    if not found:
        return None
    score = found[0]
    former_ids = (
        sorted(ModelAlias.objects.filter(model_id=score.model_id).values_list("repo_id", flat=True))
        if score.renamed
        else []
    )
    return ApiDetail(score, score.derivatives, former_ids)


def _lineage_rows(model_id: int) -> list[AIModel]:
    """Every base above ``model_id`` up to MAX_LINEAGE_DEPTH, in one recursive query; each row
    carries ``lineage_depth``, ``lineage_child`` and ``lineage_relation``. UNION (not UNION ALL)
    keeps a cycle or a diamond from multiplying rows: at most one row per edge and depth."""
    edges = connection.ops.quote_name(LineageEdge._meta.db_table)
    models_table = connection.ops.quote_name(AIModel._meta.db_table)
    sql = (
        f"WITH RECURSIVE up(child_id, parent_id, relation, depth) AS ("  # noqa: S608 - table names
        f" SELECT child_id, parent_id, relation, 1 FROM {edges} WHERE child_id = %s"
        f" UNION SELECT e.child_id, e.parent_id, e.relation, up.depth + 1"
        f" FROM {edges} e JOIN up ON e.child_id = up.parent_id WHERE up.depth < %s)"
        f" SELECT m.*, up.depth AS lineage_depth, up.child_id AS lineage_child,"
        f" up.relation AS lineage_relation"
        f" FROM up JOIN {models_table} m ON m.id = up.parent_id ORDER BY up.depth, m.repo_id"
    )
    return list(AIModel.objects.raw(sql, [model_id, MAX_LINEAGE_DEPTH]))


def _lineage_chain(model_id: int) -> tuple[list[tuple[AIModel, str]], bool]:
    """(base, relation) pairs nearest first, each base once, and whether the lineage loops
    (a base reached twice through a diamond is not a loop)."""
    rows = _lineage_rows(model_id)
    parents: dict[int, set[int]] = {}
    for row in rows:
        parents.setdefault(row.lineage_child, set()).add(row.pk)
    chain: list[tuple[AIModel, str]] = []
    seen = {model_id}
    for row in rows:  # depth order, then name: breadth-first
        if row.pk not in seen:
            seen.add(row.pk)
            chain.append((row, row.lineage_relation))
    _, looped = bases_first(seen, parents)
    return chain, bool(looped)


def license_by_key(key: str) -> License | None:
    """A knowledge-base row, cached per data version (the table changes only with a rescore)."""
    # False stands for "no such row" so that a miss is cached too
    return (
        _cached(f"license:{data_version()}:{key}", lambda: License.objects.filter(key=key).first() or False)
        or None
    )


def compare_rows(repo_ids: list[str]) -> list[Score]:
    methodology = current_methodology()
    rows = {
        s.repo_id: s
        for s in Score.objects.select_related("detail").filter(methodology=methodology, repo_id__in=repo_ids)
    }
    return [rows[r] for r in repo_ids if r in rows]


def score_for_badge(repo_id: str) -> Score | None:
    return (
        Score.objects.filter(methodology=current_methodology(), repo_id=repo_id)
        .only("repo_id", *dimensions.COLUMNS, "total", "computed_at")
        .first()
    )


# --- aggregates for the charts ------------------------------------------------------------------
def _cached(key: str, compute, ttl: int = AGGREGATE_TTL):
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl)
    return value


def score_distribution(*, notable_only: bool = True) -> list[tuple[float, int]]:
    def compute():
        qs = scores_current()
        if notable_only:
            qs = qs.filter(is_notable=True)
        return list(qs.values_list("total").annotate(n=Count("id")).order_by("total"))

    return _cached(f"agg:distribution:{current_methodology().pk}:{notable_only}", compute)


def openness_by_organization(*, top: int = 15) -> list[dict[str, Any]]:
    def compute():
        qs = scores_current().filter(is_notable=True).exclude(organization_name="")
        rows = (
            qs.values("organization_name")
            .annotate(models=Count("id"), mean=Avg("total"))
            .order_by("-models", "organization_name")[:top]
        )
        return [dict(r) for r in rows]

    return _cached(f"agg:orgs:{current_methodology().pk}:{top}", compute)


def openness_over_time() -> list[dict[str, Any]]:
    def compute():
        qs = scores_current().filter(is_notable=True, released_at__isnull=False)
        rows = (
            qs.annotate(quarter=TruncQuarter("released_at"))
            .values("quarter")
            .annotate(models=Count("id"), mean=Avg("total"))
            .order_by("quarter")
        )
        return [
            {
                "quarter": r["quarter"].date() if hasattr(r["quarter"], "date") else r["quarter"],
                "models": r["models"],
                "mean": r["mean"],
            }
            for r in rows
        ]

    return _cached(f"agg:time:{current_methodology().pk}", compute)


def catalog_summary() -> dict[str, Any]:
    """Models listed and notable, the newest score, and models per level on each dimension
    (the home page's headline): one aggregate query, cached until the scores change."""

    def compute():
        aggregates = {
            f"{d.key}__{level}": Count("id", filter=Q(**{d.column: level}))
            for d in dimensions.ALL
            for level in LEVEL_RANK
        }
        data = scores_current().aggregate(
            models=Count("id"),
            notable=Count("id", filter=Q(is_notable=True)),
            osaid_ready=Count("id", filter=Q(osaid_ready=True)),
            last_computed=Max("computed_at"),
            **aggregates,
        )
        data["levels"] = {
            d.key: {level: data.pop(f"{d.key}__{level}") for level in LEVEL_RANK} for d in dimensions.ALL
        }
        return data

    return _cached(f"agg:summary:{current_methodology().pk}:{data_version()}", compute, VERSIONED_TTL)


# --- pick lists, the headline, organizations ------------------------------------------------
def license_families() -> list[dict[str, Any]]:
    """The license families present among listed models, with how many models each has and
    the keys it groups (the leaderboard's license pick list)."""
    from scoring.licenses import license_family

    def compute() -> list[dict[str, Any]]:
        rows = scores_current().exclude(license_key="").values("license_key").annotate(n=Count("id"))
        families: dict[str, dict[str, Any]] = {}
        for row in rows:
            family = license_family(row["license_key"])
            entry = families.setdefault(family, {"family": family, "count": 0, "keys": []})
            entry["count"] += row["n"]
            entry["keys"].append(row["license_key"])
        return sorted(families.values(), key=lambda e: (-e["count"], e["family"]))

    return _cached(
        f"agg:license-families:{current_methodology().pk}:{data_version()}", compute, VERSIONED_TTL
    )


def organization_counts(*, top: int = 300) -> list[tuple[str, int]]:
    """The organizations with the most listed models (the organization pick list)."""

    def compute():
        rows = (
            scores_current()
            .exclude(organization_name="")
            .values_list("organization_name")
            .annotate(n=Count("id"))
            .order_by("-n", "organization_name")[:top]
        )
        return [(name, n) for name, n in rows]

    return _cached(
        f"agg:org-counts:{current_methodology().pk}:{top}:{data_version()}", compute, VERSIONED_TTL
    )


def level_counts(queryset: QuerySet[Score] | None = None) -> dict[str, dict[str, int]]:
    """How many models are at each level on each dimension: {dimension key: {level: n}}, in one
    aggregate query."""
    queryset = scores_current() if queryset is None else queryset
    aggregates = {
        f"{d.key}__{level}": Count("id", filter=Q(**{d.column: level}))
        for d in dimensions.ALL
        for level in LEVEL_RANK
    }
    counts = queryset.order_by().aggregate(**aggregates)
    return {d.key: {level: counts[f"{d.key}__{level}"] for level in LEVEL_RANK} for d in dimensions.ALL}


MOVEMENT_DAYS = 30


def headline() -> dict[str, Any]:
    """The home page's headline: models per level on each dimension over every listed model,
    how many are OSAID-ready, and how many models' judgments changed in the last 30 days (from
    the change feed, first scores excluded)."""
    from django.utils import timezone

    from scoring.models import ScoreChange

    summary = catalog_summary()

    def movement() -> int:
        since = timezone.now() - dt.timedelta(days=MOVEMENT_DAYS)
        changes = ScoreChange.objects.filter(
            methodology=current_methodology(), changed_at__gte=since, old__isnull=False
        )
        return changes.values("model_id").distinct().count()

    moved = _cached(f"agg:movement:{current_methodology().pk}:{data_version()}", movement, VERSIONED_TTL)
    return {
        "models": summary["models"],
        "levels": summary["levels"],
        "osaid_ready": summary["osaid_ready"],
        "moved": moved,
        "movement_days": MOVEMENT_DAYS,
    }


def organization_name_canonical(name: str) -> str | None:
    """The catalog's spelling of an organization typed in any case (None if it has no listed model)."""
    qs = scores_current()
    if qs.filter(organization_name=name).exists():
        return name
    spelled = list(
        qs.filter(organization_name__iexact=name).values_list("organization_name", flat=True).distinct()[:2]
    )
    return spelled[0] if len(spelled) == 1 else None


ORG_PAGE_MAX = 500


def organization_scores(name: str) -> tuple[list[Score], int, dict[str, dict[str, int]]]:
    """An organization's listed models (most open first, at most ORG_PAGE_MAX), how many it has,
    and its models per level on each dimension."""
    qs = scores_current().filter(organization_name=name)
    rows = list(qs.order_by("-total", "repo_id", "id")[:ORG_PAGE_MAX])
    count = len(rows) if len(rows) < ORG_PAGE_MAX else qs.count()
    return rows, count, level_counts(qs)


# --- corrected cells --------------------------------------------------------------------------
def corrected_model_ids() -> frozenset[int]:
    """Every model with corrected evidence (a few, never most): one query per data version, so
    a warm page asks nothing to know that none of its rows is corrected."""

    def compute() -> frozenset[int]:
        return frozenset(
            Evidence.objects.filter(
                subject_type=catalog_choices.SubjectType.MODEL,
                origin=catalog_choices.EvidenceOrigin.CORRECTED,
            )
            .values_list("subject_id", flat=True)
            .distinct()
        )

    return _cached(f"agg:corrected-models:{data_version()}", compute, VERSIONED_TTL)


def corrected_dimensions(scores) -> dict[int, frozenset[str]]:
    """Per score id, the dimensions whose judgment an approved correction set (origin
    "corrected"). The set of corrected models is cached per data version; the origins are read
    out of the judgments JSON only when a model of the page has a correction."""
    by_model = {s.model_id: s.id for s in scores}
    if not by_model:
        return {}
    score_ids = [by_model[m] for m in corrected_model_ids() if m in by_model]
    if not score_ids:
        return {}
    names = {f"origin_{d.key}": KT(f"judgments__{d.key}__origin") for d in dimensions.ALL}
    result = {}
    for row in (
        ScoreDetail.objects.filter(score_id__in=score_ids).annotate(**names).values("score_id", *names)
    ):
        result[row["score_id"]] = frozenset(
            d.key for d in dimensions.ALL if row[f"origin_{d.key}"] == "corrected"
        )
    return result
