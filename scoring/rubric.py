"""Methodology v1 as pure functions: the facts of a model (and its lineage) in, four judgments out.

No ORM and no I/O here: ``scoring.facts`` builds the inputs from the catalog, and
``scoring.services`` stores the outputs. Every judgment carries its level, points, a
one-sentence rationale naming the deciding fact, the evidence it rests on, and its origin
(crawled, inferred through lineage, maintainer-corrected). docs/methodology.md is the
prose version of these rules; keep both in step.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from scoring import dimensions
from scoring.dimensions import CODE, DATA, LICENSE, WEIGHTS
from scoring.levels import CLOSED, OPEN, PARTIAL, POINTS, UNKNOWN, mean_level, strictest
from scoring.licenses import LicenseResolution

# both derive from scoring.dimensions, the one list of dimensions
DIMENSIONS = dimensions.KEYS
DIMENSION_LABELS = {d.key: d.label for d in dimensions.ALL}
CRAWLED, INFERRED, CORRECTED = "crawled", "inferred", "corrected"
OSI_CODE_LICENSES_FALLBACK = {"NOASSERTION": None, "": None}


@dataclass(frozen=True)
class EvidenceRef:
    fact: str
    subject: str  # "model:org/name", "dataset:org/name", "repository:owner/name", "correction:12"
    source_url: str
    revision: str = ""
    fetched_at: str = ""  # ISO 8601
    origin: str = CRAWLED
    evidence_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        values = {
            "fact": self.fact,
            "subject": self.subject,
            "source_url": self.source_url,
            "revision": self.revision,
            "fetched_at": self.fetched_at,
            "origin": self.origin,
            "evidence_id": self.evidence_id,
        }
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass(frozen=True)
class DatasetFact:
    name: str
    status: str  # available / gated / private / missing / external / unverified / error
    license_grade: str  # grade of the dataset's declared license (unknown when none)
    license_label: str
    evidence: EvidenceRef | None = None
    # where a dataset the card does not name came from: "github.com/<owner>/<repo> <doc path>"
    # (the linked repository's README or data documentation, methodology v2); "" for the card
    source: str = ""


@dataclass(frozen=True)
class PointedRecipe:
    """A training recipe a repository's README links in a GitHub repository, found in that
    repository's stored tree (issue 11: the README's recipe pointers)."""

    repository: str
    path: str
    kind: str  # pretraining / finetuning (from the README heading it sits under)
    license_spdx: str
    license_open: bool | None
    heading: str = ""  # the README section it sits under ("Train models / BLOOMZ")
    # a framework_run: the program of ``repository`` the README's command runs with this
    # repository's config ``path`` ("modelzoo/transformers/pytorch/gpt3/run.py")
    runs: str = ""


@dataclass(frozen=True)
class RepoFact:
    full_name: str
    status: str  # available / missing / empty / refused / error / unverified / renamed
    classification: str  # training / finetuning / inference / none / unknown
    license_spdx: str
    license_open: bool | None  # OSI-approved (or free) license per the knowledge base; None if unknown
    has_configs: bool = False
    has_data_processing: bool = False
    has_evaluation: bool = False
    evidence: EvidenceRef | None = None
    framework: bool = False  # a general-purpose framework or tool (v2): usage, not this model's code
    recipe_paths: tuple[str, ...] = ()  # in a framework: configs or scripts that name this model
    pointed_recipe: PointedRecipe | None = None  # the recipe its README links (another repository)
    # its README's training command runs another repository's program with its configs (rules 5)
    framework_run: PointedRecipe | None = None
    # a framework the card links, for which the card itself prints this model's training config
    # ("model_name_or_path <its base>" with training keys): the recipe it ran (rules version 5)
    card_recipe: str = ""
    # the model repository's own training scripts (train_script.py in its Hub files, v2)
    hub_files: tuple[str, ...] = ()
    # its base model links it too and it holds pretraining code only: the base's code (v2)
    base_code: bool = False
    # training stages the card names (dpo, ppo ...) that no script or config here covers
    missing_stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Override:
    level: str
    rationale: str
    correction_id: int
    evidence_url: str


@dataclass(frozen=True)
class ModelFacts:
    model_id: int
    repo_id: str
    listed: bool = True  # False for placeholders known only as someone's base
    missing: bool = False  # the Hub answers 404 / the repository was renamed away
    private: bool = False
    disabled: bool = False
    gated: str = ""
    weight_files: tuple[str, ...] | None = None  # None: files not crawled
    weight_formats: tuple[str, ...] = ()
    relation: str | None = None  # finetune / adapter / quantized / merge / unknown; None for a base model
    base_ids: tuple[int, ...] = ()
    datasets: tuple[DatasetFact, ...] = ()
    datasets_known: bool = True  # card metadata was read (listing or detail)
    repos: tuple[RepoFact, ...] = ()
    repos_known: bool = False  # README links were read (detail crawl) or corrected
    license: LicenseResolution | None = None
    has_card: bool | None = None
    # v2: was the README read (False: gated-and-refused, unreadable, not in the snapshot, or the
    # model was only ever listed)? Card metadata counts as read either way.
    card_read: bool = True
    # v2: Hub collections linked in the card's training section that could not be read
    # (private, deleted, unreadable): their datasets are unknown, not absent
    collections_unread: tuple[str, ...] = ()
    # v2: GitHub repositories the card links for its training data; their data documentation
    # is not read yet, so a card that names no dataset but points there is unknown, not closed
    data_doc_repos: tuple[str, ...] = ()
    # of those, the ones whose README / data documents were read (none named a dataset)
    data_doc_repos_read: tuple[str, ...] = ()
    # evidence of the repository documents the datasets came from (REPO_DOCS rows)
    doc_evidence: tuple[EvidenceRef, ...] = ()
    merge_recipe: bool = False  # a mergekit configuration is published with the model (v2)
    unresolved_base: str = ""  # a base the card names by a name no single Hub repository matches
    # (base id, how the card names it) for a base resolved from a plain name in the card's prose
    base_from_text: tuple[str, str] = ("", "")
    # v2: a sentence of the card's training-data text saying part of the data is not public
    data_withheld: str = ""
    papers: tuple[str, ...] = ()
    eval_results: bool = False
    evidence: dict[str, EvidenceRef] = field(default_factory=dict)
    corrected_facts: frozenset[str] = frozenset()  # facts whose values come from approved corrections
    overrides: dict[str, Override] = field(default_factory=dict)


@dataclass(frozen=True)
class BaseSummary:
    """What a derivative needs to know of one base model's score."""

    model_id: int
    repo_id: str
    weights: str
    data: str
    code: str
    license: str
    license_label: str
    license_key: str | None
    reason: str = ""  # why the base is unknown (missing, private, cycle)


