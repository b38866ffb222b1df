"""Rescoring from the catalog after a crawl of the bundled snapshot.

The crawl (about 25 s against the loopback stand-in) runs once for the module and is
committed; every test runs in its own transaction on top of it, rolled back afterwards, and
the module flushes the database when it is done. Expected levels are derived from the
crawled facts with the methodology's rules, never copied from a previous run.
"""

from __future__ import annotations

import copy
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from catalog import choices
from catalog.ingest import crawl
from catalog.models import AIModel, Dataset, Evidence, LineageEdge, ModelDataset
from corrections.services import correction_approve, correction_submit
from scoring import facts as facts_builder
from scoring.levels import CLOSED, OPEN, PARTIAL, POINTS, UNKNOWN, mean_level, strictest
from scoring.models import MethodologyVersion, Score, ScoreChange
from scoring.rubric import code_part, data_part
from scoring.services import methodology_current, methodology_publish, rescore
from standin.server import StandinServer
from tests.conftest import point_at, republish_methodologies

pytestmark = pytest.mark.django_db
LEVELS = ("weights", "training_data", "training_code", "license")


@pytest.fixture(scope="module")
def crawled(django_db_setup, django_db_blocker, snapshot_data):
    """The snapshot crawled once (discovery, details, datasets, repositories, rescore)."""
    with StandinServer(copy.deepcopy(snapshot_data)) as server:
        endpoints = SimpleNamespace()
        point_at(endpoints, server)
        with override_settings(**vars(endpoints)):
            with django_db_blocker.unblock():
                republish_methodologies()  # an earlier transactional test may have flushed them
                call_command("crawl", "--no-progress", stdout=StringIO(), stderr=StringIO())
            yield server
            with django_db_blocker.unblock():
                call_command("flush", interactive=False, verbosity=0)
                republish_methodologies()


def score(repo_id: str, methodology: MethodologyVersion | None = None) -> Score:
    return Score.objects.select_related("detail").get(
        repo_id=repo_id, methodology=methodology or methodology_current()
    )


def bases_of(repo_id: str) -> list[tuple[str, str]]:
    edges = LineageEdge.objects.filter(child__repo_id=repo_id).select_related("parent")
    return sorted((e.parent.repo_id, e.relation) for e in edges)


def own_license_grade(model: AIModel) -> str:
    """The grade of what the model itself states: its metadata, else a licence its card's text names
    (v2), and unknown when it declares nothing and its card could not be read."""
    facts = facts_builder.build_facts([model.pk])[0][model.pk]
    if not model.license_declared and not model.license_name and not facts.card_read:
        return UNKNOWN
    return facts.license.grade if facts.license else UNKNOWN


@pytest.fixture
def reviewers(db):
    users = get_user_model().objects
    return users.create_user("alice", password="x"), users.create_user("bob", password="x")


def approve_license(model: AIModel, value: dict, reviewers, capture) -> None:
    submitter, reviewer = reviewers
    correction = correction_submit(
        model=model,
        fact=choices.CorrectionFact.LICENSE,
        value=value,
        evidence_url=f"https://huggingface.co/{model.repo_id}/blob/main/LICENSE",
        submitted_by=submitter,
    )
    with capture(execute=True):
        correction_approve(correction=correction, reviewer=reviewer)


# --- the crawl's scores --------------------------------------------------------------------------
def test_every_model_has_exactly_one_score(crawled):
    methodology = methodology_current()
    models = set(AIModel.objects.values_list("id", flat=True))
    scored = list(Score.objects.filter(methodology=methodology).values_list("model_id", flat=True))
    assert len(models) >= 100
    assert sorted(scored) == sorted(models)
    for row in Score.objects.filter(methodology=methodology).select_related("detail"):
        assert set(row.judgments) == set(LEVELS)
        assert row.total == pytest.approx(100 * sum(POINTS[getattr(row, d)] for d in LEVELS) / 4)
        assert row.unknown_count == sum(getattr(row, d) == UNKNOWN for d in LEVELS)
        for dimension in LEVELS:
            assert row.judgments[dimension]["level"] == getattr(row, dimension)
            assert row.judgments[dimension]["rationale"].strip()
    first = ScoreChange.objects.filter(methodology=methodology)
    assert first.count() == len(models)
    assert not first.exclude(old=None).exists()


