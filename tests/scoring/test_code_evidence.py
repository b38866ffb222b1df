"""Training-code evidence beyond a repository's root tree (methodology v2 section 3).

The model repository's own training script, a framework config named by the model's size in
its own organisation's framework, a monorepo linked through one sub-folder, and a derivative
linking its base's pretraining repository."""

from __future__ import annotations

import json
from dataclasses import replace

from catalog.sources.links import card_recipe
from scoring.facts import (
    _recipes_linked,
    family_recipe,
    folder_recipe,
    linked_branch,
    linked_subfolders,
    model_family,
    own_code_repo,
    recipes_for,
    subfolder_repo,
)
from scoring.levels import CLOSED, OPEN, PARTIAL, UNKNOWN
from scoring.rubric import EvidenceRef, PointedRecipe, RepoFact, code_part, judge_code
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


# --- rules version 5: a branch the card links, a folder it points to, a config it prints ----------
def _fairseq_branch(name: str) -> list[str]:
    record = json.loads((SNAPSHOT_DIR / "github" / "facebookresearch" / "fairseq.json").read_text("utf-8"))
    return record["branches"][name]["tree"]


def _fairseq(**changes) -> RepoFact:
    return replace(repo("facebookresearch/fairseq", "training", spdx="MIT"), framework=True, **changes)


def test_the_model_family():
    assert model_family("facebook/nllb-200-distilled-600M") == "nllb"
    assert model_family("Intel/neural-chat-7b-v3-3") == "neuralchat"
    assert model_family("Qwen/Qwen2.5-7B") == "qwen"
    assert model_family("mosaicml/mpt-7b") == ""  # too short to find in a path


def test_a_framework_branch_named_for_the_family_holds_the_models_recipe():
    """fairseq's branch nllb (the card's github.com/facebookresearch/fairseq/tree/nllb): its
    examples/nllb/modeling/train/ is the NLLB recipe; main has none, and the examples/ folder is
    usage for the tree's own classification."""
    nllb = _fairseq_branch("nllb")
    assert recipes_for("facebook/nllb-200-distilled-600M", snapshot_tree("facebookresearch/fairseq")) == ()
    assert family_recipe(snapshot_tree("facebookresearch/fairseq"), "nllb") == ()  # main: no recipe
    found = family_recipe(nllb, "nllb")
    assert found[0] == "examples/nllb/modeling/train/train_script.py"
    assert "examples/nllb/modeling/train/conf/base_config.yaml" in found
    branch = linked_branch(["nllb"], "main", {"nllb": {"status": "read", "paths": nllb}})
    assert branch[0] == "nllb"
    assert branch[2] == []
    fact = _recipes_linked(
        _fairseq(),
        "facebook/nllb-200-distilled-600M",
        tree=snapshot_tree("facebookresearch/fairseq"),
        default_branch="main",
        branch=branch,
        pointers=[],
        card_recipe=None,
        bases=set(),
    )
    assert fact.recipe_paths[0] == "examples/nllb/modeling/train/train_script.py on branch nllb"
    level, reason, _ = code_part(facts(repos=(fact,)), derivative=True)
    assert level == OPEN
    assert "on branch nllb" in reason
    # a branch not named for the model's family is no recipe of it; an unread branch, main stands
    other = linked_branch(["nllb"], "main", {"nllb": {"status": "read", "paths": nllb}})
    assert (
        _recipes_linked(
            _fairseq(),
            "org/opus-mt-4b",
            tree=[],
            default_branch="main",
            branch=other,
            pointers=[],
            card_recipe=None,
            bases=set(),
        ).recipe_paths
        == ()
    )
    assert linked_branch(["nllb"], "main", {"nllb": {"status": "missing"}}) == ("", [], [])
    assert linked_branch(["main/e5"], "main", {"nllb": {"status": "read", "paths": nllb}}) == ("", [], [])


