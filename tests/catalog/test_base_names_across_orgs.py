"""Bases a card names in prose by family, version and size, resolved across organisations
(card-reading rules 4, methodology v2 rule 14).

The cards are the snapshot's own (WizardLM-13B-V1.2 says its base is "Llama-2 13b",
StableBeluga2 that it was "fine-tuned on Llama2 70B", vicuna-13b-v1.5 only "Llama 2"); the
catalogue is either the real snapshot crawled through the stand-in or the few real ids a case
needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import choices
from catalog.ingest.lineage_text import base_name_resolution, name_words
from catalog.models import AIModel, Evidence, LineageEdge
from catalog.sources.links import CARD_RULES_VERSION, extract_links
from tests.scoring.test_rescore import crawled, score  # noqa: F401  (the snapshot, crawled once)

SNAPSHOT = Path(__file__).resolve().parents[2] / "standin" / "snapshot" / "models"


def _card(repo_id: str):
    return extract_links((SNAPSHOT / f"{repo_id}.README.md").read_text(encoding="utf-8"))


def test_the_rules_version_says_bases_are_read_across_organisations():
    assert int(CARD_RULES_VERSION) >= 4


def test_names_are_compared_by_family_version_and_size():
    assert name_words("Llama-2 13b") == name_words("Llama 2 13B") == ["llama", "2", "13b"]
    assert name_words("Llama2 70B") == ["llama", "2", "70b"]


def test_the_cards_state_their_bases_with_the_sentence_that_says_it():
    wizard = _card("WizardLMTeam/WizardLM-13B-V1.2")
    assert wizard.base_names == ["Llama-2 13b"]
    assert wizard.base_name_where["Llama-2 13b"] == {"heading": "", "sentence": 1, "says": "trained from"}
    beluga = _card("stabilityai/StableBeluga2")
    assert beluga.base_names == []
    assert beluga.base_names_after_on == ["Llama2 70B"]
    assert beluga.base_name_where["Llama2 70B"]["heading"] == "Model Details"
    assert beluga.base_name_where["Llama2 70B"]["says"] == "fine-tuned on"
    assert _card("lmsys/vicuna-13b-v1.5").base_names == ["Llama 2"]


def _catalogue(*repo_ids: str) -> None:
    for repo_id in repo_ids:
        AIModel.objects.create(repo_id=repo_id, name=repo_id.split("/", 1)[1])


@pytest.mark.django_db
def test_only_the_one_base_repository_of_that_name_matches():
    _catalogue(
        "meta-llama/Llama-2-13b-hf",
        "meta-llama/Llama-2-13b-chat-hf",
        "TheBloke/Llama-2-13B-GPTQ",
        "meta-llama/Llama-2-7b-hf",
    )
    found = base_name_resolution("Llama-2 13b", repo_id="WizardLMTeam/WizardLM-13B-V1.2")
    assert found is not None
    assert found.repo_id == "meta-llama/Llama-2-13b-hf"
    assert found.how == "family, version and size"


@pytest.mark.django_db
def test_a_mirror_beside_the_original_leaves_the_base_unresolved():
    _catalogue("meta-llama/Llama-2-13b-hf", "NousResearch/Llama-2-13b-hf")
    assert base_name_resolution("Llama-2 13b", repo_id="WizardLMTeam/WizardLM-13B-V1.2") is None


@pytest.mark.django_db
def test_a_family_name_without_a_size_is_not_completed_across_organisations():
    _catalogue("meta-llama/Llama-2-13b-hf")
    assert base_name_resolution("Llama 2", repo_id="lmsys/vicuna-13b-v1.5") is None


@pytest.mark.django_db
def test_a_linked_model_of_the_same_family_and_size_is_what_the_card_means():
    _catalogue("EleutherAI/pythia-12b")
    linked = ["EleutherAI/pythia-12b-deduped"]
    assert base_name_resolution("Pythia 12B", repo_id="OpenAssistant/x", linked_models=linked) is None
    assert base_name_resolution("Pythia 12B", repo_id="OpenAssistant/x").repo_id == "EleutherAI/pythia-12b"


@pytest.mark.django_db
def test_a_name_the_card_gives_as_its_dataset_is_not_a_base():
    _catalogue("someone/SlimPajama-627B")
    datasets = ["cerebras/SlimPajama-627B"]
    assert base_name_resolution("SlimPajama-627B", repo_id="x/y", dataset_names=datasets) is None


def _edges(repo_id: str) -> list[tuple[str, str]]:
    return list(LineageEdge.objects.filter(child__repo_id=repo_id).values_list("parent__repo_id", "origin"))


def _documentation(repo_id: str) -> dict:
    return Evidence.objects.get(
        subject_type=choices.SubjectType.MODEL,
        subject_id=AIModel.objects.get(repo_id=repo_id).pk,
        fact=choices.Fact.DOCUMENTATION,
        origin=choices.EvidenceOrigin.CRAWLED,
    ).value


@pytest.mark.django_db
def test_the_snapshot_bases_named_in_prose_resolve_to_meta_llamas_repositories(crawled):  # noqa: F811
    assert _edges("WizardLMTeam/WizardLM-13B-V1.2") == [("meta-llama/Llama-2-13b-hf", "readme")]
    assert _edges("stabilityai/StableBeluga2") == [("meta-llama/Llama-2-70b-hf", "readme")]
    resolved = _documentation("WizardLMTeam/WizardLM-13B-V1.2")["base_name_resolved"]
    assert resolved == {
        "name": "Llama-2 13b",
        "repo_id": "meta-llama/Llama-2-13b-hf",
        "matched_by": "family, version and size",
        "heading": "",
        "sentence": 1,
        "says": "trained from",
        "origin": "card text",
    }
    wizard = score("WizardLMTeam/WizardLM-13B-V1.2")
    assert (wizard.training_data, wizard.training_code, wizard.license) == ("closed", "closed", "partial")
    assert "named 'Llama-2 13b' in the card's text" in wizard.detail.judgments["training_data"]["rationale"]
    beluga = score("stabilityai/StableBeluga2")
    assert beluga.training_data == "closed"
    assert (
        "named 'Llama2 70B' in the card's text, sentence 5 under 'Model Details'"
        in (beluga.detail.judgments["training_code"]["rationale"])
    )


@pytest.mark.django_db
def test_the_snapshot_names_that_stay_unresolved(crawled):  # noqa: F811
    # "Llama 2" without a size: the base part stays unknown with the name shown
    assert _edges("lmsys/vicuna-13b-v1.5") == []
    assert _documentation("lmsys/vicuna-13b-v1.5")["base_names_unresolved"] == ["Llama 2"]
    assert score("lmsys/vicuna-13b-v1.5").training_code == "unknown"
    # "a Pythia 12B model (see pythia-12b-deduped)": not the catalogued EleutherAI/pythia-12b
    assert _edges("OpenAssistant/pythia-12b-sft-v8-7k-steps") == []
    # "trained on SlimPajama-627B" names the data it links, not a model
    assert _edges("cerebras/btlm-3b-8k-base") == []