@dataclass(frozen=True)
class Judgment:
    dimension: str
    level: str
    rationale: str
    origin: str = CRAWLED
    evidence: tuple[EvidenceRef, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return POINTS[self.level]

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "points": self.points,
            "rationale": self.rationale,
            "origin": self.origin,
            "evidence": [e.as_dict() for e in self.evidence],
            "details": self.details,
        }


@dataclass(frozen=True)
class Methodology:
    version: str
    weights: dict[str, float]

    def total(self, judgments: dict[str, Judgment]) -> float:
        weight_sum = sum(self.weights.values())
        return round(100 * sum(self.weights[d] * judgments[d].points for d in DIMENSIONS) / weight_sum, 1)


METHODOLOGY_V1 = Methodology("1.0", dict.fromkeys(DIMENSIONS, 1.0))


@dataclass(frozen=True)
class ScoreResult:
    judgments: dict[str, Judgment]
    total: float
    license_key: str | None
    license_label: str
    license_conflict: str
    is_derivative: bool

    @property
    def unknown_count(self) -> int:
        return sum(1 for j in self.judgments.values() if j.level == UNKNOWN)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _ev(facts: ModelFacts, *names: str) -> tuple[EvidenceRef, ...]:
    return tuple(facts.evidence[n] for n in names if n in facts.evidence)


def _origin(facts: ModelFacts, fact: str, default: str = CRAWLED) -> str:
    return CORRECTED if fact in facts.corrected_facts else default