def test_a_second_rescore_writes_nothing(crawled):
    changes = ScoreChange.objects.count()
    stamps = dict(Score.objects.values_list("id", "computed_at"))
    report = rescore(model_ids=None)
    assert report.scored == AIModel.objects.count()
    assert (report.written, report.changed) == (0, 0)
    assert ScoreChange.objects.count() == changes
    assert dict(Score.objects.values_list("id", "computed_at")) == stamps


def test_a_license_correction_rescores_and_a_later_crawl_keeps_it(
    crawled, reviewers, django_capture_on_commit_callbacks
):
    model = AIModel.objects.get(repo_id="facebook/opt-30b")
    assert (model.license_declared, model.license_name) == (["other"], "")  # names no licence the KB knows
    assert score(model.repo_id).license == UNKNOWN
    approve_license(model, {"license": "grok2-community"}, reviewers, django_capture_on_commit_callbacks)

    row = score(model.repo_id)
    assert row.license == PARTIAL  # the Grok 2 Community License: commercial use with restrictions
    judgment = row.judgments["license"]
    assert judgment["origin"] == "corrected"
    assert judgment["evidence"][0]["subject"].startswith("correction:")
    change = ScoreChange.objects.filter(model=model).latest("id")
    assert change.cause == "correction"
    assert (change.old["license"], change.new["license"]) == (UNKNOWN, PARTIAL)

    hub = crawled.hub
    original = dict(hub.models[model.repo_id])
    try:
        hub.touch([model.repo_id], "2026-11-20T10:00:00.000Z")
        touched_sha = hub.models[model.repo_id]["sha"]
        call_command("crawl", "--no-progress", stdout=StringIO(), stderr=StringIO())
    finally:
        hub.models[model.repo_id] = original
    model.refresh_from_db()
    assert model.sha == touched_sha != original["sha"]
    assert model.last_modified.isoformat().startswith("2026-11-20")  # the crawl really re-read it
    evidence = {
        e.origin: e
        for e in Evidence.objects.filter(subject_type="model", subject_id=model.pk, fact="license")
    }
    assert set(evidence) == {"crawled", "corrected"}  # the crawled evidence stays beside the corrected one
    assert evidence["crawled"].value["declared"] == ["other"]
    assert evidence["crawled"].revision == model.sha
    assert evidence["corrected"].value["declared"] == ["grok2-community"]
    row = score(model.repo_id)
    assert row.license == PARTIAL
    assert row.judgments["license"]["origin"] == "corrected"
    assert ScoreChange.objects.filter(model=model).latest("id").pk == change.pk  # the crawl changed no level


def test_a_correction_needs_a_second_person_and_changes_nothing_until_approved(crawled, reviewers):
    alice, _ = reviewers
    model = AIModel.objects.get(repo_id="facebook/opt-30b")
    correction = correction_submit(
        model=model,
        fact=choices.CorrectionFact.LICENSE,
        value={"license": "grok2-community"},
        evidence_url="https://huggingface.co/facebook/opt-30b/blob/main/LICENSE",
        submitted_by=alice,
    )
    with pytest.raises(ValidationError, match="someone other than its submitter"):
        correction_approve(correction=correction, reviewer=alice)
    rescore(model_ids=[model.pk])
    assert score(model.repo_id).license == UNKNOWN
    assert not Evidence.objects.filter(subject_type="model", subject_id=model.pk, origin="corrected").exists()


