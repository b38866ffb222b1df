"""Methodology v2 on the card's text: training context, evaluation sets, lineage from prose."""

from __future__ import annotations

import pytest

from catalog.sources.huggingface.client import parse_base_models, parse_model
from catalog.sources.links import extract_links, strip_front_matter

CARD = """# Model card

- **Finetuned from model:** [mistralai/Mistral-7B-v0.1](https://huggingface.co/mistralai/Mistral-7B-v0.1)

## Training data
It was fine-tuned on [UltraChat](https://huggingface.co/datasets/HuggingFaceH4/ultrachat_200k).

## Evaluation
Scores on [MMLU](https://huggingface.co/datasets/cais/mmlu) and
[GSM8K](https://huggingface.co/datasets/openai/gsm8k).

## Other models in the family
[The 13B sibling](https://huggingface.co/org/sibling-13b) was trained on
[another set](https://huggingface.co/datasets/org/sibling-data) we compare against in benchmarks.

## Install
pip install git+https://github.com/huggingface/transformers
"""


def test_only_datasets_in_a_training_context_are_training_data():
    found = extract_links(CARD)
    assert found.hub_datasets == ["HuggingFaceH4/ultrachat_200k"]
    assert set(found.hub_datasets_other) == {"cais/mmlu", "openai/gsm8k", "org/sibling-data"}


def test_a_base_stated_in_the_card_text_is_found():
    assert extract_links(CARD).base_models == ["mistralai/Mistral-7B-v0.1"]


def test_a_base_in_a_comparison_section_is_not_lineage():
    text = "## Comparison\nOur model is based on nothing; compared with meta-llama/Llama-2-7b-hf it wins.\n"
    assert extract_links(text).base_models == []


def test_a_plain_based_on_without_an_id_states_no_base():
    assert extract_links("Based on the transformer architecture.").base_models == []


def test_a_collection_in_a_training_section_is_kept_for_expansion():
    text = "## Training data\nSee [the mix](https://huggingface.co/collections/allenai/tulu-3-datasets-673b8df14442393f7213f372)."
    assert extract_links(text).hub_collections == ["allenai/tulu-3-datasets-673b8df14442393f7213f372"]


def test_one_base_spelled_two_ways_is_one_base_not_a_merge():
    problems: list[str] = []
    bases = parse_base_models(
        {"base_model": "gpt2"}, ["base_model:finetune:openai-community/gpt2"], None, problems
    )
    assert [(b.repo_id, b.relation) for b in bases] == [("openai-community/gpt2", "finetune")]


def test_bases_differing_only_in_case_are_one_base():
    bases = parse_base_models({"base_model": ["Org/Model", "org/model"]}, [], None, [])
    assert len(bases) == 1


def test_a_dataset_written_as_a_url_counts_as_its_hub_id():
    record = parse_model(
        {"id": "org/m", "cardData": {"datasets": ["https://huggingface.co/datasets/allenai/dolma"]}}
    )
    assert record.datasets == ["allenai/dolma"]


def test_front_matter_after_a_bom_or_blank_lines_is_still_front_matter():
    assert strip_front_matter("\ufeff---\nlicense: mit\n---\nbody") == "body"
    assert strip_front_matter("\n\n---\nlicense: mit\n---\nbody") == "body"


def test_a_readme_that_links_200_repositories_keeps_the_cap_and_counts_the_rest():
    text = "\n".join(f"https://github.com/org/repo{i}" for i in range(200))
    found = extract_links(text, max_links=50)
    assert len(found.github_repos) == 50
    assert found.dropped == 150


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("- **Finetuned from model:** CodeLlama-7B", ["CodeLlama-7B"]),
        ("Vicuna is fine-tuned from Llama 2 with supervised instruction fine-tuning.", ["Llama 2"]),
        ("A derivative of Meta Llama-3.3-70B-Instruct (the reference model).", ["Llama-3.3-70B-Instruct"]),
        ("Trained from scratch on 2T tokens.", []),
        ("It is based on the transformer architecture.", []),
    ],
)
def test_a_base_named_without_an_id_is_kept_as_a_name(text, names):
    assert extract_links(text).base_names == names