# --- weights --------------------------------------------------------------------------------
def judge_weights(facts: ModelFacts, bases: list[BaseSummary], lineage_problem: str = "") -> Judgment:
    # lineage_problem is accepted like every judge's; downloadable weights do not depend on it
    evidence = _ev(facts, "access", "weight_files", "weight_formats")
    if not facts.listed and not facts.missing:
        return Judgment(
            WEIGHTS,
            UNKNOWN,
            f"{facts.repo_id} is known only as a base model named by others; it has "
            "not been listed on the Hub.",
            CRAWLED,
            evidence,
        )
    if facts.missing:
        return Judgment(
            WEIGHTS,
            CLOSED,
            "The repository no longer exists on the Hub (404), so no weights can be downloaded.",
            CRAWLED,
            evidence,
        )
    if facts.private:
        return Judgment(
            WEIGHTS, CLOSED, "The repository is private: no weights are public.", CRAWLED, evidence
        )
    if facts.disabled:
        return Judgment(
            WEIGHTS,
            CLOSED,
            "The Hub has disabled the repository: its files cannot be downloaded.",
            CRAWLED,
            evidence,
        )
    files = facts.weight_files
    if files is not None and not files:
        if facts.weight_formats:
            files = None  # the listing saw weight formats; the file list we got was incomplete
        else:
            return Judgment(
                WEIGHTS,
                CLOSED,
                "The repository holds no weight files (safetensors, bin, gguf, "
                "onnx, ...): a placeholder or API-only release.",
                CRAWLED,
                evidence,
            )
    if files is None and not facts.weight_formats:
        return Judgment(
            WEIGHTS,
            UNKNOWN,
            "Neither the file list nor the Hub's format tags show weight files.",
            CRAWLED,
            evidence,
        )
    described = (
        f"{_plural(len(files), 'weight file')} ({', '.join(files[:2])}{', ...' if len(files) > 2 else ''})"
        if files
        else f"weights in {', '.join(facts.weight_formats)} format"
    )
    if facts.gated:
        kind = "manual approval" if facts.gated == "manual" else "a click-through form"
        return Judgment(
            WEIGHTS,
            PARTIAL,
            f"The {described} are behind a gate ({kind}) on the Hub.",
            CRAWLED,
            evidence,
            {"gated": facts.gated},
        )
    if facts.relation in ("adapter", "quantized"):
        what = "an adapter" if facts.relation == "adapter" else "a quantization"
        if not bases:  # like a base that is not in the catalog: the full weights cannot be shown to be open
            return Judgment(
                WEIGHTS,
                PARTIAL,
                f"Only {what} is published, and its base model is not named, so the "
                "full weights cannot be shown to be downloadable.",
                INFERRED,
                evidence,
                {"base": None},
            )
        closed_bases = [b for b in bases if b.weights != OPEN]
        if closed_bases:
            base = closed_bases[0]
            return Judgment(
                WEIGHTS,
                PARTIAL,
                f"Only {what} is published; its base {base.repo_id} is not openly "
                f"downloadable ({base.weights}).",
                INFERRED,
                evidence,
                {"base": base.repo_id},
            )
    return Judgment(WEIGHTS, OPEN, f"The {described} download without any gate.", CRAWLED, evidence)


# --- training data ------------------------------------------------------------------------------
OBTAINABLE = "available"
NAMED_ONLY = {"gated", "external"}
NOT_OBTAINABLE = {"missing", "private", "error", "no_files"}
# a linked repository whose crawl failed for good, or that the stand-in's snapshot did not
# capture (status error): its code could not be read, so it is unknown (v2 §1), never closed
UNREAD_REPOSITORY = {"error"}