def test_a_judgment_correction_overrides_the_level_and_keeps_the_crawled_one(
    crawled, reviewers, django_capture_on_commit_callbacks
):
    alice, bob = reviewers
    model = AIModel.objects.get(repo_id="allenai/OLMo-7B")
    assert score(model.repo_id).weights == OPEN
    correction = correction_submit(
        model=model,
        fact=choices.CorrectionFact.WEIGHTS,
        value={"level": "partial", "rationale": "The full checkpoints need a sign-up on the vendor's site."},
        evidence_url="https://example.org/olmo-notice",
        submitted_by=alice,
    )
    with django_capture_on_commit_callbacks(execute=True):
        correction_approve(correction=correction, reviewer=bob)
    row = score(model.repo_id)
    judgment = row.judgments["weights"]
    assert row.weights == PARTIAL
    assert (judgment["origin"], judgment["details"]["crawled_level"]) == ("corrected", OPEN)
    assert judgment["rationale"] == "The full checkpoints need a sign-up on the vendor's site."
    assert judgment["evidence"][0]["source_url"] == "https://example.org/olmo-notice"
    assert ScoreChange.objects.filter(model=model).latest("id").cause == "correction"


def test_a_new_methodology_version_keeps_the_old_rows_and_adds_new_ones(crawled):
    v1 = methodology_current()  # the version in force (v2 since the data migration publishing it)
    before = dict(Score.objects.filter(methodology=v1).values_list("model_id", "total"))
    weights = {"weights": 2.0, "training_data": 1.0, "training_code": 1.0, "license": 0.0}
    v2 = methodology_publish(
        version="9.0-test",
        name="Methodology (test)",
        weights=weights,
        changelog="Weights count double; the license does not count.",
    )
    assert methodology_current() == v2
    report = rescore(model_ids=None, cause="methodology")
    assert report.written == len(before)
    assert dict(Score.objects.filter(methodology=v1).values_list("model_id", "total")) == before
    differ = 0
    for row in Score.objects.filter(methodology=v2):
        expected = 100 * sum(weights[d] * POINTS[getattr(row, d)] for d in LEVELS) / sum(weights.values())
        assert row.total == pytest.approx(round(expected, 1))
        differ += row.total != before[row.model_id]
    assert differ > 10
    changes = ScoreChange.objects.filter(methodology=v2)
    assert changes.count() == len(before)
    assert set(changes.values_list("cause", flat=True)) == {"methodology"}


def test_a_derivative_follows_its_base_license(crawled, reviewers, django_capture_on_commit_callbacks):
    derived, base = "TheBloke/Llama-2-7B-GGUF", "meta-llama/Llama-2-7b-hf"
    assert bases_of(derived) == [(base, "quantized")]
    assert (score(derived).license, score(base).license) == (PARTIAL, PARTIAL)  # Llama 2 over Llama 2
    approve_license(
        AIModel.objects.get(repo_id=base),
        {"license": "cc-by-nc-4.0"},
        reviewers,
        django_capture_on_commit_callbacks,
    )
    assert score(base).license == CLOSED
    row = score(derived)
    assert row.license == CLOSED
    assert row.has_license_conflict  # it still declares Llama 2, more permissive than its base now
    assert row.license_key == "CC-BY-NC-4.0"
    assert ScoreChange.objects.filter(model__repo_id=base).latest("id").cause == "correction"
    assert ScoreChange.objects.filter(model__repo_id=derived).latest("id").cause == "lineage"


def test_the_rescore_command(crawled):
    out = StringIO()
    call_command("rescore", "--models", "TheBloke/Llama-2-7B-GGUF", "--no-progress", stdout=out)
    assert "scored 1 models: 0 rows written, 0 changes recorded" in out.getvalue()
    base = AIModel.objects.get(repo_id="meta-llama/Llama-2-7b-hf")
    descendants = LineageEdge.objects.filter(parent=base).count()
    assert descendants >= 1
    out = StringIO()
    call_command("rescore", "--models", base.repo_id, "--no-progress", stdout=out)
    assert f"scored {1 + descendants} models" in out.getvalue()
    with pytest.raises(CommandError, match="not in the catalog: nobody/nothing"):
        call_command("rescore", "--models", "nobody/nothing,TheBloke/Llama-2-7B-GGUF", "--no-progress")


# --- lineage cases of the snapshot -------------------------------------------------------------
def test_a_quantization_follows_its_base(crawled):
    row, base = score("TheBloke/Llama-2-7B-GGUF"), score("meta-llama/Llama-2-7b-hf")
    assert row.is_derivative
    assert AIModel.objects.get(repo_id="meta-llama/Llama-2-7b-hf").gated == "manual"
    assert base.weights == PARTIAL
    assert row.weights == PARTIAL
    assert row.judgments["weights"]["origin"] == "inferred"
    assert (row.training_data, row.training_code) == (base.training_data, base.training_code)
    assert row.judgments["training_data"]["origin"] == "inferred"
    assert row.license == strictest([own_license_grade(AIModel.objects.get(pk=row.model_id)), base.license])