@pytest.mark.django_db
def test_a_base_name_resolves_only_when_exactly_one_repository_matches():
    from catalog.ingest.lineage_text import base_name_resolve
    from catalog.models import AIModel

    AIModel.objects.create(repo_id="meta-llama/Llama-3.3-70B-Instruct", name="Llama-3.3-70B-Instruct")
    AIModel.objects.create(repo_id="codellama/CodeLlama-7b-hf", name="CodeLlama-7b-hf")
    AIModel.objects.create(repo_id="meta-llama/CodeLlama-7b-hf", name="CodeLlama-7b-hf")
    assert (
        base_name_resolve("Llama-3.3-70B-Instruct", exclude_repo_id="x/y")
        == "meta-llama/Llama-3.3-70B-Instruct"
    )
    assert base_name_resolve("CodeLlama-7b-hf", exclude_repo_id="x/y") is None  # two match: unknown
    assert base_name_resolve("Llama 2", exclude_repo_id="x/y") is None


def test_repositories_linked_as_help_pages_or_comparisons_are_not_the_models_code():
    text = (
        "# A model\n"
        "- [FAQ](https://github.com/vendor/toolkit/tree/main?tab=readme-ov-file#faq)\n"
        "- [WeChat](https://github.com/vendor/model-1.5/issues/2)\n\n"
        "## Training\n"
        "Our code: [train](https://github.com/us/train). Compared with "
        "[Other](https://github.com/someone/other-model) it is faster.\n"
    )
    links = extract_links(text)
    assert links.github_repos == ["us/train"]
    assert {"vendor/toolkit", "vendor/model-1.5", "someone/other-model"}.isdisjoint(links.github_repos)


@pytest.mark.parametrize(
    ("line", "base"),
    [
        (
            "Derived from EleutherAI's Pythia-12b (EleutherAI/pythia-12b) and fine-tuned on a corpus.",
            "EleutherAI/pythia-12b",
        ),
        (
            "Instruction-following version of [LLM360/Amber](https://huggingface.co/LLM360/Amber).",
            "LLM360/Amber",
        ),
        ("Instruction fine-tuned version of [Base](https://huggingface.co/org/Base-2407).", "org/Base-2407"),
    ],
)
def test_derived_from_and_version_of_state_a_base(line, base):
    assert extract_links(f"# M\n\n{line}\n").base_models == [base]


def test_a_dataset_derived_from_another_is_not_lineage():
    text = (
        "# M\n\nTraining data: org/dutch-set, a preference set derived from org/english_set (translated).\n"
    )
    assert extract_links(text).base_models == []


def test_a_repository_linked_for_the_training_data_is_data_documentation():
    text = "# M\n\n## Open resources\nTraining data reconstruction scripts at [repo](https://github.com/org/pretrain-data).\n"
    links = extract_links(text)
    assert links.data_doc_repos == ["org/pretrain-data"]
    assert (
        extract_links("# M\n\n## Usage\nSee [the code](https://github.com/org/infer).\n").data_doc_repos == []
    )


# --- training-code links: sub-folders and references (v2 section 3) -----------------------------
def test_a_repository_linked_only_through_a_sub_folder_is_about_that_folder():
    card = "Reproduce the results with [unilm/e5](https://github.com/microsoft/unilm/tree/master/e5).\n"
    links = extract_links(card)
    assert links.github_repos == ["microsoft/unilm"]
    assert links.github_subfolders == {"microsoft/unilm": ["master/e5"]}


def test_a_root_or_file_link_to_the_same_repository_means_the_whole_of_it():
    card = (
        "Training code: https://github.com/org/code/tree/main/train\n\n"
        "See also [the repository](https://github.com/org/code).\n\n"
        "Data: https://github.com/org/data/tree/main/raw and "
        "https://github.com/org/data/blob/main/README.md\n"
    )
    assert extract_links(card).github_subfolders == {}
    # a branch alone is not a folder: since card rules 5 its ref is recorded (the crawler reads
    # that branch's tree), and the scoring never takes it for a folder of the default branch
    assert extract_links("https://github.com/org/fork/tree/nllb\n").github_subfolders == {
        "org/fork": ["nllb"]
    }
    from scoring.facts import linked_subfolders

    assert linked_subfolders(["nllb"], "main") == []


def test_links_in_a_bibtex_entry_or_to_another_model_card_are_references():
    card = (
        "# Model\n\n## Usage\n\n```bibtex\n@misc{model2024,\n  title={Model},\n"
        "  howpublished={\\url{https://github.com/cited/paper-code}},\n}\n```\n\n"
        "Adapted from the [v1 card](https://github.com/compvis/sd/blob/main/Stable_Diffusion_v1_Model_Card.md).\n\n"
        "Code: https://github.com/org/own-code\n"
    )
    links = extract_links(card)
    assert links.github_repos == ["org/own-code"]
    assert "https://github.com/compvis/sd/blob/main/Stable_Diffusion_v1_Model_Card.md" in links.other_urls


