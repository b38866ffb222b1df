"""Build the rubric's inputs (``ModelFacts``) from the catalog, a chunk of models at a time.

A handful of queries per chunk, whatever its size: models, lineage edges, dataset links,
repository links, evidence rows and approved judgment corrections. Where an approved
correction covers a fact, the corrected value (and the links the correction made) replace
the crawled ones; the crawled ones stay in the catalog beside them.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from catalog import choices
from catalog.ingest.store import named_dataset_id
from catalog.models import (
    AIModel,
    CodeRepository,
    Evidence,
    LineageEdge,
    ModelCodeRepository,
    ModelDataset,
    ModelPaper,
)
from catalog.sources.github.taxonomy import CODE_SUFFIXES, IGNORED_DIRS, classify_tree, is_framework
from scoring.levels import UNKNOWN
from scoring.licenses import KnowledgeBase, identify_license_text, knowledge_base
from scoring.rubric import (
    CODE,
    DATA,
    LICENSE,
    WEIGHTS,
    DatasetFact,
    EvidenceRef,
    ModelFacts,
    Override,
    PointedRecipe,
    RepoFact,
)

MODEL_FIELDS = (
    "id",
    "repo_id",
    "is_placeholder",
    "missing_since",
    "retired_at",
    "private",
    "disabled",
    "gated",
    "weight_files",
    "weight_formats",
    "detail_crawled_at",
    "license_declared",
    "license_name",
    "license_link",
    "tags",
    "organization__name",
    "pipeline_tag",
    "modality",
    "downloads",
    "likes",
    "hub_created_at",
    "parameters",
    "listed_at",
    "updated_at",
    "sha",
)
# judgment overrides: corrected evidence rows written by an approved correction
JUDGMENT_CORRECTIONS = {
    choices.Fact.WEIGHTS_JUDGMENT: WEIGHTS,
    choices.Fact.TRAINING_DATA_JUDGMENT: DATA,
    choices.Fact.TRAINING_CODE_JUDGMENT: CODE,
    choices.Fact.LICENSE_JUDGMENT: LICENSE,
}
LINK_FACTS = {"datasets", "code_repositories", "base_models"}


@dataclass
class ModelRow:
    """The model columns the leaderboard copies onto the score row."""

    id: int
    repo_id: str
    organization_name: str
    pipeline_tag: str
    modality: str
    downloads: int
    likes: int
    parameters: int | None
    released_at: object
    last_crawled_at: object
    is_listed: bool


def _ref(row: dict, subject: str) -> EvidenceRef:
    return EvidenceRef(
        fact=row["fact"],
        subject=subject,
        source_url=row["source_url"],
        revision=row["revision"],
        fetched_at=row["fetched_at"].isoformat() if row["fetched_at"] else "",
        origin=row["origin"],
        evidence_id=row["id"],
    )


def _evidence(subject_type: str, ids: Iterable[int]) -> dict[int, list[dict]]:
    rows: dict[int, list[dict]] = defaultdict(list)
    ids = list(ids)
    for start in range(0, len(ids), 2000):
        query = Evidence.objects.filter(
            subject_type=subject_type, subject_id__in=ids[start : start + 2000]
        ).order_by("subject_id", "fact", "origin", "id")
        for row in query.values(
            "id", "subject_id", "fact", "origin", "source_url", "revision", "fetched_at", "correction_id"
        ):
            rows[row["subject_id"]].append(row)
    return rows


def _corrected_values(model_ids: list[int]) -> dict[tuple[int, str], dict]:
    query = Evidence.objects.filter(
        subject_type=choices.SubjectType.MODEL,
        subject_id__in=model_ids,
        origin=choices.EvidenceOrigin.CORRECTED,
    )
    return {(r["subject_id"], r["fact"]): r["value"] for r in query.values("subject_id", "fact", "value")}


def dataset_fact(row: dict, kb: KnowledgeBase, evidence: EvidenceRef | None, source: str = "") -> DatasetFact:
    declared = row["dataset__license_declared"] or []
    if declared or row["dataset__license_name"]:
        resolution = kb.resolve_declared(declared, row["dataset__license_name"] or "")
        grade, label = resolution.grade, resolution.label
    else:
        grade, label = UNKNOWN, ""
    return DatasetFact(
        name=row["dataset__repo_id"],
        status=row["dataset__status"],
        license_grade=grade,
        license_label=label,
        evidence=evidence,
        source=source,
    )


def repo_license_key(spdx: str, license_text: str) -> str:
    """GitHub's licence id, or, when GitHub could not name it, the licence its file's text shows."""
    if spdx == "NOASSERTION" and license_text:
        return identify_license_text(license_text) or spdx
    return spdx


LICENSE_URL_RE = re.compile(r"https?://[^\s)\]>\"']+")


def _resolved_from(kb: KnowledgeBase, declared, key: str, where: str, method: str):
    """``declared`` replaced by the knowledge base's entry for ``key``, saying where it was found;
    None when the knowledge base does not know the key."""
    found = kb.resolve(key)
    if found.entry is None:
        return None
    return dataclasses.replace(
        found, declared=declared.declared or key, reason=f"{found.reason}; {where}", method=method
    )


def license_from_card_text(
    kb: KnowledgeBase, declared, statements: list[str], license_file: dict | None = None
):
    """v2: when the metadata names no known licence, the repository's LICENSE file decides, else a
    licence the card's text states."""
    file = license_file or {}
    file_key = identify_license_text(file.get("text") or "")
    if file_key:
        where = f"from the repository's {file.get('path')} file, not its metadata"
        resolved = _resolved_from(kb, declared, file_key, where, "license_file")
        if resolved is not None:
            return resolved
    for statement in statements:
        key = identify_license_text(statement)
        if not key:  # a link to a known licence text stands for the licence
            for url in LICENSE_URL_RE.findall(statement):
                entry = kb.lookup_link(url)
                if entry is not None:
                    key = entry.key
                    break
        if key:
            where = "stated in the card's text, not in its metadata"
            resolved = _resolved_from(kb, declared, key, where, "card_text")
            if resolved is not None:
                return resolved
    return declared