def data_part(facts: ModelFacts) -> tuple[str, str, dict[str, Any]]:
    """The level of the datasets this model itself names (its own training data), methodology v2.

    Obtainable = exists, public, ungated; a missing licence tag is reported, not held against
    availability. Named but not obtainable (gated, withdrawn, not on the Hub, named only in
    text) is partial; closed only when the card was read and names nothing; unknown when
    what decides it could not be read.
    """
    datasets = facts.datasets
    if not facts.datasets_known:
        return UNKNOWN, "has not had its card metadata read yet", {}
    unread = facts.collections_unread
    if not datasets:
        if not facts.card_read:
            return UNKNOWN, "names no dataset in its metadata, and its README could not be read", {}
        if unread:
            return (
                UNKNOWN,
                f"names its training data through the Hub collection {unread[0]}, which could not be read",
                {"collections_unread": list(unread)},
            )
        if facts.data_doc_repos:
            unread_docs = [r for r in facts.data_doc_repos if r not in facts.data_doc_repos_read]
            if unread_docs:
                return (
                    UNKNOWN,
                    f"names no dataset itself but points to github.com/{unread_docs[0]} for its "
                    "training data, whose documentation could not be read",
                    {"data_doc_repos": list(facts.data_doc_repos)},
                )
            # v2: data described in a datasheet or documentation but not released is named (partial)
            return (
                PARTIAL,
                f"names no dataset itself but points to github.com/{facts.data_doc_repos[0]} for its "
                "training data, whose README and data documents describe it without naming a dataset "
                "that can be checked",
                {"data_doc_repos": list(facts.data_doc_repos)},
            )
        return CLOSED, "names no training dataset (card read)", {}
    obtainable = [d for d in datasets if d.status == OBTAINABLE]
    unlicensed = [d for d in obtainable if not d.license_label or d.license_grade == UNKNOWN]
    named_only = [d for d in datasets if d.status in NAMED_ONLY]
    unverified = [d for d in datasets if d.status == "unverified"]
    lost = [d for d in datasets if d.status in NOT_OBTAINABLE]
    sources = list(dict.fromkeys(d.source for d in datasets if d.source))
    names = "names"
    if sources and all(d.source for d in datasets):
        # v2: the card names none; its own linked repository's documentation does
        shown = "; ".join(sources[:2]) + (f" and {len(sources) - 2} more" if len(sources) > 2 else "")
        names = f"names no dataset in its card, but its linked repository's documentation ({shown}) names"
    details = {
        "obtainable": [d.name for d in obtainable],
        "no_license": [d.name for d in unlicensed],
        "gated_or_external": [_shown(d.name, d.source) for d in named_only],
        "unresolved": [d.name for d in lost],
        "unverified": [d.name for d in unverified],
        "collections_unread": list(unread),
    }
    if sources:
        details["from_repository_docs"] = {d.name: d.source for d in datasets if d.source}
    total = len(datasets)
    licence_note = (
        f"; {_plural(len(unlicensed), 'public dataset')} without a licence tag ({unlicensed[0].name})"
        if unlicensed
        else ""
    )
    if len(obtainable) == total and not unread:
        if facts.data_withheld:
            # v2: every dataset it names is public, but the card says part of its data is not
            details["withheld"] = facts.data_withheld
            return (
                PARTIAL,
                f"{names} {_plural(total, 'dataset')}, all public and ungated, but the card says part of "
                f'its training data is not public ("{facts.data_withheld[:120]}"){licence_note}',
                details,
            )
        return OPEN, f"{names} {_plural(total, 'dataset')}, all public and ungated{licence_note}", details
    if unverified and not obtainable and not named_only and not lost:
        return UNKNOWN, f"{names} {_plural(total, 'dataset')} not checked yet", details
    problems = []
    if named_only:
        problems.append(
            f"{len(named_only)} gated, hosted elsewhere or named only in text "
            f"({_shown(named_only[0].name, named_only[0].source)})"
        )
    if lost:
        shown = lost[0].status if lost[0].status != "no_files" else "on the Hub without data files"
        problems.append(f"{len(lost)} not obtainable ({lost[0].name}: {shown})")
    if unverified:
        problems.append(f"{len(unverified)} not checked yet")
    if unread:
        problems.append(f"the Hub collection {unread[0]} it links could not be read")
    return (
        PARTIAL,
        f"{names} {_plural(total, 'dataset')}, {len(obtainable)} of them openly obtainable; "
        + "; ".join(problems)
        + licence_note,
        details,
    )


def _bases_shown(bases, facts: ModelFacts) -> str:
    """The bases by id; one resolved from a name in the card's prose says where the card names it."""
    resolved, how = facts.base_from_text
    return ", ".join(
        f"{b.repo_id} ({how})" if resolved and b.repo_id.lower() == resolved.lower() else b.repo_id
        for b in bases
    )


def _unnamed_base(facts: ModelFacts) -> str:
    if facts.unresolved_base:
        return f"'{facts.unresolved_base}' (named in the card; no single Hub repository matches)"
    return "an unnamed base"


def _shown(name: str, source: str = "") -> str:
    """A corpus named only in text is stored as named/<slug>: show it as named, and where."""
    if not name.startswith("named/"):
        return name
    return f"{name.removeprefix('named/')} (named in {'the documentation' if source else 'the card'}'s text)"


