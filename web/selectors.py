"""Reads the public pages need beyond the scoring selectors (they join corrections too)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, FloatField, OuterRef, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from catalog.models import AIModel, LineageEdge, ModelAlias, ModelCodeRepository, ModelDataset, ModelPaper
from corrections.models import Correction
from scoring import selectors
from scoring.models import License, Score, ScoreChange


@dataclass
class ModelPage:
    model: AIModel
    score: Score | None
    lineage_up: list[tuple[AIModel, str]]  # (base, relation), nearest first
    lineage_cycle: bool
    derivative_count: int
    datasets: list[ModelDataset]
    repositories: list[ModelCodeRepository]
    papers: list[ModelPaper]
    history: list[ScoreChange]  # newest first (the latest 200)
    license: License | None
    pending_corrections: int
    has_corrections: bool


def model_page(repo_id: str) -> ModelPage | None:
    model = (
        AIModel.objects.select_related("organization")
        .annotate(
            derivatives=selectors.count_of(LineageEdge.objects.filter(parent=OuterRef("pk"))),
            corrections_pending=selectors.count_of(
                Correction.objects.filter(model=OuterRef("pk"), status="pending")
            ),
            # any correction ever (so the page reads the trail only for models that have one)
            corrections_any=Exists(Correction.objects.filter(model=OuterRef("pk"))),
        )
        .filter(repo_id=repo_id)
        .first()
    )
    if model is None:
        return None
    methodology = selectors.current_methodology()
    score = Score.objects.select_related("detail").filter(model=model, methodology=methodology).first()
    if score is not None:
        score.methodology = methodology  # the cached row: no second read
    chain, cycle = selectors._lineage_chain(model.pk)
    license_row = selectors.license_by_key(score.license_key) if score and score.license_key else None
    return ModelPage(
        model=model,
        score=score,
        lineage_up=chain,
        lineage_cycle=cycle,
        derivative_count=model.derivatives,
        datasets=list(model.dataset_links.select_related("dataset").order_by("dataset__repo_id")),
        repositories=list(
            model.repository_links.select_related("repository", "repository__canonical").order_by(
                "repository__full_name"
            )
        ),
        papers=list(model.paper_links.select_related("paper").order_by("paper__arxiv_id")),
        history=list(
            ScoreChange.objects.filter(model=model, methodology=methodology).order_by("-changed_at", "-id")[
                :200
            ]
        ),
        license=license_row,
        pending_corrections=model.corrections_pending,
        has_corrections=model.corrections_any,
    )


def repo_id_canonical(repo_id: str) -> str | None:
    """The catalog's spelling of a repository id typed in another case, or the id a renamed
    model now has (None if unknown or ambiguous)."""
    ids = list(AIModel.objects.filter(repo_id__iexact=repo_id).values_list("repo_id", flat=True)[:2])
    if len(ids) == 1:
        return ids[0]
    if ids:
        return None
    renamed = list(
        ModelAlias.objects.filter(repo_id__iexact=repo_id).values_list("model__repo_id", flat=True)[:2]
    )
    return renamed[0] if len(renamed) == 1 else None


@dataclass
class JudgmentsAsOf:
    day: dt.date
    change: ScoreChange | None  # the last change on or before ``day`` (None: not scored yet)

    @property
    def levels(self) -> dict:
        return self.change.new if self.change else {}


def judgments_as_of(model: AIModel, day: dt.date) -> JudgmentsAsOf:
    """A model's levels and total as they stood at the end of ``day`` (UTC), from its score
    history: the last change recorded before the next day began, under whichever methodology
    was current then (the same rule as the whole board's ``states_as_of``)."""
    end = end_of_day(day)
    change = (
        ScoreChange.objects.select_related("methodology")
        .filter(model=model, changed_at__lt=end)
        .order_by("-changed_at", "-id")
        .first()
    )
    return JudgmentsAsOf(day, change)


# --- the whole index as of a date ---------------------------------------------------------------------
# the score history starts here: an earlier date is answered with this one
AS_OF_EARLIEST = dt.date(2020, 1, 1)


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (UTC): what was recorded before it stood on that day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


def states_as_of(day: dt.date, q: str = "") -> QuerySet[ScoreChange]:
    """Each model's last recorded change before the end of ``day`` (UTC): the judgments and total
    the index showed for it then, under whichever methodology was current then. Models first
    scored later are absent. Annotated ``total_then`` and ``repo_id`` for ordering and keysets."""
    end = end_of_day(day)
    latest = (
        ScoreChange.objects.filter(model=OuterRef("pk"), changed_at__lt=end)
        .order_by("-changed_at", "-id")
        .values("id")[:1]
    )
    models = AIModel.objects.all()
    if q:
        models = models.filter(repo_id__icontains=q)
    in_force = models.annotate(change_id=Subquery(latest)).filter(change_id__isnull=False)
    return (
        ScoreChange.objects.filter(id__in=in_force.values("change_id"))
        .annotate(
            total_then=Coalesce(Cast(KeyTextTransform("total", "new"), FloatField()), Value(0.0)),
            repo_id=F("model__repo_id"),
        )
        .select_related("methodology")
    )


STATES_ORDERING = ["-total_then", "repo_id", "id"]