def card_was_read(detail_crawled: bool, documentation: dict | None) -> bool:
    """Was the README read (v2: unknown means unread)? A repository without a README counts as
    read (there is nothing more to read); a gated, failed or uncaptured README does not."""
    if not detail_crawled or documentation is None:
        return False
    if documentation.get("readme_truncated"):
        return False  # only the start was read: what it does not show may be further on
    if documentation.get("model_card"):
        return True
    problem = str(documentation.get("readme_unavailable") or "")
    return problem.startswith("no README")


SIZE_RE = re.compile(r"(?:^|[-_])(\d+(?:[.\-]\d+)?[mb])(?=$|[-_])")


def sized_configs(repo_id: str, framework: str, tree: list[str]) -> list[str]:
    """In the model's own organisation's framework, the configs named by the model's size (v2).

    EleutherAI/gpt-neox-20b and EleutherAI/gpt-neox's ``configs/20B.yml``: a framework whose
    configs are named by size alone. Only the model's own organisation's framework, and only a
    config directly in a config folder or in a sub-folder the model's name contains
    (``configs/pythia/12B.yml`` for pythia-12b, never ``configs/llama2/13B.yml``).
    """
    org, _, name = repo_id.lower().partition("/")
    if framework.lower().split("/", 1)[0] != org:
        return []
    sizes = {m.replace(".", "-") for m in SIZE_RE.findall(name)}
    found = []
    for path in tree:
        parts = path.lower().split("/")
        stem, _, suffix = parts[-1].rpartition(".")
        if not sizes or suffix not in ("yml", "yaml", "json") or stem.replace(".", "-") not in sizes:
            continue
        roots = [i for i, part in enumerate(parts[:-1]) if part in ("configs", "config")]
        if roots and all(part in name for part in parts[roots[0] + 1 : -1]):
            found.append(path)
    return found


TEST_FOLDER_RE = re.compile(r"(?:auto|unit|integration|e2e)?_?tests?|testing")


def _model_support_module(path: str) -> bool:
    """A Python module named after a model whose name does not say it trains
    (``lmdeploy/deepseek_v32_encoding.py``) is the framework's support for running that model,
    not a recipe; configs and launch scripts stay recipes."""
    name = path.lower().rsplit("/", 1)[-1]
    return name.endswith(".py") and not any(r.search(name) for r in ENTRY_NAME_RES)


def _test_or_package_file(path: str) -> bool:
    """A test (``tests/pipelines/stable_diffusion_2/...``, ``autotest/configs/...``) or a
    package's ``__init__.py`` names a model without being the recipe or config that trains it."""
    parts = path.lower().split("/")
    return parts[-1] == "__init__.py" or any(TEST_FOLDER_RE.fullmatch(p) for p in parts[:-1])


def recipes_for(repo_id: str, tree: list[str], framework: str = "") -> tuple[str, ...]:
    """Paths of a framework's tree that name this model (its recipe or config), if any."""
    name = repo_id.rsplit("/", 1)[-1].lower()
    stems = {name, re.sub(r"[-_.]v?\d+(\.\d+)*$", "", name)}
    # separators differ between a model id and a file name (vicuna-13b ~ train_vicuna_13b.sh)
    squashed = {re.sub(r"[-_./]", "", s) for s in stems}
    squashed = {s for s in squashed if len(s) >= 5}  # "mpt7b" in scripts/train/yamls/pretrain/mpt-7b.yaml
    found = [
        path
        for path in tree
        if path.lower().endswith((".yaml", ".yml", ".json", ".toml", ".py", ".sh"))
        and not _test_or_package_file(path)
        and not _model_support_module(path)
        and any(stem in re.sub(r"[-_./]", "", path.lower()) for stem in squashed)
    ]
    found += [p for p in sized_configs(repo_id, framework, tree) if p not in found]
    return tuple(sorted(found)[:5])


def model_family(repo_id: str) -> str:
    """The family a model's name starts with, sizes and versions left out ("neural-chat-7b-v3-3"
    -> "neuralchat", "nllb-200-distilled-600M" -> "nllb", "Qwen2.5-7B" -> "qwen"); "" when that
    is shorter than four letters (too generic to find in a path)."""
    words: list[str] = []
    for token in re.split(r"[-_.\s]+", repo_id.rsplit("/", 1)[-1].lower()):
        letters = re.match(r"[a-z]+", token)
        if letters is None:
            break
        words.append(letters.group())
        if letters.end() < len(token):
            break
    family = "".join(words)
    return family if len(family) >= 4 else ""


def _squashed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# an entry point named for what it does (train_script.py, finetune_neuralchat_v3.py) before a
# helper the name rules also count (apply_lora.py, get_train_log_metrics.py): cited first
ENTRY_NAME_RES = (re.compile(r"(pre_?)?train|fine_?tun|finetun"), re.compile(r"sft|dpo|run_|launch"))


