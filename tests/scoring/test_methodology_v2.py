"""Methodology v2 is published beside v1; no judgment of the snapshot contradicts its rationale."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from scoring.consistency import contradictions
from scoring.models import MethodologyVersion, Score
from scoring.services import methodology_current
from tests.scoring.test_rescore import crawled  # noqa: F401  (the snapshot, crawled once)

V2 = importlib.import_module("scoring.migrations.0006_methodology_v2")


@pytest.mark.django_db
def test_v2_is_current_and_v1_is_kept():
    current = methodology_current()
    assert current.version == "2.0"
    assert "Unknown means could not read" in current.changelog
    assert MethodologyVersion.objects.filter(version="1.0", is_current=False).exists()


@pytest.mark.django_db
def test_publishing_v2_keeps_the_scores_made_under_v1():
    from catalog.models import AIModel

    MethodologyVersion.objects.filter(version="2.0").delete()
    v1 = MethodologyVersion.objects.get(version="1.0")
    MethodologyVersion.objects.filter(pk=v1.pk).update(is_current=True)
    model = AIModel.objects.create(repo_id="org/m", name="m")
    Score.objects.create(
        model=model,
        methodology=v1,
        repo_id="org/m",
        weights="open",
        training_data="closed",
        training_code="closed",
        license="open",
        total=50.0,
    )
    V2.publish_v2(apps, None)
    assert methodology_current().version == "2.0"
    assert Score.objects.filter(methodology=v1, model=model).count() == 1
    V2.withdraw_v2(apps, None)  # scores rest on v1 only: v2 can be withdrawn
    assert methodology_current().version == "1.0"


@pytest.mark.parametrize(
    ("dimension", "level", "rationale", "bad"),
    [
        ("training_data", "closed", "This model names no training dataset (card read).", False),
        ("training_code", "closed", "Its README could not be read, so its code links are unknown.", True),
        ("weights", "open", "The 2 weight files are behind a gate (manual approval) on the Hub.", True),
        (
            "training_data",
            "unknown",
            "names no dataset in its metadata, and its README could not be read",
            False,
        ),
        ("license", "closed", "Declared CC-BY-NC-4.0; the base cannot be traced: a loop.", False),
    ],
)
def test_the_contradiction_check_itself(dimension, level, rationale, bad):
    assert bool(contradictions(dimension, level, rationale)) is bad


@pytest.mark.django_db
def test_no_judgment_of_the_snapshot_contradicts_its_rationale(crawled):  # noqa: F811
    found = []
    for score in Score.objects.filter(methodology=methodology_current()).select_related("detail"):
        for dimension, judgment in score.detail.judgments.items():
            for problem in contradictions(dimension, judgment["level"], judgment["rationale"]):
                found.append(f"{score.repo_id} {dimension}: {problem}")
    assert found == []
    assert Score.objects.filter(methodology=methodology_current()).count() >= 200


@pytest.mark.django_db
def test_a_licence_conflict_is_stored_as_text_not_as_json():
    from catalog.models import AIModel, LineageEdge
    from scoring.models import ScoreDetail
    from scoring.services import rescore

    base = AIModel.objects.create(repo_id="meta/base", name="base", license_declared=["llama2"])
    child = AIModel.objects.create(repo_id="someone/tune", name="tune", license_declared=["mit"])
    clean = AIModel.objects.create(repo_id="someone/plain", name="plain", license_declared=["mit"])
    LineageEdge.objects.create(child=child, parent=base, relation="finetune", origin="card")
    rescore(model_ids=[base.pk, child.pk, clean.pk])
    conflicted = ScoreDetail.objects.get(score__model=child)
    assert conflicted.score.has_license_conflict
    assert conflicted.license_conflict.startswith("declared MIT License is more permissive")
    assert ScoreDetail.objects.get(score__model=clean).license_conflict == ""
    assert not ScoreDetail.objects.filter(license_conflict='""').exists()