def test_a_link_under_a_citation_heading_is_not_code():
    card = "# Model\n\n## Citation\n\n- [v1](https://github.com/compvis/sd/blob/main/README.md)\n"
    assert extract_links(card).github_repos == []


def test_training_stages_come_from_the_sentence_that_says_how_the_model_was_made():
    card = (
        "#### This Model\n\nChat model fine-tuned from [org/base-1b](https://huggingface.co/org/base-1b), "
        "with supervised fine-tuning on UltraChat, then alignment with TRL's `DPOTrainer` on UltraFeedback.\n"
    )
    assert extract_links(card).training_stages == ["sft", "dpo"]


@pytest.mark.parametrize(
    "card",
    [
        "Finetuned from model: allenai/OLMo-2-1124-13B-DPO.\n",  # "DPO" in the base's id
        "This model has not been fine-tuned from a chat model with RLHF.\n",  # a stage it skipped
        "Trained from scratch on public text, then SFT.\n",  # a base model
        "## Evaluation\n\nCompared with DPO models fine-tuned from Llama, it scores well.\n",  # no training
    ],
)
def test_stages_of_siblings_bases_or_negations_are_not_this_models(card):
    assert extract_links(card).training_stages == []


# --- issue 11: bases named in plain text, corpora named beyond the fixed list ----------------------


@pytest.mark.parametrize(
    ("text", "bases"),
    [
        (
            # a Hub id after "trained on" that the card links as a model is the base, not data
            "Roleplay model trained on mistralai/Mistral-Nemo-Instruct-2407 at 8K context.\n\n"
            "- [Mistral NeMo](https://huggingface.co/mistralai/Mistral-Nemo-Instruct-2407)\n",
            ["mistralai/Mistral-Nemo-Instruct-2407"],
        ),
        (
            "Trained on [Nemo Instruct](https://huggingface.co/mistralai/Mistral-Nemo-Instruct-2407) "
            "with stories.",
            ["mistralai/Mistral-Nemo-Instruct-2407"],
        ),
        # the same words before a dataset stay data
        ("Trained on org/story-set at 8K.\n\n- [set](https://huggingface.co/datasets/org/story-set)\n", []),
        # a bare id the card does not link as a model is not taken for one
        ("Trained on org/story-set at 8K context.", []),
        # the model is what follows the verb, not a link later in the sentence
        ("A model trained on the same sources as [Phi-1.5](https://huggingface.co/microsoft/phi-1_5).", []),
    ],
)
def test_a_model_after_trained_on_is_a_base(text, bases):
    assert extract_links(f"# M\n\n{text}").base_models == bases


@pytest.mark.parametrize(
    ("line", "candidates"),
    [
        (
            "BLOOMZ and mT0 are BLOOM and mT5 checkpoints finetuned on the task mixture xP3.",
            [("BLOOM", "BLOOMZ"), ("mT5", "mT0")],
        ),
        ("OPT-IML models are OPT checkpoints fine-tuned on OPT-IML Bench.", [("OPT", "OPT-IML")]),
        ("Our models are fine-tuned on public data.", []),
        ("The checkpoints were trained on 2T tokens.", []),
    ],
)
def test_models_named_before_checkpoints_fine_tuned_on_are_base_candidates(line, candidates):
    assert extract_links(f"# M\n\n## Model Summary\n\n{line}\n").base_name_candidates == candidates