def judge_data(facts: ModelFacts, bases: list[BaseSummary], lineage_problem: str = "") -> Judgment:
    evidence = (
        _ev(facts, "datasets")
        + facts.doc_evidence[:5]
        + tuple(d.evidence for d in facts.datasets if d.evidence)[:10]
    )
    origin = _origin(facts, "datasets")
    own, own_reason, details = data_part(facts)
    if not facts.listed and not facts.missing:
        return Judgment(
            DATA,
            UNKNOWN,
            f"{facts.repo_id} is known only as a base model; its card has not been read.",
            CRAWLED,
            evidence,
        )
    if facts.relation is None:
        return Judgment(DATA, own, f"This model {own_reason}.", origin, evidence, details)
    if lineage_problem:
        return Judgment(
            DATA,
            UNKNOWN,
            f"Pretraining data cannot be traced: {lineage_problem}.",
            INFERRED,
            evidence,
            details,
        )
    base_level = strictest([b.data for b in bases]) if bases else UNKNOWN
    base_names = _bases_shown(bases, facts) or _unnamed_base(facts)
    base_reason = next((b.reason for b in bases if b.reason), "")
    if facts.relation in ("quantized", "merge"):
        what = "a quantization" if facts.relation == "quantized" else "a merge"
        reason = f"As {what}, it was trained on exactly its base's data: {base_names} is {base_level}"
        return Judgment(
            DATA,
            base_level,
            reason + (f" ({base_reason})." if base_reason else "."),
            INFERRED,
            evidence,
            details,
        )
    level = mean_level([base_level, own])
    rationale = (
        f"Mean of the base's data ({base_names}: {base_level}{f', {base_reason}' if base_reason else ''}) "
        f"and its own fine-tuning data ({own}: it {own_reason})."
    )
    return Judgment(DATA, level, rationale, CORRECTED if origin == CORRECTED else INFERRED, evidence, details)


