"""Training-code evidence beyond a repository's root tree (methodology v2 section 3).

The model repository's own training script, a framework config named by the model's size in
its own organisation's framework, a monorepo linked through one sub-folder, and a derivative
linking its base's pretraining repository."""

from __future__ import annotations

import json
from dataclasses import replace

from scoring.facts import linked_subfolders, own_code_repo, recipes_for, subfolder_repo
from scoring.levels import CLOSED, OPEN, PARTIAL, UNKNOWN
from scoring.rubric import EvidenceRef, RepoFact, code_part, judge_code
from standin.hub import SNAPSHOT_DIR
from tests.scoring.test_rubric import base, derivative, facts, lic, repo


def snapshot_tree(full_name: str) -> list[str]:
    return json.loads((SNAPSHOT_DIR / "github" / f"{full_name}.json").read_text(encoding="utf-8"))["tree"]


# --- the model repository's own training script --------------------------------------------------
SENTENCE_TRANSFORMER_FILES = ["train_script.py"]  # all-mpnet-base-v2's code sibling
DOC = EvidenceRef("documentation", "model:sentence-transformers/x", "https://hf.co/x", "abc123", "2026-12-05")


def test_a_training_script_among_the_models_files_is_code_evidence():
    own = own_code_repo("sentence-transformers/x", SENTENCE_TRANSFORMER_FILES, lic("apache-2.0"), DOC)
    assert own is not None
    assert own.classification == "training"
    assert own.hub_files == ("train_script.py",)
    assert own.license_open is True
    assert own.evidence.source_url.endswith("/sentence-transformers/x/blob/abc123/train_script.py")
    # the own part of a fine-tune over a closed base: open own, closed base -> partial
    judgment = judge_code(derivative(repos=(own,)), [base(code=CLOSED)])
    assert judgment.level == PARTIAL
    assert "train_script.py" in judgment.rationale


def test_model_files_without_a_training_entry_point_are_no_code_evidence():
    for files in (["sample_finetune.py"], ["handler.py", "modeling_x.py"], []):
        assert own_code_repo("org/x", files, lic("apache-2.0"), DOC) is None


def test_an_own_training_script_under_a_restrictive_licence_is_partial():
    own = own_code_repo("org/x", ["train.py"], lic("cc-by-nc-4.0"), DOC)
    assert code_part(facts(repos=(own,)), derivative=False)[0] == PARTIAL
    unknown = own_code_repo("org/x", ["train.py"], None, None)
    assert unknown.license_open is None


# --- a framework's config named by the model's size ----------------------------------------------
def test_the_orgs_own_framework_config_named_by_size_is_the_recipe():
    tree = snapshot_tree("EleutherAI/gpt-neox")
    assert recipes_for("EleutherAI/gpt-neox-20b", tree, "eleutherai/gpt-neox") == ("configs/20B.yml",)
    # another organisation's model of the same size: usage, no recipe
    assert recipes_for("someone/gpt-neox-20b-chat", tree, "eleutherai/gpt-neox") == ()
    # a size config in a sub-folder of another family is not this model's
    assert "configs/llama2/13B.yml" not in recipes_for("EleutherAI/model-13b", tree, "eleutherai/gpt-neox")
    assert recipes_for("EleutherAI/pythia-6.9b", tree, "eleutherai/gpt-neox") == ("configs/pythia/6-9B.yml",)


def test_a_size_config_makes_the_framework_count():
    neox = RepoFact(
        "eleutherai/gpt-neox",
        "available",
        "training",
        "Apache-2.0",
        True,
        framework=True,
        recipe_paths=("configs/20B.yml",),
    )
    level, reason, _ = code_part(facts(repos=(neox,)), derivative=False)
    assert level == OPEN
    assert "configs/20B.yml" in reason


# --- a monorepo linked through one sub-folder ----------------------------------------------------
def test_only_the_linked_sub_folder_of_a_monorepo_is_classified():
    assert linked_subfolders(["master/e5"], "master") == ["e5"]
    assert linked_subfolders(["Muennighoff/MoE"], "main") == []  # a branch, not a folder
    assert linked_subfolders(["master/e5", "dev/e5"], "master") == []
    unilm = repo("microsoft/unilm", "training", spdx="MIT")
    scoped = subfolder_repo(unilm, snapshot_tree("microsoft/unilm"), ["e5"])
    assert scoped.full_name == "microsoft/unilm/e5"
    assert scoped.classification == "inference"  # evaluation scripts and helpers only
    assert scoped.has_evaluation
    assert code_part(facts(repos=(scoped,)), derivative=False)[0] == CLOSED
    assert code_part(facts(repos=(unilm,)), derivative=False)[0] == OPEN  # the whole monorepo


# --- a derivative linking its base's pretraining repository --------------------------------------
def test_the_bases_pretraining_repository_is_not_the_derivatives_own_code():
    shared = replace(repo("langtech-bsc/salamandra"), base_code=True)
    level, reason, _ = code_part(derivative(repos=(shared,)), derivative=True)
    assert level == CLOSED
    assert "base's pretraining code" in reason
    assert judge_code(derivative(repos=(shared,)), [base(code=OPEN)]).level == PARTIAL
    # for a base model the same repository is its own training code
    assert code_part(facts(repos=(shared,)), derivative=False)[0] == OPEN
    assert judge_code(derivative(repos=(shared,)), [base(UNKNOWN)]).level == UNKNOWN


# --- a derivative with several stages, only some of them published ------------------------------
def test_a_stage_the_card_names_without_a_script_makes_the_own_part_partial():
    from scoring.facts import stages_missing

    tree = snapshot_tree("jzhang38/TinyLlama")  # sft/finetune.py, no DPO script
    assert stages_missing(["sft", "dpo"], tree) == ("dpo",)
    assert stages_missing(["sft"], tree) == ()
    assert stages_missing(["sft", "dpo"], ["scripts/run_sft.py", "recipes/x/dpo/config_full.yaml"]) == ()
    assert stages_missing(["dpo"], ["tests/test_dpo.py", "README.md"]) == ("dpo",)  # a test is no stage
    tinyllama = replace(repo("jzhang38/tinyllama"), missing_stages=("dpo",))
    level, reason, _ = code_part(derivative(repos=(tinyllama,)), derivative=True)
    assert level == PARTIAL
    assert "DPO stage" in reason
    assert judge_code(derivative(repos=(tinyllama,)), [base(OPEN)]).level == PARTIAL
    # a base model's own pretraining code is not judged by a derivative's stages
    assert code_part(facts(repos=(tinyllama,)), derivative=False)[0] == OPEN
