"""What a linked repository's documentation says about training: pure functions, no I/O.

Methodology v2 (training data) counts "the linked code repository's README and data
documentation" as evidence. The crawler reads the README and a few data documents chosen
here by name from the stored tree, and this module extracts from them:

* training datasets: Hub dataset ids and links, dataset-host links and corpora named in text,
  found by ``catalog.sources.links`` (the card reader) in a training context only. A data
  document (``data/*.md``, ``DATA*.md``, ...) is about data as a whole where it has no
  headings; where it has headings, only the sections about data or training count, as in
  a README;
* training entry points: commands a README gives under a training heading
  (``python main.py``, ``bash run.sh``, ``sbatch train/x.slurm``, ``torchrun ... train.py``),
  kept only when the named path exists in the repository's tree.

Links to other GitHub repositories found in these documents are never followed.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from catalog.sources.links import HEADING_RE, extract_links

# bump when the selection or extraction rules change: stored docs are read again. 2: a level-1
# heading other than the README's title is a section; commands that run a linked framework's
# program with this repository's config (framework_runs)
DOCS_VERSION = "2"

# data documentation chosen by name (lower-cased path), in order of preference
DOC_PATTERNS = (
    re.compile(r"^model_card\.md$"),
    re.compile(r"^data[\w.-]*\.md$"),  # DATA.md, DATASETS.md, data_sources.md
    re.compile(r"^datasets?[\w.-]*\.md$"),
    re.compile(r"^data/[^/]+\.md$"),  # data/README.md, data/data_sources.md
    re.compile(r"^docs?/data[^/]*\.md$"),  # docs/data.md, docs/datasets.md
    re.compile(r"^docs?/data/[^/]+\.md$"),
    re.compile(r"^(?:[^/]+/)?datasheet[^/]*\.md$"),
)
DATA_DOC_NAME = re.compile(r"(^|/)(data|datasets?|datasheet)[^/]*\.md$|(^|/)data/[^/]+\.md$", re.IGNORECASE)


def select_docs(paths: list[str], *, limit: int) -> list[str]:
    """The data documents worth reading in a tree, best first, at most ``limit``."""
    chosen: list[str] = []
    for pattern in DOC_PATTERNS:
        for path in sorted(paths, key=lambda p: (p.count("/"), p.lower())):
            if len(chosen) >= limit:
                return chosen
            if pattern.match(path.lower()) and path not in chosen:
                chosen.append(path)
    return chosen


@dataclass
class DocFindings:
    hub_datasets: list[str] = field(default_factory=list)
    dataset_urls: list[str] = field(default_factory=list)
    dataset_names: list[str] = field(default_factory=list)
    entry_points: list[dict[str, str]] = field(default_factory=list)  # {"path", "kind", "command"}
    # training scripts or configs the README links in another GitHub repository ("the script
    # launched to train X is <github blob link>"): {"repo", "path", "kind"}; never fetched here
    recipe_links: list[dict[str, str]] = field(default_factory=list)
    # a training command that runs another repository's program (a checkout of a repository the
    # README links: "python modelzoo/.../run.py --params <path to params.yaml>") with configs of
    # this repository: {"repo", "script", "configs", "kind", "heading"} (v2: a recipe for a framework)
    framework_runs: list[dict] = field(default_factory=list)
    dropped: int = 0  # links over the per-document cap

    def as_dict(self) -> dict:
        return {
            "hub_datasets": self.hub_datasets,
            "dataset_urls": self.dataset_urls,
            "dataset_names": self.dataset_names,
            "entry_points": self.entry_points,
            "recipe_links": self.recipe_links,
            "framework_runs": self.framework_runs,
            "dropped": self.dropped,
        }


def _has_headings(text: str) -> bool:
    return any(HEADING_RE.match(line) for line in text.splitlines())


def extract_doc(
    text: str, *, path: str, tree: list[str], is_readme: bool, max_links: int = 100
) -> DocFindings:
    """Datasets (training context only) and, for a README, training entry points in the tree."""
    body = text
    if not is_readme and DATA_DOC_NAME.search(path) and not _has_headings(text):
        # a data document without headings is about data throughout
        body = "## Training data\n\n" + text
    links = extract_links(body, max_links=max_links)
    findings = DocFindings(
        hub_datasets=list(links.hub_datasets),
        dataset_urls=list(links.dataset_urls),
        dataset_names=list(links.dataset_names),
        dropped=links.dropped,
    )
    if is_readme:
        findings.entry_points = entry_points(text, tree)
        findings.recipe_links = recipe_links(text)
        findings.framework_runs = framework_runs(text, tree, links.github_repos)
    return findings


# the launcher and the script it runs: "python main.py", "bash run.sh", "sbatch train/x.slurm",
# "torchrun --nproc-per-node=8 train.py", "deepspeed --num_gpus=8 train.py", "./run.sh"
LAUNCHER = r"(?:python3?(?:\s+-u)?|bash|sh|sbatch|srun|torchrun|deepspeed|accelerate\s+launch|composer)"
COMMAND_RE = re.compile(
    rf"(?:^|[\s;&|`(])(?:{LAUNCHER})(?:\s+(?:-{{1,2}}[\w-]+(?:[= ](?!\S+\.(?:py|sh|slurm)\b)\S+)?))*\s+"
    r"(?:\./)?([\w./-]+\.(?:py|sh|slurm))\b"
    r"|(?:^|[\s;&|`(])\./([\w./-]+\.(?:sh|slurm))\b"
)
CD_RE = re.compile(r"(?:^|[\s;&|])cd\s+([\w./-]+)")
ENTRY_HEADING_RE = re.compile(r"train|pre-?train|fine-?tun|reproduc|recipe|launch", re.IGNORECASE)
NOT_ENTRY_HEADING_RE = re.compile(
    r"eval|benchmark|inference|generat|serv|deploy|demo|usage|quick ?start|convert|conversion|install"
    r"|data prep|preprocess|citation",
    re.IGNORECASE,
)
# scripts that never train, whatever heading they sit under (installers, converters, evaluators)
NOT_ENTRY_SCRIPT_RE = re.compile(
    r"(^|/)(setup|install\w*|download\w*|convert\w*|export\w*|eval\w*|evaluat\w*|benchmark\w*"
    r"|infer\w*|generat\w*|serve\w*|demo\w*|chat\w*|app)\.(py|sh|slurm)$",
    re.IGNORECASE,
)
# data preparation is not training: a script in a data folder or named for preparing data
DATA_PATH_RE = re.compile(
    r"(^|/)(data|datasets?|data_prep\w*|preprocess\w*|prep\w*|tokeni[sz]\w*|dedup\w*)(/|\.)"
    r"|(^|[/_-])(prepare|preprocess|tokeni[sz]e)\w*\.",
    re.IGNORECASE,
)


def _not_training(path: str) -> bool:
    return bool(NOT_ENTRY_SCRIPT_RE.search(path) or DATA_PATH_RE.search(path))


FINETUNE_HEADING_RE = re.compile(r"fine-?tun|instruct|sft|dpo|rlhf|align|chat", re.IGNORECASE)
MAX_ENTRY_POINTS = 10


def _training_sections(text: str):
    """(training heading, line) for the lines of a README under a training heading: a section
    (level 2 or deeper) whose own heading or a parent's speaks of training, and whose own
    heading is not about evaluation, inference, installation, conversion or data preparation."""
    stack: list[tuple[int, str]] = []
    first = True
    for line in text.splitlines():
        match = HEADING_RE.match(line)
        if match:
            level = len(match.group(1)) if match.group(1) else 2
            title = (match.group(2) or match.group(3) or "").strip()
            # the README's title (its first heading, at level 1) is no section; a later level-1
            # heading ("# Pretraining" below "# CrystalCoder") is (docs rules 2)
            level = 0 if first and level == 1 else level
            first = False
            stack = [(lv, t) for lv, t in stack if lv < level] + [(level, title)]
            yield None, line
            continue
        path = [t for lv, t in stack if lv >= 1]
        if not path or NOT_ENTRY_HEADING_RE.search(path[-1]):
            continue
        training = next((t for t in reversed(path) if ENTRY_HEADING_RE.search(t)), None)
        if training is not None:
            yield " / ".join(path), line


def entry_points(text: str, tree: list[str]) -> list[dict[str, str]]:
    """Commands under a training heading whose script exists in the tree (methodology v2:
    a script the README documents as the command that trains the model is an entry point)."""
    present = set(tree)
    found: list[dict[str, str]] = []
    cwd = ""
    for heading, line in _training_sections(text):
        if heading is None or line.lstrip().startswith("```"):
            cwd = ""  # a new section or code block starts in the repository's root
            continue
        for cd in CD_RE.finditer(line):
            cwd = posixpath.normpath(posixpath.join(cwd, cd.group(1))) if cd.group(1) != "/" else ""
        for command in COMMAND_RE.finditer(line):
            script = command.group(1) or command.group(2)
            path = _in_tree(script, cwd, present)
            if path is None or any(e["path"] == path for e in found) or _not_training(path):
                continue
            kind = "finetuning" if FINETUNE_HEADING_RE.search(heading) else "pretraining"
            found.append({"path": path, "kind": kind, "command": command.group(0).strip()[:200]})
            if len(found) >= MAX_ENTRY_POINTS:
                return found
    return found


GITHUB_BLOB_RE = re.compile(
    r"https?://(?:www\.)?github\.com/([A-Za-z0-9][\w.-]*)/([\w.-]+)/blob/[^/\s)\]>\"']+/"
    r"([^\s)\]>\"'#?]+\.(?:py|sh|slurm|ya?ml|json|toml))\b"
)


def recipe_links(text: str) -> list[dict[str, str]]:
    """Training scripts and configs a README links, under a training heading, in a GitHub
    repository (its own or another): kept as pointers, checked later against that
    repository's stored tree, never fetched from here."""
    found: list[dict[str, str]] = []
    for heading, line in _training_sections(text):
        if heading is None:
            continue
        for match in GITHUB_BLOB_RE.finditer(line):
            owner, name, path = match.groups()
            repo = f"{owner.lower()}/{name.lower().removesuffix('.git')}"
            if _not_training(path) or any((f["repo"], f["path"]) == (repo, path) for f in found):
                continue
            kind = "finetuning" if FINETUNE_HEADING_RE.search(heading) else "pretraining"
            found.append({"repo": repo, "path": path, "kind": kind, "heading": heading[:200]})
            if len(found) >= MAX_ENTRY_POINTS:
                return found
    return found


