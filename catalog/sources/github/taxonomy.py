"""Is there training code in this repository? A classification from the file tree alone.

Pure functions over the paths of a repository's default branch. The rules, and what they
miss, are written up in docs/methodology.md ("Training code detection"). In short:

* pretraining / training entry points: ``train.py``, ``pretrain*.py`` (not ``pretrained*``:
  code that loads pretrained weights), ``run_clm.py``,
  ``pretrain_gpt.py``, scripts in ``train/``, ``training/`` or ``pretraining/`` folders,
  launch scripts whose name says train;
* fine-tuning entry points: ``finetune*``, ``fine_tune*``, ``sft*``, ``dpo*``, ``ppo*``,
  ``rlhf*``, ``lora*`` / ``qlora*``, ``reward_model*``, ``instruction_tuning``;
* training configs and recipes: YAML/JSON/TOML under ``configs/`` or ``recipes/`` (or named
  like a training config);
* data-processing pipelines: ``preprocess*``, ``tokenize*`` (not ``tokenizer*``, the tokenizer
  itself), ``dedup*``, ``prepare_data*``,
  scripts under ``data_processing/`` / ``data_prep/``;
* evaluation code: ``eval*``, ``evaluate*``, ``benchmark*``, scripts under ``eval/``,
  ``evaluation/`` or ``benchmarks/`` (recorded, not a classification of its own);
* inference-only code: ``inference*``, ``generate*``, ``demo*``, ``serve*``, ``chat*``,
  ``app.py``, ``predict*``.

Paths under tests/, docs/, .github/ and vendored folders are ignored.

Rules version 2 (methodology v2, "classification precision"):

* configs and scripts under ``inference/``, ``serving/``, ``deploy/``, ``eval*/`` or
  ``benchmark*/`` folders are not training evidence (``inference/configs/*.json`` is an
  inference config), nor are ``examples/``, ``cookbook/``, ``notebooks/`` and
  ``tutorials/``: usage material for users (a third-party framework's example config for
  the model family is not the recipe that trained it);
* a module inside an importable package (a folder with ``__init__.py``, or anything under
  ``src/``) is not an entry point unless its own name says it trains (``train.py``,
  ``finetune.py``, ``run_*.py`` ...): ``src/<pkg>/lora.py`` and ``<pkg>/trainer_utils.py`` are
  library code;
* a script whose name speaks of an adapter or an alignment method (``lora``, ``dreambooth``,
  ``sft``, ``dpo`` ...) is fine-tuning even when it also says ``train``.

Rules version 3 (methodology v2, training-code rules met in the gold set):

* a config folder whose configs name inference (``v2-inference.yaml``) and none of which names
  training holds model definitions for inference: in a repository without a training entry
  point none of its configs is a training config (Stability-AI/stablediffusion's
  ``configs/karlo/*.yaml`` and ``configs/stable-diffusion/x4-upscaling.yaml``); a config root
  with no inference-named config keeps its configs (StableLM's and OLMoE's ``configs/*.yml``);
* a training folder made of per-model example folders, each with its own README and one named
  after a versioned model family (``training/arctic/``, ``training/llama3.1/``), is a set of
  user examples, not the recipe that trained the model; so is a script named ``sample_*`` or
  ``example_*`` (``sample_finetune.py``);
* known framework entry points: Mesh TensorFlow's ``mesh_transformer_main.py`` (T5), and gin
  configs under a ``gin/`` folder (``t5/models/gin/models/t5.1.0.base.gin``);
* launch scripts in a ``launchers/`` folder beside training configs start training
  (langtech-bsc/salamandra's ``launchers/launch_7b.sh`` with ``configs/bsc_7b.yaml``).

``RULES_VERSION`` is stored with every classification; a rule change re-classifies the
stored trees without fetching them again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CODE_SUFFIXES = (".py", ".sh", ".ipynb", ".jl", ".lua", ".cpp", ".cu", ".rs", ".go", ".js", ".ts", ".scala")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".gin", ".cfg", ".ini")
IGNORED_DIRS = {
    "tests",
    "test",
    "docs",
    "doc",
    ".github",
    "third_party",
    "vendor",
    "node_modules",
    "site-packages",
    "__pycache__",
    "assets",
    "images",
    "img",
}
PRETRAIN = re.compile(
    r"(^|[_\-/])(pre[_\-]?train(?:ing)?(?:[_\-]\w+)?|train|training|trainer|run_(clm|mlm|train|"
    r"pretrain)\w*|pretrain_\w+|main_train\w*|train_\w+)\.(py|sh|jl|lua|ipynb)$"
)
FINETUNE = re.compile(
    r"(^|[_\-/])(fine[_\-]?tun\w*|sft\w*|dpo\w*|ppo\w*|rlhf\w*|grpo\w*|orpo\w*|kto\w*|q?lora\w*|"
    r"reward[_\-]?model\w*|instruction[_\-]?tun\w*|run_(sft|dpo|orpo|ppo)\w*|train_(sft|dpo|rm|"
    r"ppo|lora|reward)\w*|align\w*)\.(py|sh|ipynb)$"
)
TRAIN_DIRS = {"train", "training", "pretrain", "pretraining", "trainer"}
FINETUNE_DIRS = {
    "finetune",
    "finetuning",
    "fine-tune",
    "fine_tune",
    "fine-tuning",
    "sft",
    "dpo",
    "rlhf",
    "alignment",
    "lora",
}
DATA_DIRS = {
    "data_processing",
    "data_prep",
    "data-prep",
    "preprocessing",
    "data_pipeline",
    "dataprep",
    "tokenization",
}
DATA_FILE = re.compile(
    r"(^|[_\-/])(pre[_\-]?process\w*|tokeni[sz]e(?!r)\w*|dedup\w*|prepare[_\-]?data\w*|"
    r"data[_\-]?(prep|processing|pipeline)\w*|filter[_\-]?data\w*|build[_\-]?dataset\w*|"
    r"make[_\-]?dataset\w*|download[_\-]?data\w*)\.(py|sh|ipynb)$"
)
CONFIG_DIRS = {"configs", "config", "recipes", "recipe", "conf", "hparams", "yamls", "gin"}
# a config named for inference, evaluation, serving or deployment is not a training config
INFERENCE_CONFIG_NAME = re.compile(r"infer|eval|serv|deploy", re.IGNORECASE)
# the main programs of frameworks whose names follow no train/finetune pattern (v3)
FRAMEWORK_ENTRY_POINTS = frozenset({"mesh_transformer_main.py"})
LAUNCHER_DIRS = {"launchers", "launcher_scripts"}
# a folder named after a versioned model family (llama3.1, qwen2.5, mistral-7b): per-model examples
MODEL_FAMILY_DIR = re.compile(
    r"^(llama|mistral|mixtral|qwen|gemma|phi|falcon|deepseek|mpt|bloom|olmo|pythia|yi|gpt)[-_.]?\d",
    re.IGNORECASE,
)
USAGE_SCRIPT = re.compile(r"^(sample|example)s?[_\-]")
CONFIG_NAME = re.compile(
    r"(train|pretrain|sft|dpo|finetune|fine_tune|deepspeed|ds_config|fsdp|accelerate|zero)", re.IGNORECASE
)
INFERENCE = re.compile(
    r"(^|[_\-/])(inference\w*|infer\w*|generate\w*|generation\w*|demo\w*|serve\w*|server\w*|"
    r"chat\w*|app|predict\w*|eval_?only|cli_demo|web_demo|api|run_inference\w*)\.(py|sh|ipynb|js|ts)$"
)
EVALUATION = re.compile(r"(^|[_\-/])(eval\w*|evaluat\w*|benchmark\w*|lm_eval\w*)\.(py|sh|ipynb)$")
EVAL_DIRS = {"eval", "evals", "evaluation", "benchmarks", "benchmark", "lm_eval"}
MAX_PATHS_PER_KIND = 20
# 5: branches cards link, recipes a card points to or prints (scoring.facts); 6: a repository
# named for training ("-train") has its root entry points read as a train/ folder's
RULES_VERSION = "6"
NOT_TRAINING_DIR = re.compile(
    r"^(inference|infer|serving|serve|server|deploy|deployment|eval\w*|benchmark\w*|demo\w*|api"
    r"|examples?|cookbooks?|notebooks?|tutorials?|quickstart)$"
)
PACKAGE_ENTRY_STEM = re.compile(
    r"^(train|pretrain|pre_train|finetune|fine_tune|sft|dpo|ppo|grpo|orpo|kto|rlhf|reward_model(ing)?)"
    r"(_\w+)?$|^run_\w+$|^main$|^main_(train|pretrain|finetune)\w*$"
)
# in a train/ or training/ folder, a Python file is an entry point when its name says it runs
PRETRAIN_DIRS = {"pretrain", "pretraining"}  # every script in these is a pretraining script
TRAIN_DIR_ENTRY = re.compile(r"(train|run|main|launch|pretrain|finetune|sft|dpo|start)")
FINETUNE_WORD = re.compile(
    r"(q?lora|dreambooth|sft|dpo|finetun|fine_tun|fine-tun|instruct|textual_inversion)"
)
# General-purpose frameworks and tools: linked from cards for installation or usage, they are
# not the model's own training code (methodology v2 section 3). Lower-case GitHub full names.
FRAMEWORK_REPOS = frozenset(
    {
        "huggingface/transformers",
        "huggingface/diffusers",
        "huggingface/accelerate",
        "huggingface/peft",
        "huggingface/trl",
        "huggingface/optimum",
        "huggingface/text-generation-inference",
        "huggingface/text-embeddings-inference",
        "huggingface/alignment-handbook",
        "huggingface/nanotron",
        "huggingface/candle",
        "huggingface/huggingface_hub",
        "huggingface/datasets",
        "huggingface/tokenizers",
        "vllm-project/vllm",
        "sgl-project/sglang",
        "ggml-org/llama.cpp",
        "ggerganov/llama.cpp",
        "ggml-org/ggml",
        "ollama/ollama",
        "lm-sys/fastchat",
        "axolotl-ai-cloud/axolotl",
        "openaccess-ai-collective/axolotl",
        "hiyouga/llama-factory",
        "unslothai/unsloth",
        "pytorch/torchtune",
        "pytorch/pytorch",
        "microsoft/deepspeed",
        "deepspeedai/deepspeed",
        "nvidia/megatron-lm",
        "nvidia/nemo",
        "nvidia/nemo-aligner",
        "nvidia/nemo-rl",
        "nvidia/tensorrt-llm",
        "mlc-ai/mlc-llm",
        "mosaicml/llm-foundry",
        "mosaicml/composer",
        "eleutherai/lm-evaluation-harness",
        "eleutherai/gpt-neox",
        "mistralai/mistral-inference",
        "mistralai/mistral-finetune",
        "mistralai/mistral-common",
        "meta-llama/llama-cookbook",
        "meta-llama/llama-recipes",
        "meta-llama/llama-stack",
        "openai/harmony",
        "openai/tiktoken",
        "qwenlm/qwen-agent",
        "modelscope/ms-swift",
        "modelscope/modelscope",
        "intel/intel-extension-for-transformers",
        "intel/neural-compressor",
        "sentence-transformers/sentence-transformers",
        "ukplab/sentence-transformers",
        "comfyanonymous/comfyui",
        "automatic1111/stable-diffusion-webui",
        "lm-sys/routellm",
        "arcee-ai/mergekit",
        "cg123/mergekit",
        "bigscience-workshop/megatron-deepspeed",
        "bigcode-project/megatron-lm",
        "turboderp/exllamav2",
        "autogptq/autogptq",
        "casper-hansen/autoawq",
        "mit-han-lab/llm-awq",
        "open-mmlab/mmdetection",
        "mlfoundations/open_clip",
        "christophschuhmann/improved-aesthetic-predictor",
        "facebookresearch/fairseq",
        "facebookresearch/xformers",
        "google-research/t5x",
        "google/flax",
        "nvidia/apex",
        "dao-ailab/flash-attention",
        "pytorch/torchtitan",
        "pytorch/ao",
        # general tools the cards link for serving, running, evaluating or scaling models
        # (captured in the snapshot 2026-12-06, session wt-ghcapture)
        "internlm/lmdeploy",
        "modeltc/lightllm",
        "nvidia/fastertransformer",
        "nvidia/nemo-skills",
        "google-research/big_vision",
        "jax-ml/jax",
        "google/jax",
        "triton-lang/triton",
        "openai/triton",
        "bitsandbytes-foundation/bitsandbytes",
        "timdettmers/bitsandbytes",
        "intel-analytics/ipex-llm",
        "intel-analytics/bigdl",
        "huggingface/lighteval",
        "abetlen/llama-cpp-python",
        "marella/ctransformers",
        "lostruins/koboldcpp",
        "oobabooga/text-generation-webui",
        "parisneo/lollms-webui",
        "invoke-ai/invokeai",
        "vladmandic/sdnext",
        "vladmandic/automatic",
        "mosaicml/streaming",
        "microsoft/eureka-ml-insights",
    }
)


@dataclass
class CodeReport:
    classification: str  # training / finetuning / inference / none
    paths: dict[str, list[str]] = field(default_factory=dict)
    rules_version: str = RULES_VERSION
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def has_configs(self) -> bool:
        return bool(self.counts.get("configs"))


def _ignored(parts: list[str]) -> bool:
    return any(part.lower() in IGNORED_DIRS for part in parts[:-1])


# a fork of a general framework is still that framework, whoever owns the fork
FRAMEWORK_NAMES = frozenset(
    {
        "megatron-lm",
        "megatron-deepspeed",
        "nemo",
        "transformers",
        "deepspeed",
        "trl",
        "axolotl",
        "llama.cpp",
        "vllm",
    }
)


def is_framework(full_name: str) -> bool:
    name = full_name.lower()
    return name in FRAMEWORK_REPOS or name.rsplit("/", 1)[-1] in FRAMEWORK_NAMES


def _package_dirs(paths: list[str]) -> set[str]:
    return {p.rsplit("/", 1)[0].lower() for p in paths if p.endswith("/__init__.py")}


def _library_module(parts: list[str], packages: set[str]) -> bool:
    """A module of an importable package, not a script (v2): its name does not say it trains."""
    if len(parts) < 2:
        return False
    folder = "/".join(parts[:-1]).lower()
    in_package = folder in packages or parts[0].lower() == "src"
    stem = parts[-1].rsplit(".", 1)[0].lower()
    return in_package and not PACKAGE_ENTRY_STEM.match(stem)


def _example_collections(paths: list[str]) -> tuple[str, ...]:
    """Training folders made of per-model example folders (v3), as lower-case prefixes.

    ``training/arctic/README.md`` + ``training/llama3.1/README.md``: two or more sub-folders,
    each with its own README, one named after a versioned model family. Such a folder shows
    users how to fine-tune several models; it is not the recipe that trained this one.
    """
    children: dict[str, set[str]] = {}
    documented: set[str] = set()
    for path in paths:
        low = path.lower().split("/")
        if low[-1].startswith("readme"):
            documented.add("/".join(low[:-1]))
        for i, part in enumerate(low[:-2]):
            if part in TRAIN_DIRS or part in FINETUNE_DIRS:
                children.setdefault("/".join(low[: i + 1]), set()).add(low[i + 1])
    return tuple(
        folder + "/"
        for folder, kids in children.items()
        if len(kids) >= 2
        and all(f"{folder}/{kid}" in documented for kid in kids)
        and any(MODEL_FAMILY_DIR.match(kid) for kid in kids)
    )


def _config_root(parts: list[str]) -> str:
    """The path of the outermost config folder holding this file ("" when none)."""
    for i, part in enumerate(parts[:-1]):
        low = part.lower()
        if low in CONFIG_DIRS or low.endswith(("_configs", "-configs", "_config")):
            return "/".join(parts[: i + 1]).lower()
    return ""


# a repository named for training ("amber-train", "crystalcoder-train", "foo-pretraining"):
# its name says what a train/ folder says, so its root is read as one (rules v6)
TRAINING_REPO_NAME = re.compile(r"[-_](train|training|pretrain|pretraining)$", re.IGNORECASE)


def classify_tree(paths: list[str], full_name: str = "") -> CodeReport:
    """Classify a repository's tree; ``full_name`` ("owner/name") lets a repository named for
    training have its root-level entry points read as a train/ folder's."""
    training_repo = bool(TRAINING_REPO_NAME.search(full_name.rsplit("/", 1)[-1]))
    found: dict[str, list[str]] = {
        k: []
        for k in (
            "pretraining",
            "finetuning",
            "configs",
            "data_processing",
            "evaluation",
            "inference",
            "code",
        )
    }
    packages = _package_dirs(paths)
    examples = _example_collections(paths)
    launchers: list[str] = []
    # per config root: does a config there name inference, does one name training (v3)?
    inference_roots: set[str] = set()
    training_roots: set[str] = set()
    config_roots: dict[str, str] = {}
    for path in paths:
        parts = path.split("/")
        if _ignored(parts):
            continue
        lower = path.lower()
        folders = {p.lower() for p in parts[:-1]}
        if training_repo and len(parts) == 1:
            folders = {"train"}
        is_code = lower.endswith(CODE_SUFFIXES)
        if is_code:
            found["code"].append(path)
        root = _config_root(parts) if lower.endswith(CONFIG_SUFFIXES) else ""
        if root:
            below = lower[len(root) + 1 :]
            if INFERENCE_CONFIG_NAME.search(parts[-1]):
                inference_roots.add(root)
            if CONFIG_NAME.search(below):
                training_roots.add(root)
        if examples and lower.startswith(examples):
            if is_code:
                found["inference"].append(path)  # per-model usage examples (v3)
            continue
        if is_code and parts[-1] in FRAMEWORK_ENTRY_POINTS:
            found["pretraining"].append(path)
            continue
        if is_code and USAGE_SCRIPT.match(parts[-1].lower()):
            # sample_finetune.py: an example for users, not an entry point (v3)
            if INFERENCE.search(lower):
                found["inference"].append(path)
            continue
        if is_code and lower.endswith(".sh") and folders & LAUNCHER_DIRS:
            launchers.append(path)
            continue
        if any(NOT_TRAINING_DIR.match(f) for f in folders):
            # inference, serving, deployment and evaluation folders hold no training evidence
            if is_code:
                is_eval = any(f.startswith(("eval", "benchmark")) for f in folders)
                found["evaluation" if is_eval else "inference"].append(path)
            continue
        if is_code and _library_module(parts, packages):
            continue  # library code: neither an entry point nor inference
        name = parts[-1].lower()
        if is_code and (
            FINETUNE.search(lower)
            or (folders & FINETUNE_DIRS and lower.endswith((".py", ".sh")))
            or (PRETRAIN.search(lower) and FINETUNE_WORD.search(name))
        ):
            found["finetuning"].append(path)
        elif is_code and (
            PRETRAIN.search(lower)
            or (
                folders & TRAIN_DIRS
                and (
                    lower.endswith(".sh")
                    or (lower.endswith(".py") and (TRAIN_DIR_ENTRY.search(name) or folders & PRETRAIN_DIRS))
                )
            )
        ):
            found["pretraining"].append(path)
        elif is_code and (DATA_FILE.search(lower) or folders & DATA_DIRS):
            found["data_processing"].append(path)
        elif is_code and (EVALUATION.search(lower) or folders & EVAL_DIRS):
            found["evaluation"].append(path)
        elif is_code and INFERENCE.search(lower):
            found["inference"].append(path)
        is_config = lower.endswith(CONFIG_SUFFIXES) and (
            folders & CONFIG_DIRS
            or any(f.endswith(("_configs", "-configs", "_config")) for f in folders)
            or CONFIG_NAME.search(parts[-1])
        )
        if (
            is_config
            and not parts[-1].lower().startswith(("package", "tsconfig", "pyproject", "."))
            and not re.search(r"infer|eval|serv|deploy", parts[-1].lower())  # v2-inference.yaml
        ):
            found["configs"].append(path)
            config_roots[path] = root
    if not found["pretraining"] and not found["finetuning"]:
        # model-definition configs for inference (v3): a config root that names inference and
        # never training, in a repository with no training entry point, is not a recipe
        model_roots = inference_roots - training_roots
        found["configs"] = [p for p in found["configs"] if config_roots.get(p, "") not in model_roots]
    if launchers and found["configs"]:
        found["pretraining"].extend(launchers)  # launchers/launch_7b.sh beside configs/bsc_7b.yaml
    if found["pretraining"]:
        classification = "training"
    elif found["finetuning"]:
        classification = "finetuning"
    elif found["code"]:
        classification = "inference"
    else:
        classification = "none"
    counts = {k: len(v) for k, v in found.items()}
    kept = {k: sorted(v)[:MAX_PATHS_PER_KIND] for k, v in found.items() if v and k != "code"}
    return CodeReport(classification=classification, paths=kept, counts=counts)