def folder_recipe(tree: list[str], folder: str) -> tuple[str, ...]:
    """The training entry points (then configs) below a folder of a tree, classified as if the
    folder were a repository of its own (a framework's examples/ folder is usage as a whole, a
    model's recipe when the card points into it); () when it holds no training entry point."""
    folder = folder.strip("/")
    below = [p[len(folder) + 1 :] for p in tree if p.startswith(folder + "/")]
    if not below and folder in tree:
        below, folder = [folder.rsplit("/", 1)[-1]], folder.rsplit("/", 1)[0] if "/" in folder else ""
    report = classify_tree(below)
    entry = sorted(
        report.paths.get("pretraining", []) + report.paths.get("finetuning", []),
        key=lambda p: (
            next((i for i, r in enumerate(ENTRY_NAME_RES) if r.match(p.rsplit("/", 1)[-1].lower())), 2),
            p,
        ),
    )
    if not entry:
        return ()
    prefix = f"{folder}/" if folder else ""
    return tuple(prefix + p for p in entry[:3] + report.paths.get("configs", [])[:2])


def family_recipe(tree: list[str], family: str) -> tuple[str, ...]:
    """In a branch named for the model's family: the training recipe in the folders named for it
    (fairseq's branch nllb, examples/nllb/modeling/train/train_script.py)."""
    folders: list[str] = []
    for path in tree:
        parts = path.split("/")
        for i, part in enumerate(parts[:-1]):
            if family in _squashed(part):
                folder = "/".join(parts[: i + 1])
                if folder not in folders:
                    folders.append(folder)
                break
    found: list[str] = []
    for folder in folders:
        found += [p for p in folder_recipe(tree, folder) if p not in found]
    return tuple(found[:5])


def linked_branch(
    refs: list[str], default_branch: str, branch_trees: dict | None
) -> tuple[str, list[str], list[str]]:
    """(branch, its paths, the folders linked on it) when every link of the card to a repository
    names the same other branch, read (``tree/nllb``, ``tree/nllb/examples``); ("", [], [])
    otherwise: the default branch's tree stands (a branch GitHub does not know, a link to the
    default branch beside it)."""
    if not refs or not branch_trees:
        return "", [], []
    branches = {ref.split("/", 1)[0] for ref in refs}
    if len(branches) != 1:
        return "", [], []
    branch = branches.pop()
    stored = branch_trees.get(branch) or {}
    if branch == default_branch or stored.get("status") != "read":
        return "", [], []
    folders = [ref.split("/", 1)[1].strip("/") for ref in refs if "/" in ref.strip("/")]
    if len(folders) != len(refs):
        folders = []  # the branch's root is linked too: the whole branch
    return branch, list(stored.get("paths") or []), folders


def linked_subfolders(refs: list[str], default_branch: str) -> list[str]:
    """The folders of a repository the card links it through ("master/e5" -> "e5"), when every
    link names a folder below the default branch; [] means the whole repository (a link to
    another branch, or a branch name with slashes, cannot be told from a folder)."""
    if not refs or not default_branch:
        return []
    prefix = default_branch.lower() + "/"
    folders = [ref[len(prefix) :].strip("/") for ref in refs if ref.lower().startswith(prefix)]
    if len(folders) != len(refs) or not all(folders):
        return []
    return folders


def subfolder_repo(fact: RepoFact, tree: list[str], folders: list[str]) -> RepoFact:
    """The repository as the card links it: only the paths under the linked folders (v2)."""
    paths = []
    for folder in folders:
        paths += [p[len(folder) + 1 :] for p in tree if p.startswith(folder + "/")]
    report = classify_tree(paths)
    return dataclasses.replace(
        fact,
        full_name=f"{fact.full_name}/{'+'.join(folders)}",
        classification=report.classification,
        has_configs=report.has_configs,
        has_data_processing=bool(report.counts.get("data_processing")),
        has_evaluation=bool(report.counts.get("evaluation")),
        recipe_paths=(),
    )


def own_code_repo(
    repo_id: str, files: list[str], license_resolution, documentation: EvidenceRef | None
) -> RepoFact | None:
    """The model repository's own training script (train_script.py in its files), as code
    evidence under the model's licence; None when its files hold no training entry point."""
    report = classify_tree(files)
    if report.classification not in ("training", "finetuning"):
        return None
    kind = "pretraining" if report.classification == "training" else "finetuning"
    script = report.paths[kind][0]
    revision = documentation.revision if documentation else ""
    source = "/".join([str(settings.HF_PUBLIC_URL).rstrip("/"), repo_id, "blob", revision or "main", script])
    grade = license_resolution.grade if license_resolution is not None else UNKNOWN
    key = (license_resolution.key if license_resolution is not None else None) or ""
    return RepoFact(
        full_name=repo_id,
        status="available",
        classification=report.classification,
        license_spdx=key,
        license_open=True if grade == "open" else (None if grade == UNKNOWN else False),
        evidence=EvidenceRef(
            fact="code_files",
            subject=f"model:{repo_id}",
            source_url=source,
            revision=revision,
            fetched_at=documentation.fetched_at if documentation else "",
        ),
        hub_files=tuple(report.paths[kind][:5]),
    )