# a config argument of a training command: "--params <path to params.yaml>", "--config x.yaml"
CONFIG_ARG_RE = re.compile(r"(?:^|\s)--?(?:params|config[\w-]*|cfg|hparams|recipe)(?:=|\s+)(<[^>]*>|\S+)")
CONFIG_FILE_RE = re.compile(r"[\w./-]*[\w-]\.(?:ya?ml|json|toml)\b")


def framework_runs(text: str, tree: list[str], linked: list[str]) -> list[dict]:
    """Commands under a training heading that run a program of another repository the README
    links (the script's path starts with that repository's name: a checkout of it, absent from
    this tree) with a config of this repository (the file the config argument names, or every
    file of the tree by that name when the argument is a placeholder ``<path to params.yaml>``)."""
    present = set(tree)
    by_name = {full.rsplit("/", 1)[-1].lower(): full for full in linked}
    found: list[dict] = []
    for heading, line in _training_sections(text):
        if heading is None:
            continue
        for command in COMMAND_RE.finditer(line):
            script = command.group(1) or command.group(2)
            owner = by_name.get(script.split("/", 1)[0].lower()) if "/" in script else None
            if owner is None or script in present or _not_training(script):
                continue
            configs: list[str] = []
            for arg in CONFIG_ARG_RE.finditer(line[command.end() :]):
                for named in CONFIG_FILE_RE.findall(arg.group(1)):
                    named = named.lstrip("./")
                    if named in present:
                        configs.append(named)
                    elif "/" not in named:  # a placeholder: the tree's files of that name
                        configs += sorted(p for p in tree if p.rsplit("/", 1)[-1] == named)
            configs = [c for c in dict.fromkeys(configs) if not _not_training(c)]
            if configs and all(f["script"] != script for f in found):
                kind = "finetuning" if FINETUNE_HEADING_RE.search(heading) else "pretraining"
                found.append(
                    {
                        "repo": owner,
                        "script": script,
                        "configs": configs[:10],
                        "kind": kind,
                        "heading": heading[:200],
                    }
                )
    return found[:MAX_ENTRY_POINTS]


def _in_tree(script: str, cwd: str, present: set[str]) -> str | None:
    for base in (cwd, ""):
        candidate = posixpath.normpath(posixpath.join(base, script)) if base else posixpath.normpath(script)
        if candidate.startswith(("../", "/")) or candidate == "..":
            continue
        if candidate in present:
            return candidate
    return None


def classification_with_entry_points(classification: str, points: list[dict[str, str]]) -> str:
    """The tree's classification, raised by the entry points the README documents."""
    kinds = {p.get("kind") for p in points}
    if "pretraining" in kinds:
        return "training"
    if "finetuning" in kinds and classification in ("inference", "none"):
        return "finetuning"
    return classification


__all__ = [
    "DOCS_VERSION",
    "DocFindings",
    "classification_with_entry_points",
    "entry_points",
    "extract_doc",
    "select_docs",
]