@pytest.mark.parametrize(
    ("card", "named"),
    [
        (
            "## Training datasets\n\nLicensed music from the Meta Music Initiative Sound Collection, the "
            "Shutterstock music collection and the Pond5 music collection (not released).\n",
            [
                "Meta Music Initiative Sound Collection",
                "Shutterstock music collection",
                "Pond5 music collection",
            ],
        ),
        (
            "## Data\n\nImage-caption data from crawling websites and datasets such as "
            "[YFCC100M](http://projects.dfki.uni-kl.de/yfcc100m/).\n",
            ["YFCC100M"],
        ),
        (
            "Trained on Creative-Commons audio from Freesound and the Free Music Archive.",
            ["Freesound", "Free Music Archive"],
        ),
        (
            "## Training data\n\nOPT-IML Bench tasks assembled from benchmarks such as "
            "Super-NaturalInstructions, FLAN, PromptSource.\n",
            ["OPT-IML Bench", "Super-NaturalInstructions", "FLAN", "PromptSource"],
        ),
        # vague descriptions name nothing
        ("## Training data\n\nPublicly available data from the web and licensed data.\n", []),
        ("## Training data\n\nTrained on the Pile, EleutherAI's curated English corpus.\n", ["The Pile"]),
        (
            "## Training data\n\nA mix of synthetic data and filtered public web data. "
            "No dataset is released.\n",
            [],
        ),
        # evaluation stays excluded, in its own section and as a sentence
        ("## Evaluation datasets\n\nMusicCaps and the Song Describer collection.\n", []),
        ("## Training data\n\nWe evaluated it on the Free Music Archive.\n", []),
        # a Hub link is recorded by its link, never by its label
        (
            "## Training data\n\nSFT on the [Tülu 3 dataset](https://huggingface.co/datasets/allenai/tulu-3-sft-mixture).\n",
            [],
        ),
    ],
)
def test_corpora_named_in_training_text_beyond_the_fixed_list(card, named):
    assert sorted(extract_links(f"# M\n\n{card}").dataset_names) == sorted(named)


@pytest.mark.parametrize(
    ("card", "withheld"),
    [
        (
            "## Training Data\n\nRefinedWeb-English 75%, Books 6%, Code 5%. "
            "Only the RefinedWeb extract is public.\n",
            True,
        ),
        ("## Training data\n\nLicensed music from three collections (not released).\n", True),
        ("## Training data\n\nFine-tuned on permissively licensed data.\n", False),
        ("## Training procedure\n\nTrained on 384 GPUs; the training code is not released.\n", False),
        ("## Evaluation\n\nThe held-out test set is not public.\n", False),
    ],
)
def test_a_card_saying_part_of_its_data_is_not_public(card, withheld):
    assert bool(extract_links(f"# M\n\n{card}").data_withheld) is withheld


# --- post-training data in a base model's card is its siblings' (v2 section 2) -----------------
POST_TRAINING_CARD = """## Model Details

### Pretraining
Stage 1 on [OLMo-Mix](https://huggingface.co/datasets/org/pretrain-mix). Post-training uses the
[SFT mix](https://huggingface.co/datasets/org/sft-mix) and the
[preference mix](https://huggingface.co/datasets/org/pref-mix).
"""


def test_datasets_of_a_post_training_sentence_are_set_apart_from_the_pretraining_data():
    found = extract_links(POST_TRAINING_CARD)
    assert found.hub_datasets == ["org/pretrain-mix"]
    assert found.hub_datasets_post_training == ["org/sft-mix", "org/pref-mix"]


@pytest.mark.parametrize(
    ("has_base", "training", "other"),
    [
        (False, ["org/pretrain-mix"], ["org/sft-mix", "org/pref-mix"]),  # a base: its siblings' data
        (True, ["org/pretrain-mix", "org/sft-mix", "org/pref-mix"], []),  # post-trained: its own
    ],
)
def test_post_training_datasets_go_with_the_model_only_when_it_was_post_trained(has_base, training, other):
    from catalog.ingest.crawl import post_training_datasets_place

    found = extract_links(POST_TRAINING_CARD)
    post_training_datasets_place(found, has_base=has_base)
    assert (found.hub_datasets, found.hub_datasets_other) == (training, other)


def test_datasets_linked_in_the_sentence_that_says_how_the_model_was_made_are_training_data():
    # Intel/neural-chat-7b-v3-3 links its fine-tuning and DPO sets inside the sentences under
    # "Model Details" that say how it was made (the card as copied in YinanWusoymilk/hf-readme
    # 1ab39f24); no heading says "training", the sentences do (methodology v2 §2)
    from standin.hub import SNAPSHOT_DIR

    card = (SNAPSHOT_DIR / "models" / "Intel" / "neural-chat-7b-v3-3.README.md").read_text(encoding="utf-8")
    found = extract_links(card)
    assert found.hub_datasets == ["meta-math/MetaMathQA", "Intel/orca_dpo_pairs"]
    assert all(d.startswith("open-llm-leaderboard/") for d in found.hub_datasets_other)