# the paths that carry a training stage's script or config (v2: a derivative with several stages)
STAGE_PATH_RES = {
    "sft": re.compile(r"sft|finetun|fine[_-]tun"),
    "dpo": re.compile(r"dpo"),
    "ppo": re.compile(r"ppo|rlhf|reward"),
    "orpo": re.compile(r"orpo"),
    "kto": re.compile(r"(^|[/_\-])kto"),
    "grpo": re.compile(r"grpo"),
}


def stages_missing(stages: list[str], tree: list[str]) -> tuple[str, ...]:
    """The stages the card names that no script or config of the repository covers."""
    steps = [
        p.lower()
        for p in tree
        if p.lower().endswith((*CODE_SUFFIXES, ".yaml", ".yml", ".json", ".toml"))
        and not {part.lower() for part in p.split("/")[:-1]} & IGNORED_DIRS
    ]
    return tuple(
        stage
        for stage in stages
        if stage in STAGE_PATH_RES and not any(STAGE_PATH_RES[stage].search(p) for p in steps)
    )


def _repo_license_open(kb: KnowledgeBase, spdx: str) -> bool | None:
    if not spdx or spdx == "NOASSERTION":
        return None
    resolution = kb.resolve(spdx)
    if resolution.entry is None and resolution.method != "spdx_list":
        return None
    return resolution.grade == "open"


