"""Bases a card names by a plain name, resolved through the Hub's listing (issue 11, v2 §4 and §6).

Through the real client against the stand-in, which answers ``GET /api/models?author=&search=``
as the Hub does (huggingface_hub ``list_models``: ``search`` is a substring of the id, matched
without regard to case). Exactly one repository of the model's own organisation resolves the name;
several keep the name and make the base part unknown with the name shown; none is no lineage.
"""

from __future__ import annotations

import pytest

from catalog import choices
from catalog.ingest import crawl
from catalog.models import Evidence, LineageEdge
from scoring.models import Score
from scoring.services import methodology_current, rescore

pytestmark = pytest.mark.django_db

FAMILY = "# {name}\n\n## Model Summary\n\n{sentence}\n\n## Training data\n\nThe public task mixture xP3.\n"


def _add(hub, repo_id: str, readme: str | None = None, **fields) -> None:
    hub.add_model(
        {
            "id": repo_id,
            "sha": "6" * 40,
            "cardData": {"license": "apache-2.0"},
            "tags": ["license:apache-2.0"],
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
            **fields,
        },
        readme=readme or f"# {repo_id}\n\nA model.\n",
    )


def _crawl(repo_id: str) -> crawl.ModelCrawlResult:
    return crawl.model_crawl(model=crawl.model_get_or_placeholder(repo_id))


def _bases(repo_id: str) -> list[str]:
    return list(LineageEdge.objects.filter(child__repo_id=repo_id).values_list("parent__repo_id", flat=True))


def _documentation(repo_id: str) -> dict:
    model = crawl.model_get_or_placeholder(repo_id)
    return Evidence.objects.get(
        subject_type=choices.SubjectType.MODEL,
        subject_id=model.pk,
        fact=choices.Fact.DOCUMENTATION,
        origin=choices.EvidenceOrigin.CRAWLED,
    ).value


def test_a_family_card_resolves_each_members_base_in_its_own_organisation(tiny_hub):
    for repo_id in ("fam/bloom", "fam/bloom-7b1", "fam/bloomz-7b1"):
        _add(tiny_hub.hub, repo_id)
    sentence = "BLOOMZ and mT0 are BLOOM and mT5 checkpoints finetuned on the task mixture xP3."
    _add(tiny_hub.hub, "fam/bloomz", FAMILY.format(name="BLOOMZ", sentence=sentence))
    _add(tiny_hub.hub, "fam/mt0-xxl", FAMILY.format(name="mT0", sentence=sentence))
    _crawl("fam/bloomz")
    _crawl("fam/mt0-xxl")
    assert _bases("fam/bloomz") == ["fam/bloom"]  # BLOOMZ is paired with BLOOM, the one exact name
    assert _bases("fam/mt0-xxl") == []  # mT5 is no model of this organisation: no lineage, no guess
    assert _documentation("fam/mt0-xxl")["base_names_unresolved"] == []


def test_a_family_name_is_completed_with_the_models_own_size(tiny_hub):
    for repo_id in ("meta/opt-1.3b", "meta/opt-30b"):
        _add(tiny_hub.hub, repo_id)
    sentence = "OPT-IML models are OPT checkpoints fine-tuned on OPT-IML Bench."
    _add(tiny_hub.hub, "meta/opt-iml-max-30b", FAMILY.format(name="OPT-IML", sentence=sentence))
    before = tiny_hub.stats["list"]
    _crawl("meta/opt-iml-max-30b")
    assert tiny_hub.stats["list"] - before == 1  # one listing request for the name
    assert _bases("meta/opt-iml-max-30b") == ["meta/opt-30b"]


def test_an_ambiguous_name_leaves_the_base_unknown_with_the_name_shown(tiny_hub):
    for repo_id in ("meta/opt-1.3b", "meta/opt-30b"):
        _add(tiny_hub.hub, repo_id)
    sentence = "OPT-IML models are OPT checkpoints fine-tuned on OPT-IML Bench."
    _add(tiny_hub.hub, "meta/opt-iml-max", FAMILY.format(name="OPT-IML", sentence=sentence))
    _crawl("meta/opt-iml-max")
    assert _bases("meta/opt-iml-max") == []
    assert _documentation("meta/opt-iml-max")["base_names_unresolved"] == ["OPT"]
    model = crawl.model_get_or_placeholder("meta/opt-iml-max")
    rescore(model_ids=[model.pk])
    score = Score.objects.select_related("detail").get(model=model, methodology=methodology_current())
    data = score.detail.judgments["training_data"]
    assert data["level"] == "unknown"
    assert "'OPT' (named in the card" in data["rationale"]


def test_names_are_matched_without_regard_to_case_and_the_hubs_spelling_is_kept(tiny_hub):
    _add(tiny_hub.hub, "Org/Amber")
    sentence = "AmberChat models are AMBER checkpoints fine-tuned on chat data."
    _add(tiny_hub.hub, "Org/AmberChat", FAMILY.format(name="AmberChat", sentence=sentence))
    _crawl("Org/AmberChat")
    assert _bases("Org/AmberChat") == ["Org/Amber"]


def test_the_lookups_per_card_are_capped(tiny_hub, settings):
    settings.CRAWL_MAX_BASE_NAMES_RESOLVED = 0
    _add(tiny_hub.hub, "fam/bloom")
    sentence = "BLOOMZ and mT0 are BLOOM and mT5 checkpoints finetuned on the task mixture xP3."
    _add(tiny_hub.hub, "fam/bloomz", FAMILY.format(name="BLOOMZ", sentence=sentence))
    before = tiny_hub.stats["list"]
    result = _crawl("fam/bloomz")
    assert tiny_hub.stats["list"] == before
    assert _bases("fam/bloomz") == []
    assert "base name 'BLOOM' not looked up" in result.message


def test_a_card_read_with_older_rules_is_read_again_though_its_commit_did_not_change(tiny_hub):
    _add(tiny_hub.hub, "fam/plain")
    assert _crawl("fam/plain").status == choices.CrawlOutcome.CRAWLED
    assert _crawl("fam/plain").status == choices.CrawlOutcome.UNCHANGED
    model = crawl.model_get_or_placeholder("fam/plain")
    row = Evidence.objects.get(subject_id=model.pk, fact=choices.Fact.DOCUMENTATION)
    row.value = {**row.value, "card_rules": "1"}
    row.save()
    assert _crawl("fam/plain").status == choices.CrawlOutcome.CRAWLED
    assert _documentation("fam/plain")["card_rules"] == crawl.CARD_RULES_VERSION


def test_a_base_id_spelled_in_another_case_is_the_catalogued_model(tiny_hub):
    _add(tiny_hub.hub, "Org/Amber-7B")
    _crawl("Org/Amber-7B")
    _add(tiny_hub.hub, "Org/AmberSafe", "# AmberSafe\n\n- **Finetuned from model:** org/amber-7b\n")
    _crawl("Org/AmberSafe")
    assert _bases("Org/AmberSafe") == ["Org/Amber-7B"]  # one base, not a second placeholder
    assert not crawl.AIModel.objects.filter(repo_id="org/amber-7b").exists()
