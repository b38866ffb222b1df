"""Training data named in the model's own linked repository's documentation (issue 11, v2)."""

from __future__ import annotations

from scoring.levels import OPEN, PARTIAL, UNKNOWN
from scoring.rubric import DATA, DatasetFact, EvidenceRef, data_part, judge_data
from tests.scoring.test_rubric import facts

DOC = "github.com/facebookresearch/dinov2 MODEL_CARD.md"
DOC_EVIDENCE = EvidenceRef(
    fact="repo_docs",
    subject="repository:facebookresearch/dinov2",
    source_url="https://github.com/facebookresearch/dinov2/blob/abc/MODEL_CARD.md",
)


def test_a_corpus_from_the_repositorys_model_card_is_named_and_the_rationale_says_where():
    named = DatasetFact("named/lvd-142m", "external", UNKNOWN, "", source=DOC)
    judgment = judge_data(facts(datasets=(named,), doc_evidence=(DOC_EVIDENCE,)), [])
    assert judgment.level == PARTIAL
    assert f"its linked repository's documentation ({DOC})" in judgment.rationale
    assert "lvd-142m (named in the documentation's text)" in judgment.rationale
    assert DOC_EVIDENCE in judgment.evidence
    assert judgment.details["from_repository_docs"] == {"named/lvd-142m": DOC}


def test_obtainable_datasets_from_the_docs_count_as_the_cards_would():
    web = DatasetFact("org/web", "available", OPEN, "ODC-BY", source=DOC)
    level, reason, _ = data_part(facts(datasets=(web,)))
    assert level == OPEN
    assert reason.startswith("names no dataset in its card, but its linked repository's documentation")


def test_card_named_datasets_keep_the_cards_wording_and_only_doc_ones_carry_a_source():
    web = DatasetFact("org/web", "available", OPEN, "ODC-BY", source="")
    level, reason, details = data_part(facts(datasets=(web,)))
    assert (level, reason.startswith("names 1 dataset")) == (OPEN, True)
    assert "from_repository_docs" not in details
    doc = DatasetFact("org/doc", "available", OPEN, "MIT", source=DOC)
    _, reason, details = data_part(facts(datasets=(web, doc)))
    assert reason.startswith("names 2 datasets")  # not all from the docs: the card's wording
    assert details["from_repository_docs"] == {"org/doc": DOC}


def test_a_data_repository_read_without_a_checkable_dataset_is_partial():
    level, reason, _ = data_part(facts(data_doc_repos=("org/data",), data_doc_repos_read=("org/data",)))
    assert level == PARTIAL
    assert "github.com/org/data" in reason


def test_a_data_repository_not_read_is_unknown():
    level, reason, _ = data_part(facts(data_doc_repos=("org/data",)))
    assert level == UNKNOWN
    assert "could not be read" in reason
    assert DATA == "training_data"


def _family(recipe):
    from scoring.rubric import RepoFact

    return RepoFact(
        full_name="org/family",
        status="available",
        classification="inference",
        license_spdx="Apache-2.0",
        license_open=True,
        pointed_recipe=recipe,
    )


def test_a_recipe_the_readme_points_to_under_an_open_licence_is_open_code():
    from scoring.rubric import CODE, PointedRecipe, judge_code

    recipe = PointedRecipe("org/recipes", "train/alpha.slurm", "pretraining", "Apache-2.0", True)
    judgment = judge_code(facts(repos=(_family(recipe),)), [])
    assert judgment.dimension == CODE
    assert judgment.level == OPEN
    assert "README of org/family points to the training recipe train/alpha.slurm in org/recipes" in (
        judgment.rationale
    )


def test_a_pointed_recipe_without_an_open_licence_or_only_fine_tuning_is_partial():
    from scoring.rubric import PointedRecipe, judge_code

    closed_licence = PointedRecipe("org/recipes", "train/alpha.slurm", "pretraining", "NOASSERTION", None)
    fine_tuning = PointedRecipe("org/recipes", "sft/alpha.sh", "finetuning", "MIT", True)
    assert judge_code(facts(repos=(_family(closed_licence),)), []).level == PARTIAL
    assert judge_code(facts(repos=(_family(fine_tuning),)), []).level == PARTIAL