def test_an_adapter_whose_base_is_named_only_in_a_command_and_deleted(crawled):
    model = AIModel.objects.get(repo_id="tloen/alpaca-lora-7b")
    assert model.weight_files == ["adapter_model.bin"]
    # v2: the card's text names the base (in its fine-tuning command); that base left the Hub
    assert bases_of(model.repo_id) == [("decapoda-research/llama-7b-hf", "adapter")]
    row = score(model.repo_id)
    assert row.is_derivative
    assert row.weights == PARTIAL  # only the adapter is published; the full weights are not shown to be open
    assert row.license == UNKNOWN
    assert "decapoda-research/llama-7b-hf" in row.judgments["training_data"]["rationale"]


def test_a_fine_tune_of_a_fine_tune(crawled):
    ultra, sft = "BramVanroy/GEITje-7B-ultra", "BramVanroy/GEITje-7B-ultra-sft"
    assert bases_of(ultra) == [(sft, "finetune")]
    assert bases_of(sft) == [("Rijgersberg/GEITje-7B", "finetune")]
    model = AIModel.objects.get(repo_id=ultra)
    facts = facts_builder.build_facts([model.pk])[0][model.pk]
    own_data, _, _ = data_part(facts)
    own_code, _, _ = code_part(facts, derivative=True)
    row, parent = score(ultra), score(sft)
    assert row.training_data == mean_level([parent.training_data, own_data])
    assert row.training_code == mean_level([parent.training_code, own_code])
    assert row.license == strictest([own_license_grade(model), parent.license]) == CLOSED  # CC-BY-NC-4.0
    grandparent = score("Rijgersberg/GEITje-7B")
    sft_model = AIModel.objects.get(repo_id=sft)
    sft_own, _, _ = data_part(facts_builder.build_facts([sft_model.pk])[0][sft_model.pk])
    assert parent.training_data == mean_level([grandparent.training_data, sft_own])


def test_a_merge_was_trained_on_its_bases_data(crawled):
    merge = "Trisert/nerde-14B"
    assert bases_of(merge) == [
        ("HuggingFaceH4/zephyr-7b-beta", "merge"),
        ("Nexusflow/Starling-LM-7B-beta", "merge"),
    ]
    row = score(merge)
    parents = [score(repo_id) for repo_id, _ in bases_of(merge)]
    assert row.training_data == strictest([p.training_data for p in parents])
    model = AIModel.objects.get(repo_id=merge)
    own_code, _, _ = code_part(facts_builder.build_facts([model.pk])[0][model.pk], derivative=True)
    assert row.training_code == mean_level([strictest([p.training_code for p in parents]), own_code])
    assert model.license_declared == []
    assert row.license == CLOSED
    assert row.weights == OPEN  # its own merged weights, ungated; a merge is not an adapter


# --- spot checks: only what the snapshot's facts decide -------------------------------------------
def test_gated_models_have_partial_weights(crawled):
    gated = AIModel.objects.filter(
        is_placeholder=False, private=False, disabled=False, missing_since=None
    ).exclude(gated="")
    checked = 0
    for model in gated:
        if model.weight_files or model.weight_formats:
            assert score(model.repo_id).weights == PARTIAL, model.repo_id
            checked += 1
    assert checked >= 10
    assert score("meta-llama/Llama-3.1-8B").weights == PARTIAL
    assert score("google/gemma-3-27b-pt").weights == PARTIAL  # a click-through gate is still a gate