def test_a_framework_folder_the_card_points_to_for_reproducing_the_model_is_its_recipe():
    """Intel/neural-chat-7b-v3-3 and -v3-1 link .../examples/finetuning/finetune_neuralchat_v3
    under 'Reproduce the model'; the folder names the family and holds the fine-tuning script."""
    tree = snapshot_tree("intel/intel-extension-for-transformers")
    folder = "intel_extension_for_transformers/neural_chat/examples/finetuning/finetune_neuralchat_v3"
    assert folder_recipe(tree, folder)[0] == f"{folder}/finetune_neuralchat_v3.py"
    itrex = replace(repo("intel/intel-extension-for-transformers", "training"), framework=True)
    pointed = {
        "tree": tree,
        "default_branch": "main",
        "branch": ("", [], []),
        "card_recipe": None,
        "bases": set(),
    }
    fact = _recipes_linked(itrex, "Intel/neural-chat-7b-v3-3", pointers=[f"main/{folder}"], **pointed)
    assert fact.recipe_paths[0] == f"{folder}/finetune_neuralchat_v3.py"
    assert code_part(derivative(repos=(fact,)), derivative=True)[0] == OPEN
    # a folder not named for the model's family (another example beside it) is usage
    dpo = "intel_extension_for_transformers/neural_chat/examples/finetuning/dpo_pipeline"
    assert _recipes_linked(itrex, "Intel/neural-chat-7b-v3-3", pointers=[f"main/{dpo}"], **pointed) == itrex
    # another model's family: usage
    assert _recipes_linked(itrex, "org/zephyr-7b", pointers=[f"main/{folder}"], **pointed) == itrex


def test_a_training_config_printed_in_the_card_is_the_recipe_for_the_framework_it_links():
    """BramVanroy/GEITje-7B-ultra prints its alignment-handbook DPO config, starting from its
    base BramVanroy/GEITje-7B-ultra-sft; the handbook (Apache-2.0) holds scripts/dpo.py."""
    text = (SNAPSHOT_DIR / "models" / "BramVanroy" / "GEITje-7B-ultra.README.md").read_text("utf-8")
    printed = card_recipe(text)
    assert printed == {"base": "BramVanroy/GEITje-7B-ultra-sft", "keys": ["dataset_mixer"]}
    assert card_recipe("```yaml\nmodel_name_or_path: org/base\n```\n") is None  # no training key
    handbook = replace(repo("huggingface/alignment-handbook", "finetuning"), framework=True)
    kwargs = {
        "tree": [],
        "default_branch": "main",
        "branch": ("", [], []),
        "pointers": [],
        "card_recipe": printed,
    }
    fact = _recipes_linked(
        handbook, "BramVanroy/GEITje-7B-ultra", bases={"bramvanroy/geitje-7b-ultra-sft"}, **kwargs
    )
    assert fact.card_recipe == "model_name_or_path BramVanroy/GEITje-7B-ultra-sft"
    level, reason, _ = code_part(derivative(repos=(fact,)), derivative=True)
    assert level == OPEN
    assert "prints its training config" in reason
    # a config starting from another model than this model's base is not its recipe
    assert _recipes_linked(handbook, "org/other", bases={"org/base"}, **kwargs) == handbook
    closed = replace(handbook, license_open=False, license_spdx="")
    assert code_part(derivative(repos=(replace(closed, card_recipe="x"),)), derivative=True)[0] == PARTIAL


def test_configs_run_by_an_open_frameworks_program_are_the_models_open_recipe():
    """LLM360/CrystalCoder: crystalcoder-train (Apache-2.0) holds only fine-tuning code by name, but
    its README pretrains with Cerebras/modelzoo's run.py (Apache-2.0) and its own params.yaml."""
    run = PointedRecipe(
        repository="cerebras/modelzoo",
        path="pretrain/params/phase1/params.yaml",
        kind="pretraining",
        license_spdx="Apache-2.0",
        license_open=True,
        runs="modelzoo/transformers/pytorch/gpt3/run.py",
    )
    train = repo("llm360/crystalcoder-train", "finetuning")
    assert code_part(facts(repos=(train,)), derivative=False)[0] == PARTIAL
    level, reason, _ = code_part(facts(repos=(replace(train, framework_run=run),)), derivative=False)
    assert level == OPEN
    assert "pretrain/params/phase1/params.yaml" in reason
    unlicensed = replace(run, license_open=None, license_spdx="Apache-2.0 and no licence")
    assert code_part(facts(repos=(replace(train, framework_run=unlicensed),)), derivative=False)[0] == PARTIAL
    finetune_only = replace(run, kind="finetuning")
    assert (
        code_part(facts(repos=(replace(train, framework_run=finetune_only),)), derivative=False)[0] == PARTIAL
    )