def build_facts(
    model_ids: list[int],
) -> tuple[dict[int, ModelFacts], dict[int, ModelRow], dict[int, list[int]]]:
    """Facts, leaderboard copies and base ids for ``model_ids`` (one chunk)."""
    kb = knowledge_base()
    models = list(AIModel.objects.filter(id__in=model_ids).values(*MODEL_FIELDS))
    corrected = _corrected_values(model_ids)

    bases: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    # every list is ordered: a score must not depend on which chunk its model was scored in
    # (PostgreSQL returns unordered rows in plan order, which differs between chunks)
    edges_query = LineageEdge.objects.filter(child_id__in=model_ids).order_by("child_id", "parent_id")
    for child, parent, relation, origin in edges_query.values_list(
        "child_id", "parent_id", "relation", "origin"
    ):
        bases[child].append((parent, relation, origin))

    dataset_rows: dict[int, list[dict]] = defaultdict(list)
    for row in (
        ModelDataset.objects.filter(model_id__in=model_ids)
        .order_by("model_id", "dataset__repo_id")
        .values(
            "model_id",
            "origin",
            "dataset_id",
            "dataset__repo_id",
            "dataset__status",
            "dataset__license_declared",
            "dataset__license_name",
        )
    ):
        dataset_rows[row["model_id"]].append(row)
    dataset_evidence = _evidence(
        choices.SubjectType.DATASET, {r["dataset_id"] for rows in dataset_rows.values() for r in rows}
    )

    repo_rows: dict[int, list[dict]] = defaultdict(list)
    for row in (
        ModelCodeRepository.objects.filter(model_id__in=model_ids)
        .order_by("model_id", "repository__full_name")
        .values("model_id", "origin", "repository_id", "repository__canonical_id", "repository__full_name")
    ):
        repo_rows[row["model_id"]].append(row)
    repo_ids = {
        r["repository__canonical_id"] or r["repository_id"] for rows in repo_rows.values() for r in rows
    }
    # the repositories each model's bases link: a derivative linking its base's pretraining
    # repository (and no fine-tuning code in it) links the code that made the base, not itself
    parent_ids = {parent for edges in bases.values() for parent, _, _ in edges}
    base_repos: dict[int, set[int]] = defaultdict(set)
    for parent, repo_id, canonical_id in ModelCodeRepository.objects.filter(
        model_id__in=parent_ids
    ).values_list("model_id", "repository_id", "repository__canonical_id"):
        base_repos[parent].add(canonical_id or repo_id)
    repos = {
        r["id"]: r
        for r in CodeRepository.objects.filter(id__in=repo_ids).values(
            "id",
            "full_name",
            "status",
            "classification",
            "license_spdx",
            "license_text",
            "evidence_paths",
            "docs",
            "default_branch",
        )
    }
    doc_sources = {pk: _doc_sources(r["full_name"], r["docs"]) for pk, r in repos.items()}
    pointed = _pointed_recipes(kb, repos)
    runs = _framework_runs(kb, repos)
    framework_trees = {
        r["id"]: r["tree_paths"] or []
        for r in CodeRepository.objects.filter(
            id__in=[pk for pk, r in repos.items() if is_framework(r["full_name"])]
        ).values("id", "tree_paths")
    }
    # the other branches cards link (rules version 5)
    branch_trees = {
        r["id"]: r["branch_trees"]
        for r in CodeRepository.objects.filter(id__in=list(repos), branch_trees__isnull=False).values(
            "id", "branch_trees"
        )
    }
    parent_names = {
        pk: name.lower()
        for pk, name in AIModel.objects.filter(id__in=parent_ids).values_list("id", "repo_id")
    }
    card_notes = {
        row["subject_id"]: row["value"] if isinstance(row["value"], dict) else {}
        for row in Evidence.objects.filter(
            subject_type=choices.SubjectType.MODEL,
            subject_id__in=model_ids,
            fact=choices.Fact.DOCUMENTATION,
            origin=choices.EvidenceOrigin.CRAWLED,
        ).values("subject_id", "value")
    }
    # repositories some card links only through sub-folders: their trees, to classify those
    scoped_names = {name for notes in card_notes.values() for name in (notes.get("repo_subfolders") or {})}
    # and the trees of the repositories of cards that name training stages (sft, dpo ...)
    staged = {
        r["repository__canonical_id"] or r["repository_id"]
        for mid, rows in repo_rows.items()
        if (card_notes.get(mid) or {}).get("training_stages")
        for r in rows
    }
    scoped_trees = {
        r["id"]: r["tree_paths"] or []
        for r in CodeRepository.objects.filter(
            id__in=[pk for pk, r in repos.items() if r["full_name"] in scoped_names or pk in staged]
        ).values("id", "tree_paths")
    }
    repo_evidence = _evidence(choices.SubjectType.REPOSITORY, repo_ids)
    model_evidence = _evidence(choices.SubjectType.MODEL, model_ids)
    linked_papers: dict[int, list[str]] = defaultdict(list)
    for model_id, arxiv_id in ModelPaper.objects.filter(model_id__in=model_ids).values_list(
        "model_id", "paper__arxiv_id"
    ):
        linked_papers[model_id].append(arxiv_id)

    overrides: dict[int, dict[str, Override]] = defaultdict(dict)
    for row in Evidence.objects.filter(
        subject_type=choices.SubjectType.MODEL,
        subject_id__in=model_ids,
        origin=choices.EvidenceOrigin.CORRECTED,
        fact__in=list(JUDGMENT_CORRECTIONS),
    ).values("subject_id", "fact", "value", "source_url", "correction_id"):
        value = row["value"] if isinstance(row["value"], dict) else {}
        overrides[row["subject_id"]][JUDGMENT_CORRECTIONS[row["fact"]]] = Override(
            level=value.get("level") or UNKNOWN,
            rationale=value.get("rationale") or "Set by a maintainer correction.",
            correction_id=row["correction_id"],
            evidence_url=row["source_url"],
        )

    facts: dict[int, ModelFacts] = {}
    rows: dict[int, ModelRow] = {}
    base_ids: dict[int, list[int]] = {}
    for m in models:
        mid = m["id"]
        subject = f"model:{m['repo_id']}"
        evidence: dict[str, EvidenceRef] = {}
        corrected_facts = set()
        for row in model_evidence.get(mid, []):
            if row["origin"] == choices.EvidenceOrigin.CORRECTED:
                corrected_facts.add(row["fact"])
                evidence[row["fact"]] = _ref(row, f"correction:{row['correction_id']}")
            elif row["fact"] not in evidence:
                evidence[row["fact"]] = _ref(row, subject)

        edges = bases.get(mid, [])
        if "base_models" in corrected_facts:
            edges = [e for e in edges if e[2] == choices.LinkOrigin.CORRECTION]
        else:
            edges = [e for e in edges if e[2] != choices.LinkOrigin.CORRECTION]
        relations = {relation for _, relation, _ in edges}
        relation = None
        if edges:
            relation = next(
                (r for r in ("adapter", "quantized", "merge", "finetune") if r in relations), "unknown"
            )
        elif is_adapter_only(m["weight_files"]):
            relation = "adapter"  # adapter weights without a named base: a derivative of an unknown model
        elif (card_notes.get(mid) or {}).get("base_names_unresolved"):
            relation = "finetune"  # the card names its base, but by a name no repository matches

        linked = _links(dataset_rows.get(mid, []), "datasets", corrected_facts)
        if any(r["origin"] != choices.LinkOrigin.REPO_DOC for r in linked):
            # the card names its data: the linked repositories' documents do not add to it (v2)
            linked = [r for r in linked if r["origin"] != choices.LinkOrigin.REPO_DOC]
        own_repos = [
            repos[r["repository__canonical_id"] or r["repository_id"]]
            for r in _links(repo_rows.get(mid, []), "code_repositories", corrected_facts)
            if (r["repository__canonical_id"] or r["repository_id"]) in repos
        ]
        by_linked_name = {
            r["repository__full_name"]: repos.get(r["repository__canonical_id"] or r["repository_id"])
            for r in repo_rows.get(mid, [])
        }
        data_doc_repos = tuple((card_notes.get(mid) or {}).get("data_doc_repos") or ())
        data_repo_ids = {repo["id"] for name in data_doc_repos if (repo := by_linked_name.get(name))}
        sources: dict[str, tuple[str, int]] = {}
        for repo in own_repos:
            if repo["status"] != choices.RepoStatus.AVAILABLE or is_framework(repo["full_name"]):
                continue
            if relation is not None and repo["id"] not in data_repo_ids:
                # a derivative's own data: only a repository its card links for its training data
                # (a family's pretraining repository documents the base's data, not the fine-tune's)
                continue
            for key, where in doc_sources.get(repo["id"], {}).items():
                sources.setdefault(key, (where, repo["id"]))
        linked = [
            r
            for r in linked
            if r["origin"] != choices.LinkOrigin.REPO_DOC or r["dataset__repo_id"].lower() in sources
        ]
        datasets = tuple(
            dataset_fact(
                r,
                kb,
                _first_ref(dataset_evidence.get(r["dataset_id"]), f"dataset:{r['dataset__repo_id']}"),
                sources.get(r["dataset__repo_id"].lower(), ("", 0))[0]
                if r["origin"] == choices.LinkOrigin.REPO_DOC
                else "",
            )
            for r in linked
        )
        used_repos = {
            sources[r["dataset__repo_id"].lower()][1]
            for r in linked
            if r["origin"] == choices.LinkOrigin.REPO_DOC and r["dataset__repo_id"].lower() in sources
        }
        doc_evidence = tuple(
            ref
            for pk in sorted(used_repos)
            if (ref := _first_ref(repo_evidence.get(pk), f"repository:{repos[pk]['full_name']}", "repo_docs"))
        )
        data_doc_repos_read = tuple(
            name
            for name in data_doc_repos
            if (repo := by_linked_name.get(name)) is not None
            and repo["status"] == choices.RepoStatus.AVAILABLE
            and any(f.get("status") == "read" for f in (repo["docs"] or {}).get("files", []))
        )
        repo_facts = []
        for r in _links(repo_rows.get(mid, []), "code_repositories", corrected_facts):
            repo = repos.get(r["repository__canonical_id"] or r["repository_id"])
            if repo is None:
                continue
            paths = repo["evidence_paths"] or {}
            license_key = repo_license_key(repo["license_spdx"], repo["license_text"])
            fact = RepoFact(
                full_name=repo["full_name"],
                status=repo["status"],
                classification=repo["classification"],
                license_spdx=license_key,
                license_open=_repo_license_open(kb, license_key),
                framework=is_framework(repo["full_name"]),
                recipe_paths=recipes_for(
                    m["repo_id"], framework_trees.get(repo["id"], []), repo["full_name"]
                ),
                has_configs=bool(paths.get("configs")),
                has_data_processing=bool(paths.get("data_processing")),
                has_evaluation=bool(paths.get("evaluation")),
                # a recipe in another repository counts for the model its path or its
                # README heading names (xmtf's "BLOOMZ" section trains bloomz, not mt0)
                pointed_recipe=next(
                    (r for r in pointed.get(repo["id"], []) if _names_model(m["repo_id"], r.path, r.heading)),
                    None,
                ),
                framework_run=runs.get(repo["id"]),
                evidence=_first_ref(
                    repo_evidence.get(repo["id"]), f"repository:{repo['full_name']}", "repo_code"
                ),
            )
            if (
                repo["classification"] == "training"
                and not paths.get("finetuning")
                and any(repo["id"] in base_repos.get(parent, ()) for parent, _, _ in bases.get(mid, []))
            ):
                fact = dataclasses.replace(fact, base_code=True)
            stages = (card_notes.get(mid) or {}).get("training_stages") or []
            if stages and repo["id"] in scoped_trees and not fact.framework:
                fact = dataclasses.replace(
                    fact, missing_stages=stages_missing(stages, scoped_trees[repo["id"]])
                )
            notes = card_notes.get(mid) or {}
            refs = (notes.get("repo_subfolders") or {}).get(repo["full_name"]) or []
            folders = linked_subfolders(refs, repo["default_branch"])
            if folders and repo["id"] in scoped_trees and repo["status"] == choices.RepoStatus.AVAILABLE:
                fact = subfolder_repo(fact, scoped_trees[repo["id"]], folders)
            branch, branch_paths, branch_folders = linked_branch(
                refs, repo["default_branch"], branch_trees.get(repo["id"])
            )
            if repo["status"] == choices.RepoStatus.AVAILABLE:
                fact = _recipes_linked(
                    fact,
                    m["repo_id"],
                    tree=framework_trees.get(repo["id"], []),
                    default_branch=repo["default_branch"],
                    branch=(branch, branch_paths, branch_folders),
                    pointers=(notes.get("repo_recipe_links") or {}).get(repo["full_name"]) or [],
                    card_recipe=notes.get("card_recipe"),
                    bases={parent_names.get(parent, "") for parent, _, _ in edges},
                )
            repo_facts.append(fact)

        license_value = corrected.get((mid, "license"))
        if license_value is not None:
            license_resolution = kb.resolve_declared(
                license_value.get("declared") or [],
                license_value.get("license_name", ""),
                license_value.get("license_link", ""),
            )
        else:
            license_resolution = kb.resolve_declared(
                m["license_declared"] or [], m["license_name"], m["license_link"]
            )
        if (
            license_resolution is not None
            and license_resolution.entry is None
            and not license_resolution.parts
        ):
            license_resolution = license_from_card_text(
                kb,
                license_resolution,
                (card_notes.get(mid) or {}).get("license_statements") or [],
                (card_notes.get(mid) or {}).get("license_file"),
            )
        own = own_code_repo(
            m["repo_id"],
            (card_notes.get(mid) or {}).get("code_files") or [],
            license_resolution,
            evidence.get(choices.Fact.DOCUMENTATION),
        )
        if own is not None and "code_repositories" not in corrected_facts:
            repo_facts.append(own)
        documentation = model_evidence.get(mid, [])
        has_card = True if m["detail_crawled_at"] else None
        if any(r["fact"] == "documentation" for r in documentation):
            has_card = True
        tags = m["tags"] or []
        card_read = card_was_read(m["detail_crawled_at"] is not None, card_notes.get(mid))
        facts[mid] = ModelFacts(
            model_id=mid,
            repo_id=m["repo_id"],
            listed=not m["is_placeholder"],
            missing=m["missing_since"] is not None,
            private=m["private"],
            disabled=m["disabled"],
            gated=m["gated"],
            weight_files=tuple(m["weight_files"]) if m["weight_files"] is not None else None,
            weight_formats=tuple(m["weight_formats"] or ()),
            relation=relation,
            base_ids=tuple(parent for parent, _, _ in edges),
            datasets=datasets,
            datasets_known=not m["is_placeholder"] or "datasets" in corrected_facts,
            repos=tuple(repo_facts),
            repos_known=m["detail_crawled_at"] is not None or "code_repositories" in corrected_facts,
            license=license_resolution,
            has_card=has_card,
            card_read=card_read,
            collections_unread=tuple((card_notes.get(mid) or {}).get("collections_unread") or ()),
            data_doc_repos=data_doc_repos,
            data_doc_repos_read=data_doc_repos_read,
            doc_evidence=doc_evidence,
            unresolved_base=((card_notes.get(mid) or {}).get("base_names_unresolved") or [""])[0]
            if not edges
            else "",
            base_from_text=_base_from_text((card_notes.get(mid) or {}).get("base_name_resolved"), edges),
            data_withheld=((card_notes.get(mid) or {}).get("data_withheld") or [""])[0],
            merge_recipe="mergekit" in tags and card_read,
            papers=tuple(
                dict.fromkeys(
                    [t[len("arxiv:") :] for t in tags if t.startswith("arxiv:")]
                    + sorted(linked_papers.get(mid, []))
                )
            ),
            eval_results="model-index" in tags
            or "eval-results" in tags
            or bool((card_notes.get(mid) or {}).get("evaluation_results")),
            evidence=evidence,
            corrected_facts=frozenset(corrected_facts & (LINK_FACTS | {"license"})),
            overrides=overrides.get(mid, {}),
        )
        rows[mid] = ModelRow(
            id=mid,
            repo_id=m["repo_id"],
            organization_name=m["organization__name"] or "",
            pipeline_tag=m["pipeline_tag"],
            modality=m["modality"],
            downloads=m["downloads"],
            likes=m["likes"],
            parameters=m["parameters"],
            released_at=m["hub_created_at"],
            last_crawled_at=m["detail_crawled_at"] or m["listed_at"],
            # a private repo leaves the board, and so does one a complete pass found gone
            is_listed=not m["is_placeholder"] and not m["private"] and m["retired_at"] is None,
        )
        base_ids[mid] = [parent for parent, _, _ in edges]
    return facts, rows, base_ids