# --- training code ----------------------------------------------------------------------------
def code_part(facts: ModelFacts, *, derivative: bool) -> tuple[str, str, RepoFact | None]:
    if facts.relation == "merge" and facts.merge_recipe:
        # the merge configuration printed in the card is the recipe, mergekit the open tool that
        # runs it: the code that made this merge is public (v2: framework + this model's recipe)
        return OPEN, "the card publishes its mergekit configuration, run by the open-source mergekit", None
    if not facts.repos_known and not facts.repos:
        return UNKNOWN, "the card's links have not been read yet", None
    repos = [r for r in facts.repos if r.status != "renamed"]
    # v2: a general-purpose framework linked for installation or usage is not this model's
    # code; it counts only through a published recipe or config that names this model
    frameworks = [r for r in repos if r.framework and not r.recipe_paths and not r.card_recipe]
    repos = [r for r in repos if not r.framework or r.recipe_paths or r.card_recipe]
    if not repos:
        if not facts.card_read:
            return UNKNOWN, "its README could not be read, so its code links are unknown", None
        if frameworks:
            names = ", ".join(r.full_name for r in frameworks[:3])
            return CLOSED, f"the card links only general-purpose tools for usage ({names})", None
        return CLOSED, "the card links no code repository (card read)", None
    if all(r.status == "unverified" for r in repos):
        return UNKNOWN, f"the card links {_plural(len(repos), 'repository')} not checked yet", None
    if all(r.status in UNREAD_REPOSITORY for r in repos):
        # v2 §1: a repository that could not be read (an error, or not in the stand-in's
        # snapshot) is unknown, never closed
        names = ", ".join(r.full_name for r in repos[:3])
        return (
            UNKNOWN,
            f"the card links {_plural(len(repos), 'repository')} that could not be checked ({names})",
            None,
        )
    ranked: list[tuple[int, str, str, RepoFact]] = []
    for repo in repos:
        license_ok = repo.license_open is True
        if repo.framework and not repo.recipe_paths:
            # the card prints the config this framework ran (v2: a framework with this model's
            # recipe counts; the open framework runs it, as mergekit runs a merge's config)
            where = f"the card prints its training config for {repo.full_name} ({repo.card_recipe})"
            if license_ok:
                ranked.append((3, OPEN, f"{where}, run by the framework under {repo.license_spdx}", repo))
            else:
                ranked.append((2, PARTIAL, f"{where}; the framework's licence is not free", repo))
        elif repo.framework:
            recipe = repo.recipe_paths[0]
            if license_ok:
                ranked.append(
                    (
                        3,
                        OPEN,
                        f"{repo.full_name} publishes a recipe for this model ({recipe}) "
                        f"under {repo.license_spdx}",
                        repo,
                    )
                )
            else:
                ranked.append(
                    (2, PARTIAL, f"{repo.full_name} publishes a recipe for this model ({recipe})", repo)
                )
        elif derivative and repo.base_code:
            # the code that made the base, not the code that made this derivative from it
            ranked.append(
                (
                    0,
                    CLOSED,
                    f"repository {repo.full_name} holds its base's pretraining code and no fine-tuning code",
                    repo,
                )
            )
        elif repo.hub_files and (repo.classification == "training" or derivative):
            # the model repository's own training script, under the model's licence (v2)
            script = repo.hub_files[0]
            if license_ok:
                ranked.append(
                    (
                        3,
                        OPEN,
                        f"the model repository ships its training script {script} under {repo.license_spdx}",
                        repo,
                    )
                )
            else:
                ranked.append(
                    (
                        2,
                        PARTIAL,
                        f"the model repository ships its training script {script}, licence not free",
                        repo,
                    )
                )
        elif repo.classification == "training" or (derivative and repo.classification == "finetuning"):
            kind = "training" if repo.classification == "training" else "fine-tuning"
            if derivative and repo.missing_stages:
                # v2: only part of the code that made it is out (a stage with no script)
                stages = ", ".join(s.upper() for s in repo.missing_stages)
                ranked.append(
                    (
                        2,
                        PARTIAL,
                        f"repository {repo.full_name} has {kind} code, none for the card's {stages} stage",
                        repo,
                    )
                )
            elif license_ok:
                ranked.append(
                    (3, OPEN, f"repository {repo.full_name} has {kind} code under {repo.license_spdx}", repo)
                )
            else:
                why = (
                    f"under {repo.license_spdx}, not an OSI-approved license"
                    if repo.license_spdx
                    else "without a license"
                )
                ranked.append((2, PARTIAL, f"repository {repo.full_name} has {kind} code but {why}", repo))
        elif repo.classification == "finetuning":
            ranked.append(
                (
                    2,
                    PARTIAL,
                    f"repository {repo.full_name} has fine-tuning code but no pretraining code",
                    repo,
                )
            )
        elif repo.has_configs and repo.status == "available":
            ranked.append(
                (1, PARTIAL, f"repository {repo.full_name} holds training configs or recipes only", repo)
            )
        elif repo.status == "available":
            what = "inference code only" if repo.classification == "inference" else "no code"
            ranked.append((0, CLOSED, f"repository {repo.full_name} holds {what}", repo))
        elif repo.status == "error":
            ranked.append((0, CLOSED, f"repository {repo.full_name} could not be checked", repo))
        else:
            ranked.append((0, CLOSED, f"repository {repo.full_name} is not available ({repo.status})", repo))
        run = repo.framework_run
        if run is not None and repo.status == "available":
            where = (
                f"the README of {repo.full_name} trains with {run.repository}'s {run.runs} and its own "
                f"configs ({run.path})"
            )
            ranked.append((*_recipe_level(run, where, derivative, "without an open licence for both"), repo))
        pointed = repo.pointed_recipe
        if pointed is not None and repo.status == "available":
            where = (
                f"the README of {repo.full_name} points to the training recipe {pointed.path} in "
                f"{pointed.repository}"
            )
            ranked.append((*_recipe_level(pointed, where, derivative, "without an open licence"), repo))
    # at the same level the model repository's own training script decides: it is this model's
    # code for certain, where another linked repository (a dataset's, a tool's) may not be
    ranked.sort(key=lambda item: (item[0], bool(item[3].hub_files)), reverse=True)
    _, level, reason, repo = ranked[0]
    unverified = [r for r in repos if r.status == "unverified"]
    if level != OPEN and unverified:
        return UNKNOWN, reason + f"; {_plural(len(unverified), 'repository')} not checked yet", repo
    unread = [r for r in repos if r.status in UNREAD_REPOSITORY]
    if level != OPEN and unread:
        return UNKNOWN, reason + f"; {_plural(len(unread), 'repository')} could not be checked", repo
    return level, reason, repo