def test_a_base_models_license_is_the_grade_of_what_it_declares(crawled):
    checked = 0
    for model in AIModel.objects.filter(is_placeholder=False, base_edges__isnull=True):
        row = score(model.repo_id)
        if row.is_derivative:  # adapter weights without a named base: see the adapter test
            continue
        assert row.license == own_license_grade(model), model.repo_id
        checked += 1
    assert checked >= 50
    for repo_id, level in [
        ("CohereLabs/c4ai-command-r-v01", CLOSED),
        ("facebook/musicgen-stereo-melody-large", CLOSED),
        ("black-forest-labs/FLUX.1-dev", CLOSED),
        ("meta-llama/Llama-4-Maverick-17B-128E", PARTIAL),
        ("allenai/OLMo-7B", OPEN),
        ("deepseek-ai/DeepSeek-V3", PARTIAL),  # v2: no tag, but the card links the DeepSeek model licence
    ]:
        assert score(repo_id).license == level, repo_id


def test_a_derivatives_license_is_never_more_permissive_than_its_base(crawled):
    checked = 0
    for model in AIModel.objects.filter(base_edges__isnull=False).distinct():
        parents = [score(repo_id) for repo_id, _ in bases_of(model.repo_id)]
        base_level, own = strictest([p.license for p in parents]), own_license_grade(model)
        row = score(model.repo_id)
        if base_level != UNKNOWN or own == CLOSED:
            assert row.license == strictest([own, base_level]), model.repo_id
        conflict = (
            own in (OPEN, PARTIAL) and base_level in (PARTIAL, CLOSED) and POINTS[own] > POINTS[base_level]
        )
        assert row.has_license_conflict == conflict, model.repo_id
        checked += 1
    assert checked >= 20


def test_ungated_models_with_weight_files_have_open_weights(crawled):
    checked = 0
    for model in AIModel.objects.filter(
        is_placeholder=False,
        gated="",
        private=False,
        disabled=False,
        missing_since=None,
        base_edges__isnull=True,
    ):
        if model.weight_files and not all(f.startswith("adapter_model") for f in model.weight_files):
            assert score(model.repo_id).weights == OPEN, model.repo_id
            checked += 1
    assert checked >= 20


# --- bad input through the catalog -------------------------------------------------------------
def test_a_lineage_cycle_scores_unknown_with_the_reason():
    a = AIModel.objects.create(
        repo_id="cycle/a", name="a", license_declared=["mit"], weight_formats=["safetensors"]
    )
    b = AIModel.objects.create(
        repo_id="cycle/b", name="b", license_declared=["mit"], weight_formats=["safetensors"]
    )
    LineageEdge.objects.create(child=a, parent=b, relation="finetune", origin="card")
    LineageEdge.objects.create(child=b, parent=a, relation="finetune", origin="card")
    report = rescore(model_ids=[a.pk])
    assert (report.scored, report.cycles) == (2, 2)
    for model in (a, b):
        row = score(model.repo_id)
        assert (row.training_data, row.training_code, row.license) == (UNKNOWN, UNKNOWN, UNKNOWN)
        assert "cycle" in row.judgments["license"]["rationale"]
        assert row.weights == OPEN


def test_a_dataset_named_twice_in_different_spellings_is_linked_once(tiny_hub):
    hub = tiny_hub.hub
    hub.add_model(
        {
            "id": "dup/model",
            "cardData": {"license": "mit", "datasets": ["Org/Set", "org/set"]},
            "tags": ["dataset:ORG/SET", "license:mit"],
            "siblings": [{"rfilename": "model.safetensors"}],
        },
        readme="Trained on [our data](https://huggingface.co/datasets/org/SET).\n",
    )
    hub.add_dataset({"id": "Org/Set", "cardData": {"license": "mit"}, "tags": ["license:mit"]})
    crawl.discover(mode=crawl.FULL)
    model = AIModel.objects.get(repo_id="dup/model")
    result = crawl.model_crawl(model=model, force=True)
    assert result.status == "crawled"
    links = ModelDataset.objects.filter(model=model).select_related("dataset")
    assert [link.dataset.repo_id for link in links] == ["Org/Set"]
    for dataset in Dataset.objects.filter(pk__in=result.dataset_ids):
        crawl.dataset_crawl(dataset=dataset)
    rescore(model_ids=[model.pk])
    row = score("dup/model")
    assert row.training_data == OPEN
    assert "names 1 dataset" in row.judgments["training_data"]["rationale"]