def _recipes_linked(
    fact: RepoFact,
    repo_id: str,
    *,
    tree: list[str],
    default_branch: str,
    branch: tuple[str, list[str], list[str]],
    pointers: list[str],
    card_recipe: dict | None,
    bases: set[str],
) -> RepoFact:
    """What the card links of a repository, read where it points (rules version 5).

    * A link to another branch (``tree/nllb``) is read on that branch's tree: a repository of
      the model's own is classified there; in a framework, paths naming the model, or, on a
      branch named for the model's family, the training recipe in the folders named for it.
    * A framework folder the card links under a training / reproduce heading, named for the
      model's family and holding training entry points, is the model's recipe.
    * A training config printed in the card, starting from this model's own base, is the
      model's recipe for a framework the card links that holds training code.
    """
    name, paths, folders = branch
    family = model_family(repo_id)
    if name and not fact.framework:
        report = classify_tree(
            [p[len(f) + 1 :] for f in folders for p in paths if p.startswith(f + "/")] if folders else paths
        )
        return dataclasses.replace(
            fact,
            full_name=f"{fact.full_name}@{name}" + (f"/{'+'.join(folders)}" if folders else ""),
            classification=report.classification,
            has_configs=report.has_configs,
            has_data_processing=bool(report.counts.get("data_processing")),
            has_evaluation=bool(report.counts.get("evaluation")),
        )
    if not fact.framework or fact.recipe_paths:
        return fact
    if name:
        found = recipes_for(repo_id, paths, fact.full_name)
        if not found and family and _squashed(name).startswith(family):
            found = family_recipe(paths, family)
        if found:
            return dataclasses.replace(fact, recipe_paths=tuple(f"{p} on branch {name}" for p in found))
    for pointed in pointers:
        folder = pointed[len(default_branch) + 1 :] if pointed.startswith(default_branch + "/") else ""
        if folder and family and family in _squashed(folder.rsplit("/", 1)[-1]):
            found = folder_recipe(tree, folder)
            if found:
                return dataclasses.replace(fact, recipe_paths=found)
    base = str((card_recipe or {}).get("base") or "").lower()
    if base and base in bases and fact.classification in ("training", "finetuning"):
        return dataclasses.replace(fact, card_recipe=f"model_name_or_path {card_recipe['base']}")  # type: ignore[index]
    return fact


