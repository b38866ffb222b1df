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
    r"(^|[_\-/])(pre[_\-]?train(?!ed)\w*|train|training|trainer|run_(clm|mlm|train|"
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
CONFIG_DIRS = {"configs", "config", "recipes", "recipe", "conf", "hparams", "yamls"}
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


@dataclass
class CodeReport:
    classification: str  # training / finetuning / inference / none
    paths: dict[str, list[str]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def has_configs(self) -> bool:
        return bool(self.counts.get("configs"))


def _ignored(parts: list[str]) -> bool:
    return any(part.lower() in IGNORED_DIRS for part in parts[:-1])


def classify_tree(paths: list[str]) -> CodeReport:
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
    for path in paths:
        parts = path.split("/")
        if _ignored(parts):
            continue
        lower = path.lower()
        folders = {p.lower() for p in parts[:-1]}
        is_code = lower.endswith(CODE_SUFFIXES)
        if is_code:
            found["code"].append(path)
        if is_code and (
            FINETUNE.search(lower) or (folders & FINETUNE_DIRS and lower.endswith((".py", ".sh")))
        ):
            found["finetuning"].append(path)
        elif is_code and (
            PRETRAIN.search(lower) or (folders & TRAIN_DIRS and lower.endswith((".py", ".sh")))
        ):
            found["pretraining"].append(path)
        elif is_code and (DATA_FILE.search(lower) or folders & DATA_DIRS):
            found["data_processing"].append(path)
        elif is_code and (EVALUATION.search(lower) or folders & EVAL_DIRS):
            found["evaluation"].append(path)
        elif is_code and INFERENCE.search(lower):
            found["inference"].append(path)
        is_config = lower.endswith(CONFIG_SUFFIXES) and (
            folders & CONFIG_DIRS or CONFIG_NAME.search(parts[-1])
        )
        if is_config and not parts[-1].lower().startswith(("package", "tsconfig", "pyproject", ".")):
            found["configs"].append(path)
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
