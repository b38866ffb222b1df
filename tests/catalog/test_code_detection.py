"""classify_tree: which code a repository's file tree shows, from the paths alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.sources.github.taxonomy import IGNORED_DIRS, MAX_PATHS_PER_KIND, classify_tree
from standin.hub import SNAPSHOT_DIR

CLASSES = {"training", "finetuning", "inference", "none"}
KINDS = {"pretraining", "finetuning", "configs", "data_processing", "evaluation", "inference"}


def kinds_of(path: str) -> set[str]:
    """The kinds a single path is recorded under."""
    return {kind for kind, paths in classify_tree([path]).paths.items() if path in paths}


@pytest.mark.parametrize(
    "path",
    [
        "train.py",
        "scripts/train.py",
        "pretrain_gpt.py",
        "pretrain.py",
        "pre-train.sh",
        "run_clm.py",
        "run_pretraining.py",
        "training/launch.sh",
        "training/run_loop.py",
        "scripts/train_7b.sh",
        "launch_train.sh",
        "main_train.py",
        "olmo/trainer.py",
        "megatron/training.py",
        "Train.PY",
    ],
)
def test_pretraining_entry_points(path):
    assert kinds_of(path) == {"pretraining"}
    assert classify_tree([path, "README.md"]).classification == "training"


@pytest.mark.parametrize(
    "path",
    [
        "finetune.py",
        "fine_tune.py",
        "fine-tune.sh",
        "finetune_lora.py",
        "scripts/run_sft.py",
        "sft.py",
        "dpo.py",
        "dpo_trainer.py",
        "scripts/run_dpo.py",
        "train_dpo.py",
        "train_sft.sh",
        "lora.py",
        "qlora.py",
        "lora_finetune.py",
        "reward_model.py",
        "ppo_train.py",
        "rlhf/run.py",
        "finetune/utils.py",
        "sft/launch.sh",
        "instruction_tuning.py",
        "grpo.py",
        "orpo.py",
        "kto.py",
    ],
)
def test_finetuning_entry_points(path):
    assert kinds_of(path) == {"finetuning"}
    assert classify_tree([path, "README.md"]).classification == "finetuning"


def test_pretraining_wins_over_finetuning():
    report = classify_tree(["train.py", "finetune.py", "generate.py"])
    assert report.classification == "training"
    assert report.paths["pretraining"] == ["train.py"]
    assert report.paths["finetuning"] == ["finetune.py"]
    assert report.paths["inference"] == ["generate.py"]


@pytest.mark.parametrize(
    "path",
    [
        "configs/model.yaml",
        "configs/official/OLMo-7B.yaml",
        "recipes/zephyr-7b-beta/sft/config_full.yaml",
        "conf/experiment.toml",
        "ds_config.json",
        "deepspeed_zero3.json",
        "train_config.yaml",
        "fsdp.yml",
        "hparams/base.gin",
        "accelerate_config.yaml",
    ],
)
def test_training_configs_and_recipes(path):
    report = classify_tree([path])
    assert report.paths["configs"] == [path]
    assert report.has_configs
    assert report.classification == "none"  # configs are not code


@pytest.mark.parametrize(
    "path",
    [
        "config.json",
        "package.json",
        "configs/package.json",
        "tsconfig.json",
        "pyproject.toml",
        "configs/.pre-commit-config.yaml",
        "generation_config.json",
        "docker-compose.yml",
        "templates/alpaca.json",
    ],
)
def test_files_that_are_not_training_configs(path):
    assert not classify_tree([path]).has_configs


def test_configs_beside_code():
    report = classify_tree(["inference.py", "configs/a.yaml", "recipes/b.yml"])
    assert report.classification == "inference"
    assert report.paths["configs"] == ["configs/a.yaml", "recipes/b.yml"]
    assert report.counts["configs"] == 2


@pytest.mark.parametrize(
    "path",
    [
        "preprocess.py",
        "tools/preprocess_data.py",
        "tokenize_data.py",
        "tokenize.py",
        "dedup.py",
        "scripts/dedup_minhash.py",
        "prepare_data.py",
        "data_processing/clean.py",
        "data_prep/run.sh",
        "scripts/build_dataset.py",
        "download_data.sh",
        "filter_data.py",
        "tokenization/shard.py",
    ],
)
def test_data_processing(path):
    assert kinds_of(path) == {"data_processing"}
    assert classify_tree([path]).classification == "inference"  # code, but no training code


@pytest.mark.parametrize(
    "path",
    [
        "eval.py",
        "evaluate.py",
        "scripts/eval_mmlu.py",
        "benchmarks/run.py",
        "eval/humaneval.py",
        "evaluation/steps/run_catwalk.py",
        "lm_eval_harness.py",
        "run_evalharness.sh",
        "benchmark_throughput.py",
    ],
)
def test_evaluation_is_recorded_but_not_a_class(path):
    assert kinds_of(path) == {"evaluation"}
    assert classify_tree([path]).classification == "inference"


@pytest.mark.parametrize(
    "path",
    [
        "inference.py",
        "scripts/inference.py",
        "generate.py",
        "app.py",
        "demo.py",
        "web_demo.py",
        "cli_demo.py",
        "demo_gradio.py",
        "serve.py",
        "chat.py",
        "predict.py",
        "run_inference.py",
        "api.py",
        "infer.sh",
    ],
)
def test_inference_only(path):
    assert kinds_of(path) == {"inference"}
    assert classify_tree([path, "README.md", "LICENSE"]).classification == "inference"


def test_code_without_a_named_entry_point_is_inference():
    report = classify_tree(["model/modeling.py", "utils.py"])
    assert report.classification == "inference"
    assert report.paths == {}
    assert report.counts["code"] == 2


@pytest.mark.parametrize(
    "paths",
    [
        [],
        ["README.md", "LICENSE"],
        ["README.md", "model.safetensors", "config.json", "figures/arch.png", "train.md", "finetune.txt"],
        ["cookbook/Fine_tune/finetune.md", "training/README.md"],  # prose about training is not training code
    ],
)
def test_no_code_found(paths):
    report = classify_tree(paths)
    assert report.classification == "none"
    assert report.paths == {}


@pytest.mark.parametrize(
    "path",
    [
        "tests/train.py",
        "test/finetune.py",
        "docs/train.py",
        "doc/examples/run_sft.py",
        ".github/workflows/train.yml",
        ".github/scripts/train.py",
        "src/tests/test_train.py",
        "third_party/megatron/pretrain_gpt.py",
        "vendor/lib/train.py",
        "node_modules/x/app.js",
        "assets/demo.py",
        "Tests/train.py",
        "docs/configs/train.yaml",
    ],
)
def test_ignored_folders(path):
    report = classify_tree([path])
    assert report.classification == "none"
    assert report.paths == {}
    assert sum(report.counts.values()) == 0


def test_ignored_folders_do_not_hide_the_rest():
    report = classify_tree(["tests/test_train.py", "docs/finetune.py", "generate.py"])
    assert report.classification == "inference"
    assert report.paths == {"inference": ["generate.py"]}


@pytest.mark.parametrize(
    "path",
    [
        "utils/constraints.py",
        "restrain.py",
        "brainstorm.py",
        "strain_gauge.py",
        "explorer.py",
        "support.py",
        "microsoft_api_client.py",
        "models/pretrained.py",
        "load_pretrained_weights.py",
        "pre_trained_models.py",
    ],
)
def test_words_that_merely_contain_train_or_tune(path):
    assert not kinds_of(path) & {"pretraining", "finetuning"}


@pytest.mark.parametrize(
    "path",
    [
        "llama/tokenizer.py",
        "whisper/tokenizer.py",
        "tokenizers.py",
        "data/text_tokenizer/sentencepiece_tokenizer.py",
    ],
)
def test_a_tokenizer_module_is_not_a_data_pipeline(path):
    assert "data_processing" not in kinds_of(path)


def test_evidence_paths_are_capped_per_kind_and_counts_are_not():
    scripts = [f"scripts/train_{i:02d}.sh" for i in range(30)]
    evals = [f"eval/task_{i:02d}.py" for i in range(25)]
    configs = [f"configs/c{i:02d}.yaml" for i in range(21)]
    report = classify_tree(list(reversed(scripts)) + evals + configs + ["generate.py"])
    assert report.classification == "training"
    assert report.paths["pretraining"] == sorted(scripts)[:MAX_PATHS_PER_KIND]
    assert len(report.paths["evaluation"]) == MAX_PATHS_PER_KIND
    assert len(report.paths["configs"]) == MAX_PATHS_PER_KIND
    assert report.counts["pretraining"] == 30
    assert report.counts["evaluation"] == 25
    assert report.counts["configs"] == 21
    assert report.paths["inference"] == ["generate.py"]
    assert "code" not in report.paths


# --- well-known layouts (trees abridged from the public repositories) ---------------------

OLMO_LIKE = [
    "LICENSE",
    "README.md",
    "pyproject.toml",
    "Makefile",
    "olmo/__init__.py",
    "olmo/model.py",
    "olmo/config.py",
    "olmo/train.py",
    "olmo/optim.py",
    "olmo/tokenizer.py",
    "olmo/data/memmap_dataset.py",
    "scripts/train.py",
    "scripts/beaker/launch_train.sh",
    "configs/official/OLMo-7B.yaml",
    "configs/official/OLMo-1B.yaml",
    "evaluation/steps/run_catwalk.py",
    "tests/model_test.py",
    "tests/train_test.py",
    ".github/workflows/main.yml",
]
ALPACA_LORA_LIKE = [
    "LICENSE",
    "README.md",
    "requirements.txt",
    "Dockerfile",
    "docker-compose.yml",
    "finetune.py",
    "generate.py",
    "export_hf_checkpoint.py",
    "export_state_dict_checkpoint.py",
    "utils/__init__.py",
    "utils/prompter.py",
    "utils/callbacks.py",
    "templates/alpaca.json",
    "templates/alpaca_short.json",
    "lengths.ipynb",
    "alpaca_data_cleaned_archive.json",
]
WHISPER_LIKE = [
    "LICENSE",
    "README.md",
    "setup.py",
    "requirements.txt",
    "whisper/__init__.py",
    "whisper/__main__.py",
    "whisper/audio.py",
    "whisper/decoding.py",
    "whisper/model.py",
    "whisper/timing.py",
    "whisper/tokenizer.py",
    "whisper/transcribe.py",
    "whisper/triton_ops.py",
    "whisper/utils.py",
    "whisper/normalizers/english.py",
    "whisper/assets/gpt2.tiktoken",
    "notebooks/LibriSpeech.ipynb",
    "tests/test_transcribe.py",
    "tests/test_tokenizer.py",
    ".github/workflows/test.yml",
]
ALIGNMENT_HANDBOOK_LIKE = [
    "LICENSE",
    "README.md",
    "setup.py",
    "scripts/run_sft.py",
    "scripts/run_dpo.py",
    "scripts/run_cpt.py",
    "src/alignment/__init__.py",
    "src/alignment/configs.py",
    "src/alignment/data.py",
    "recipes/zephyr-7b-beta/sft/config_full.yaml",
    "recipes/zephyr-7b-beta/dpo/config_full.yaml",
    "recipes/accelerate_configs/deepspeed_zero3.yaml",
    "tests/test_data.py",
]
MEGATRON_LIKE = [
    "LICENSE",
    "README.md",
    "pretrain_gpt.py",
    "pretrain_bert.py",
    "megatron/training.py",
    "megatron/model/gpt_model.py",
    "megatron/tokenizer/tokenizer.py",
    "tools/preprocess_data.py",
    "tools/run_text_generation_server.py",
    "examples/pretrain_gpt.sh",
    "tasks/main.py",
    "tasks/zeroshot_gpt/evaluate.py",
]
LLAMA_LIKE = [
    "LICENSE",
    "README.md",
    "MODEL_CARD.md",
    "download.sh",
    "example_chat_completion.py",
    "example_text_completion.py",
    "llama/__init__.py",
    "llama/generation.py",
    "llama/model.py",
    "llama/tokenizer.py",
]
STABLE_AUDIO_LIKE = [
    "LICENSE",
    "README.md",
    "run_gradio.py",
    "stable_audio_tools/models/pretrained.py",
    "stable_audio_tools/models/factory.py",
    "stable_audio_tools/inference/generation.py",
    "stable_audio_tools/interface/gradio.py",
]


@pytest.mark.parametrize(
    ("tree", "classification", "expected"),
    [
        (
            OLMO_LIKE,
            "training",
            {
                "pretraining": ["olmo/train.py", "scripts/beaker/launch_train.sh", "scripts/train.py"],
                "configs": ["configs/official/OLMo-1B.yaml", "configs/official/OLMo-7B.yaml"],
                "evaluation": ["evaluation/steps/run_catwalk.py"],
            },
        ),
        (ALPACA_LORA_LIKE, "finetuning", {"finetuning": ["finetune.py"], "inference": ["generate.py"]}),
        (WHISPER_LIKE, "inference", {"inference": ["notebooks/LibriSpeech.ipynb"]}),
        (
            ALIGNMENT_HANDBOOK_LIKE,
            "finetuning",
            {
                "finetuning": [
                    "scripts/run_dpo.py",
                    "scripts/run_sft.py",
                ],  # an alignment/ package
                "configs": [
                    "recipes/accelerate_configs/deepspeed_zero3.yaml",
                    "recipes/zephyr-7b-beta/dpo/config_full.yaml",
                    "recipes/zephyr-7b-beta/sft/config_full.yaml",
                ],
            },
        ),
        (
            MEGATRON_LIKE,
            "training",
            {
                "pretraining": [
                    "megatron/training.py",
                    "pretrain_bert.py",
                    "pretrain_gpt.py",
                ],
                "data_processing": ["tools/preprocess_data.py"],
                "evaluation": ["tasks/zeroshot_gpt/evaluate.py"],
                "inference": ["examples/pretrain_gpt.sh", "tools/run_text_generation_server.py"],
            },
        ),
        (LLAMA_LIKE, "inference", {"inference": ["example_chat_completion.py"]}),
        (STABLE_AUDIO_LIKE, "inference", {"inference": ["stable_audio_tools/inference/generation.py"]}),
    ],
    ids=[
        "olmo",
        "alpaca-lora",
        "whisper",
        "alignment-handbook",
        "megatron",
        "llama",
        "stable-audio-inference",
    ],
)
def test_well_known_layouts(tree, classification, expected):
    report = classify_tree(tree)
    assert report.classification == classification
    assert report.paths == expected


def test_bundled_snapshot_trees():
    """Every real layout in the bundled snapshot classifies without error into one of the classes."""
    files = sorted((SNAPSHOT_DIR / "github").glob("*/*.json"))
    assert len(files) >= 60  # the snapshot's real repositories
    seen: dict[str, str] = {}
    for path in files:
        record = json.loads(path.read_text(encoding="utf-8"))
        tree = record.get("tree") or []
        name = record["repo"]["full_name"]
        report = classify_tree(tree)
        assert report.classification in CLASSES, name
        assert set(report.paths) <= KINDS, name
        for kind, paths in report.paths.items():
            assert paths, (name, kind)
            assert len(paths) <= MAX_PATHS_PER_KIND, (name, kind)
            assert paths == sorted(paths), (name, kind)
            assert set(paths) <= set(tree), (name, kind)
            assert report.counts[kind] >= len(paths), (name, kind)
            assert not [p for p in paths if {part.lower() for part in p.split("/")[:-1]} & IGNORED_DIRS], name
        if report.classification == "training":
            assert report.paths.get("pretraining"), name
        elif report.classification == "finetuning":
            assert report.paths.get("finetuning"), name
            assert not report.paths.get("pretraining"), name
        elif report.classification == "none":
            assert not report.counts["code"], name
        seen[name] = report.classification
    assert len(seen) == len(files)


# --- rules v2: classification precision --------------------------------------------------------
def test_inference_configs_are_not_training_configs():
    report = classify_tree(["inference/configs/config_671B.json", "inference/generate.py", "README.md"])
    assert report.classification == "inference"
    assert "configs" not in report.paths


def test_evaluation_and_serving_folders_hold_no_training_evidence():
    report = classify_tree(["eval/train_probe.py", "serving/train_server.sh", "benchmarks/sft_bench.py"])
    assert report.classification == "inference"
    assert "pretraining" not in report.paths
    assert "finetuning" not in report.paths


def test_a_library_module_named_like_a_method_is_not_an_entry_point():
    report = classify_tree(["src/mistral_inference/lora.py", "src/mistral_inference/main.py"])
    assert "finetuning" not in report.paths
    report = classify_tree(["pkg/__init__.py", "pkg/trainer_utils.py"])
    assert report.paths.get("pretraining") is None


def test_an_entry_point_inside_a_package_still_counts():
    report = classify_tree(["open_instruct/__init__.py", "open_instruct/finetune.py"])
    assert report.classification == "finetuning"


def test_a_lora_example_is_fine_tuning_not_pretraining():
    report = classify_tree(["scripts/train_dreambooth_lora.py"])
    assert report.classification == "finetuning"


def test_general_frameworks_are_known():
    from catalog.sources.github.taxonomy import is_framework

    assert is_framework("huggingface/transformers")
    assert is_framework("vLLM-project/vllm")
    assert not is_framework("allenai/OLMo")


def test_examples_and_notebooks_are_usage_not_training():
    report = classify_tree(
        [
            "examples/llama-factory/qwen2-7b-full-sft.yaml",
            "examples/reinforcement-fine-tuning.ipynb",
            "README.md",
        ]
    )
    assert "configs" not in report.paths
    assert "finetuning" not in report.paths


@pytest.mark.parametrize("path", ["training/ds_to_hf_converter.py", "train/utils.py"])
def test_a_helper_module_in_a_training_folder_is_not_an_entry_point(path):
    assert "pretraining" not in kinds_of(path)


def test_a_notebook_about_pretraining_sizes_is_not_pretraining():
    assert "pretraining" not in kinds_of("plotstables/figure_notebooks/pretrainingsizes.ipynb")


def test_a_fork_of_a_framework_is_the_framework():
    from catalog.sources.github.taxonomy import is_framework

    assert is_framework("swiss-ai/Megatron-LM")


# --- rules v3: training-code rules met in the gold set -----------------------------------------
def snapshot_tree(full_name: str) -> list[str]:
    return json.loads((SNAPSHOT_DIR / "github" / f"{full_name}.json").read_text(encoding="utf-8"))["tree"]


def test_model_definition_configs_beside_inference_configs_are_not_a_recipe():
    """Stability-AI/stablediffusion: configs/karlo/*.yaml and configs/stable-diffusion/x4-upscaling.yaml
    sit in a config folder whose configs name inference, and the repository has no training
    entry point: they configure sampling, not training."""
    # the repository left GitHub (its snapshot record went): the tree as last recorded
    recorded = Path(__file__).parents[1] / "data" / "trees" / "Stability-AI-stablediffusion.json"
    report = classify_tree(json.loads(recorded.read_text(encoding="utf-8"))["tree"])
    assert report.classification == "inference"
    assert "configs" not in report.paths
    small = classify_tree(
        ["configs/karlo/prior_1B_vit_l.yaml", "configs/sd/v2-inference.yaml", "scripts/txt2img.py"]
    )
    assert "configs" not in small.paths


@pytest.mark.parametrize(
    ("full_name", "config"),
    [
        ("Stability-AI/StableLM", "configs/stablelm-2-1_6b.yml"),  # no inference config beside it
        ("allenai/OLMoE", "configs/OLMoE-1B-7B-0924.yml"),
        ("langtech-bsc/salamandra", "configs/bsc_7b.yaml"),
        ("Stability-AI/generative-models", "configs/example_training/txt2img-clipl.yaml"),  # names training
    ],
)
def test_real_recipes_keep_their_configs(full_name, config):
    report = classify_tree(snapshot_tree(full_name))
    assert config in report.paths["configs"]


def test_inference_configs_do_not_hide_configs_of_a_repository_that_trains():
    report = classify_tree(["main.py", "train.py", "configs/model.yaml", "configs/v1-inference.yaml"])
    assert report.paths["configs"] == ["configs/model.yaml"]


def test_launchers_beside_training_configs_start_training():
    report = classify_tree(snapshot_tree("langtech-bsc/salamandra"))
    assert report.classification == "training"
    assert report.paths["pretraining"] == ["launchers/launch_2b.sh", "launchers/launch_7b.sh"]
    # a launcher without any training config is not evidence of training
    assert classify_tree(["launchers/launch_server.sh", "README.md"]).classification == "inference"


def test_per_model_example_folders_are_not_the_models_recipe():
    """Snowflake-Labs/snowflake-arctic: training/arctic/lora_script.py and training/llama3.1/run-llama.sh
    are examples for users, one for another model family."""
    report = classify_tree(snapshot_tree("Snowflake-Labs/snowflake-arctic"))
    assert report.classification == "inference"
    assert "pretraining" not in report.paths
    assert "finetuning" not in report.paths
    # one model's own training folder, with sub-folders per stage, still trains
    stages = [
        "training/pretrain/README.md",
        "training/pretrain/run.sh",
        "training/sft/README.md",
        "training/sft/run.sh",
    ]
    assert classify_tree(stages).classification == "training"


@pytest.mark.parametrize("path", ["sample_finetune.py", "example_train.py", "examples_sft.sh"])
def test_sample_and_example_scripts_are_usage(path):
    assert classify_tree([path]).classification == "inference"


def test_mesh_tensorflow_entry_point_and_gin_configs():
    report = classify_tree(snapshot_tree("google-research/text-to-text-transfer-transformer"))
    assert report.classification == "training"
    assert report.paths["pretraining"] == ["t5/models/mesh_transformer_main.py"]
    assert report.counts["configs"] > 20  # the gin configs (t5.1.0.base.gin among them)
    small = [
        "t5/models/mesh_transformer_main.py",
        "t5/models/gin/models/t5.1.0.base.gin",
        "t5/models/gin/infer.gin",
    ]
    assert classify_tree(small).paths["configs"] == ["t5/models/gin/models/t5.1.0.base.gin"]


def test_a_rules_change_bumps_the_rules_version():
    from catalog.sources.github.taxonomy import RULES_VERSION

    assert RULES_VERSION == "6"  # 6: a repository named for training reads its root as train/
    assert classify_tree(["train.py"]).rules_version == RULES_VERSION


def test_a_repository_named_for_training_has_its_root_entry_points_read_as_training():
    """LLM360/amber-train (rules 6): main.py and run.sh at the root of a repository whose name
    says it trains; the same tree under another name shows only its finetune/ folder."""
    record = json.loads((SNAPSHOT_DIR / "github" / "LLM360" / "amber-train.json").read_text())
    named = classify_tree(record["tree"], "LLM360/amber-train")
    assert named.classification == "training"
    assert {"main.py", "run.sh"} <= set(named.paths["pretraining"])
    assert "eval_utils/eval_hf_main.py" not in named.paths.get("pretraining", [])
    assert classify_tree(record["tree"], "LLM360/amber").classification == "finetuning"
    assert classify_tree(record["tree"]).classification == "finetuning"
    # only the root: a nested main.py of a training-named repository is not an entry point
    assert classify_tree(["tools/main.py"], "someone/x-train").classification == "inference"