def _names_model(repo_id: str, *texts: str) -> bool:
    """Does a path or a heading name this model (``bloomz`` in "Train models / BLOOMZ")?"""
    name = repo_id.rsplit("/", 1)[-1].lower()
    stems = {re.sub(r"[-_./]", "", s) for s in (name, re.sub(r"[-_.]v?\d+(\.\d+)*$", "", name))}
    squashed = [re.sub(r"[-_./\s]", "", t.lower()) for t in texts]
    return any(stem and len(stem) >= 3 and stem in text for stem in stems for text in squashed)


def _docs_findings(repos: dict[int, dict], kind: str) -> dict[int, list[dict]]:
    """Per public linked repository that is not a general framework, the ``kind`` findings
    (recipe links, framework runs) of every document of it that was read."""
    return {
        pk: [
            found
            for f in (r["docs"] or {}).get("files", [])
            for found in (f.get("findings") or {}).get(kind, [])
        ]
        for pk, r in repos.items()
        if r["status"] == choices.RepoStatus.AVAILABLE and not is_framework(r["full_name"])
    }


def _pointed_recipes(kb: KnowledgeBase, repos: dict[int, dict]) -> dict[int, list[PointedRecipe]]:
    """Per linked repository, the training recipes its README links in a GitHub repository
    that is in the catalog, public, not a general framework, and whose stored tree holds the
    path (the crawler never follows the link itself); best first."""
    wanted = _docs_findings(repos, "recipe_links")
    names = {link["repo"] for links in wanted.values() for link in links if not is_framework(link["repo"])}
    if not names:
        return {}
    targets = {
        t["full_name"]: t
        for t in CodeRepository.objects.filter(
            full_name__in=names, status=choices.RepoStatus.AVAILABLE
        ).values("full_name", "tree_paths", "license_spdx", "license_text")
    }
    found: dict[int, list[PointedRecipe]] = {}
    for pk, links in wanted.items():
        # a path that says it trains first ("train/tr13-mtf/x.slurm" before "data/xp3/y.slurm")
        for link in sorted(links, key=lambda item: "train" not in item["path"].lower()):
            target = targets.get(link["repo"])
            if target is None or link["path"] not in set(target["tree_paths"] or []):
                continue
            key = repo_license_key(target["license_spdx"], target["license_text"])
            found.setdefault(pk, []).append(
                PointedRecipe(
                    repository=link["repo"],
                    path=link["path"],
                    kind=link.get("kind", "pretraining"),
                    license_spdx=key,
                    license_open=_repo_license_open(kb, key),
                    heading=link.get("heading", ""),
                )
            )
    return found