def _recipe_level(recipe: PointedRecipe, where: str, derivative: bool, not_open: str) -> tuple[int, str, str]:
    """(rank, level, reason) of a recipe a repository's README points to or runs: a fine-tuning
    recipe for a base model is partial; otherwise open under an open licence, else partial."""
    if recipe.kind == "finetuning" and not derivative:
        return 2, PARTIAL, f"{where}, a fine-tuning recipe (no pretraining code)"
    if recipe.license_open is True:
        return 3, OPEN, f"{where} under {recipe.license_spdx}"
    return 2, PARTIAL, f"{where}, {not_open}"


def judge_code(facts: ModelFacts, bases: list[BaseSummary], lineage_problem: str = "") -> Judgment:
    origin = _origin(facts, "code_repositories")
    derivative = facts.relation is not None
    own, own_reason, repo = code_part(facts, derivative=derivative)
    # the deciding repository's evidence first, so the cap never drops what the level rests on
    cited = ([repo.evidence] if repo and repo.evidence else []) + [
        r.evidence for r in facts.repos if r.evidence
    ]
    evidence = _ev(facts, "code_repositories") + tuple(dict.fromkeys(cited))[:10]
    details = {"deciding_repository": repo.full_name if repo else None}
    if not facts.listed and not facts.missing:
        return Judgment(
            CODE,
            UNKNOWN,
            f"{facts.repo_id} is known only as a base model; its links have not been read.",
            CRAWLED,
            evidence,
        )
    if not derivative:
        return Judgment(CODE, own, f"Training code: {own_reason}.", origin, evidence, details)
    if lineage_problem:
        return Judgment(
            CODE,
            UNKNOWN,
            f"The base's training code cannot be traced: {lineage_problem}.",
            INFERRED,
            evidence,
            details,
        )
    base_level = strictest([b.code for b in bases]) if bases else UNKNOWN
    base_names = _bases_shown(bases, facts) or _unnamed_base(facts)
    if facts.relation == "quantized":
        return Judgment(
            CODE,
            base_level,
            f"As a quantization, its training code is its base's: {base_names} is {base_level}.",
            INFERRED,
            evidence,
            details,
        )
    level = mean_level([base_level, own])
    return Judgment(
        CODE,
        level,
        f"Mean of the base's training code ({base_names}: {base_level}) and the code that "
        f"made this {facts.relation if facts.relation != 'unknown' else 'derivative'} ({own}: "
        f"{own_reason}).",
        CORRECTED if origin == CORRECTED else INFERRED,
        evidence,
        details,
    )


# --- license ------------------------------------------------------------------------------------
def judge_license(
    facts: ModelFacts, bases: list[BaseSummary], lineage_problem: str = ""
) -> tuple[Judgment, str, str]:
    """The license judgment, the effective license key, and a conflict note ('' if none)."""
    evidence = _ev(facts, "license")
    origin = _origin(facts, "license")
    resolution = facts.license
    if resolution is None or (not facts.listed and not facts.missing):
        return (
            Judgment(
                LICENSE,
                UNKNOWN,
                f"{facts.repo_id} has not been listed; its license is not known.",
                CRAWLED,
                evidence,
            ),
            "",
            "",
        )
    own = resolution.grade
    if not resolution.declared and not facts.card_read:
        # v2: "no licence" (closed) only once the metadata, licence file and card were read
        return (
            Judgment(
                LICENSE,
                UNKNOWN,
                "No licence in the metadata, and the README (which may state one) could not be read.",
                CRAWLED,
                evidence,
                {"declared": [], "license_key": None, "own_grade": UNKNOWN},
            ),
            "",
            "",
        )
    own_text = f"{resolution.label} ({resolution.reason})" if resolution.entry else resolution.reason
    details = {"declared": resolution.declared, "license_key": resolution.key, "own_grade": own}
    if resolution.entry:
        details["restrictions"] = resolution.entry.restrictions()
    if facts.relation is None or not bases:
        if facts.relation is not None and not bases:
            return (
                Judgment(
                    LICENSE,
                    UNKNOWN,
                    "A derivative whose base model is not known: its effective license cannot be checked.",
                    INFERRED,
                    evidence,
                    details,
                ),
                resolution.key or "",
                "",
            )
        rationale = (
            f"Declared license: {own_text}." if resolution.entry else f"{own_text[0].upper()}{own_text[1:]}."
        )
        return Judgment(LICENSE, own, rationale, origin, evidence, details), resolution.key or "", ""
    if lineage_problem:
        return (
            Judgment(
                LICENSE,
                UNKNOWN,
                f"The base's license cannot be traced: {lineage_problem}.",
                INFERRED,
                evidence,
                details,
            ),
            resolution.key or "",
            "",
        )
    base_level = strictest([b.license for b in bases])
    strict_base = next((b for b in bases if b.license == base_level), bases[0])
    conflict = ""
    if (
        own in (OPEN, PARTIAL, CLOSED)
        and base_level in (OPEN, PARTIAL, CLOSED)
        and POINTS[own] > POINTS[base_level]
    ):
        conflict = (
            f"declared {resolution.label} is more permissive than its base {strict_base.repo_id}'s "
            f"{strict_base.license_label} ({base_level})"
        )
    level = strictest([own, base_level])
    details["base_grade"] = base_level
    details["base"] = strict_base.repo_id
    if conflict:
        details["conflict"] = conflict
        return (
            Judgment(
                LICENSE,
                level,
                f"License conflict: the {conflict}; graded by the stricter base license.",
                INFERRED,
                evidence,
                details,
            ),
            strict_base.license_key or "",
            conflict,
        )
    if base_level == UNKNOWN and own != CLOSED:
        reason = next((b.reason for b in bases if b.reason), "its license is unknown")
        return (
            Judgment(
                LICENSE,
                UNKNOWN,
                f"Declared {resolution.label}, but the base {strict_base.repo_id} cannot be "
                f"checked ({reason}).",
                INFERRED,
                evidence,
                details,
            ),
            resolution.key or "",
            "",
        )
    if level == own:
        return (
            Judgment(
                LICENSE,
                level,
                f"Declared license: {own_text}; no more permissive than its base "
                f"({strict_base.license_label}).",
                origin,
                evidence,
                details,
            ),
            resolution.key or "",
            "",
        )
    return (
        Judgment(
            LICENSE,
            level,
            f"Declared {resolution.label}, limited by the base {strict_base.repo_id}'s "
            f"{strict_base.license_label} ({base_level}).",
            INFERRED,
            evidence,
            details,
        ),
        strict_base.license_key or resolution.key or "",
        "",
    )