def _framework_runs(kb: KnowledgeBase, repos: dict[int, dict]) -> dict[int, PointedRecipe]:
    """Per linked repository (not a framework), the first training command of its README that
    runs a program of another repository with this repository's configs (docs rules 2), when that
    repository is in the catalog and public: the configs are this repository's recipe for it.
    Its licence is free only when both the configs' and the program's repositories are."""
    wanted = _docs_findings(repos, "framework_runs")
    names = {run["repo"] for runs in wanted.values() for run in runs}
    if not names:
        return {}
    targets = {
        t["full_name"]: t
        for t in CodeRepository.objects.filter(
            full_name__in=names, status=choices.RepoStatus.AVAILABLE
        ).values("full_name", "license_spdx", "license_text")
    }
    found: dict[int, PointedRecipe] = {}
    for pk, runs in wanted.items():
        for run in sorted(runs, key=lambda item: item.get("kind") != "pretraining"):
            target = targets.get(run["repo"])
            if target is None or not run.get("configs"):
                continue
            own = repo_license_key(repos[pk]["license_spdx"], repos[pk]["license_text"])
            theirs = repo_license_key(target["license_spdx"], target["license_text"])
            both = [_repo_license_open(kb, own), _repo_license_open(kb, theirs)]
            found[pk] = PointedRecipe(
                repository=run["repo"],
                path=run["configs"][0],
                kind=run.get("kind", "pretraining"),
                license_spdx=own if own == theirs else f"{own or 'no licence'} and {theirs or 'no licence'}",
                license_open=True if all(b is True for b in both) else (False if False in both else None),
                heading=run.get("heading", ""),
                runs=run.get("script", ""),
            )
            break
    return found


def _doc_sources(full_name: str, docs: dict | None) -> dict[str, str]:
    """Catalog dataset id (lower-cased) -> "github.com/<repo> <document path>" that named it."""
    found: dict[str, str] = {}
    for file in (docs or {}).get("files", []):
        findings = file.get("findings") or {}
        where = f"github.com/{full_name} {file.get('path', '')}"
        keys = [
            *findings.get("hub_datasets", []),
            *(u[:300] for u in findings.get("dataset_urls", [])),
            *(named_dataset_id(n) for n in findings.get("dataset_names", [])),
        ]
        for key in keys:
            found.setdefault(key.lower(), where)
    return found


def _links(rows: list[dict], fact: str, corrected_facts: set[str]) -> list[dict]:
    """A corrected fact's links are the correction's alone; otherwise the crawled ones."""
    if fact in corrected_facts:
        return [r for r in rows if r["origin"] == choices.LinkOrigin.CORRECTION]
    return [r for r in rows if r["origin"] != choices.LinkOrigin.CORRECTION]


def is_adapter_only(weight_files: list[str] | None) -> bool:
    """Only PEFT adapter weights (adapter_model.*) in the repository."""
    if not weight_files:
        return False
    return all(name.rsplit("/", 1)[-1].startswith("adapter_model") for name in weight_files)


def _first_ref(rows: list[dict] | None, subject: str, fact: str | None = None) -> EvidenceRef | None:
    for row in rows or []:
        if fact is None or row["fact"] == fact:
            return _ref(row, subject)
    return None


def _base_from_text(resolved: dict | None, edges: list[tuple[int, str, str]]) -> tuple[str, str]:
    """(base id, how the card names it) for a base resolved from a name in the card's prose
    (card-reading rules 4), when that base is still this model's edge; else ("", "")."""
    if not resolved or not resolved.get("repo_id"):
        return ("", "")
    if not any(origin == choices.LinkOrigin.README for _, _, origin in edges):
        return ("", "")  # the edge is gone, or a correction replaced it
    heading = resolved.get("heading")
    where = f"under '{heading}'" if heading else "before any heading"
    sentence = resolved.get("sentence")
    return (
        resolved["repo_id"],
        f"named '{resolved.get('name', '')}' in the card's text, "
        f"{f'sentence {sentence} ' if sentence else ''}{where}, "
        f"matched by {resolved.get('matched_by', 'name')}",
    )