# --- the whole score --------------------------------------------------------------------------
def _apply_override(judgment: Judgment, override: Override | None) -> Judgment:
    if override is None:
        return judgment
    evidence = (
        EvidenceRef(
            fact=judgment.dimension,
            subject=f"correction:{override.correction_id}",
            source_url=override.evidence_url,
            origin=CORRECTED,
        ),
    )
    return Judgment(
        judgment.dimension,
        override.level,
        override.rationale,
        CORRECTED,
        evidence,
        {
            "crawled_level": judgment.level,
            "crawled_rationale": judgment.rationale,
            "correction": override.correction_id,
        },
    )


def score_model(
    facts: ModelFacts,
    bases: list[BaseSummary],
    *,
    methodology: Methodology = METHODOLOGY_V1,
    lineage_problem: str = "",
) -> ScoreResult:
    judgments: dict[str, Judgment] = {}
    license_key, conflict = "", ""
    for dimension in dimensions.ALL:
        outcome = dimension.judge(facts, bases, lineage_problem)
        if isinstance(outcome, tuple):  # the license judge also names the effective license and any conflict
            outcome, license_key, conflict = outcome
        judgments[dimension.key] = _apply_override(outcome, facts.overrides.get(dimension.key))
    label = facts.license.label if facts.license else "unknown"
    return ScoreResult(
        judgments=judgments,
        total=methodology.total(judgments),
        license_key=license_key or None,
        license_label=label,
        license_conflict=conflict,
        is_derivative=facts.relation is not None,
    )


def summarize(facts: ModelFacts, result: ScoreResult, reason: str = "") -> BaseSummary:
    j = result.judgments
    if not reason and not facts.listed:
        reason = "the base is not on the Hub or is private" if facts.missing or not facts.listed else ""
    return BaseSummary(
        facts.model_id,
        facts.repo_id,
        j[WEIGHTS].level,
        j[DATA].level,
        j[CODE].level,
        j[LICENSE].level,
        result.license_label,
        result.license_key,
        reason,
    )


def fingerprint(*parts: Any) -> str:
    """A stable hash of the inputs: unchanged inputs mean the stored score needs no write."""
    payload = json.dumps(parts, sort_keys=True, default=_jsonable)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _jsonable(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    if isinstance(value, frozenset | set | tuple):
        return sorted(value, key=str) if isinstance(value, frozenset | set) else list(value)
    return str(value)
