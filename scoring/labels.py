"""Labels shown beside the score, never blended into it: MOF class and OSAID readiness.

Both are computed from the same facts as the judgments. The MOF class goes through the
MOT-compatible engine in ``scoring.mof`` (regression-tested on MOT's own records); here
the crawled facts are mapped onto MOF's components. OSAID readiness asks the three
questions of the OSI Open Source AI Definition 1.0 and names the element that fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring import mof
from scoring.levels import OPEN
from scoring.licenses import knowledge_base
from scoring.rubric import CODE, DATA, LICENSE, WEIGHTS, ModelFacts, ScoreResult

PAPER_LICENSE_UNKNOWN = "LicenseRef-paper-license-not-crawled"
UNAVAILABLE = "LicenseRef-not-obtainable"

# What the crawler never reads, so MOF's verdict on it is unknown rather than "missing":
# a paper's licence (arXiv licences are not crawled), intermediate checkpoints (repository
# branches are not listed) and the evaluation data a report used. The label's floor treats
# them as not open; its ceiling as open (an open document / data licence stands in for them).
OPEN_DOCUMENT_STAND_IN = "CC-BY-4.0"
OPEN_DATA_STAND_IN = "CDLA-Permissive-2.0"
NOT_ASSESSED = {
    "Model parameters (Intermediate)": "intermediate checkpoints (repository branches are not read)",
    "Evaluation data": "evaluation data (not read)",
}
PAPER_UNREAD = "the licence of the research paper / technical report (arXiv licences are not read)"


def normalize_for_mof(text: str) -> str | None:
    """Free text -> SPDX id through the knowledge base (our documented deviation from MOT)."""
    resolution = knowledge_base().resolve(text)
    if resolution.entry and resolution.entry.spdx_id:
        return resolution.entry.spdx_id
    return text


def _model_license(facts: ModelFacts) -> str:
    resolution = facts.license
    if resolution is None or not resolution.declared:
        return "unlicensed"
    if resolution.entry is not None:
        return resolution.entry.spdx_id or resolution.entry.name
    return resolution.declared


def mof_components(facts: ModelFacts, result: ScoreResult) -> dict[str, str | None]:
    """Which MOF components the crawled facts show released, with the license of each."""
    components: dict[str, str | None] = {}
    model_license = _model_license(facts)
    if result.judgments[WEIGHTS].level in ("open", "partial"):
        components["Model parameters (Final)"] = model_license
    if facts.has_card:
        components["Model card"] = model_license
    if facts.eval_results:
        components["Evaluation results"] = model_license
    if facts.datasets:
        components["Data card"] = model_license  # the card documents its training data
        if all(d.status == "available" and d.license_label for d in facts.datasets):
            licenses = {d.license_label for d in facts.datasets}
            components["Datasets"] = (
                normalize_for_mof(sorted(licenses)[0]) if len(licenses) == 1 else UNAVAILABLE
            )
        else:
            components["Datasets"] = UNAVAILABLE
    if facts.papers:
        # v2: a paper the card cites (an arXiv id) is the model's technical report and research
        # paper; present, with a licence we do not crawl (arXiv's own or the authors' choice), so
        # it is shown as such, never as "missing"
        components["Research paper"] = PAPER_LICENSE_UNKNOWN
        components["Technical report"] = PAPER_LICENSE_UNKNOWN
    available = [r for r in facts.repos if r.status == "available"]
    code_repos = [r for r in available if r.classification in ("training", "finetuning", "inference")]
    if code_repos:
        best = code_repos[0]
        spdx = best.license_spdx or "unlicensed"
        components["Model architecture"] = spdx
        components["Inference code"] = spdx
    training = [r for r in available if r.classification in ("training", "finetuning")]
    if training:
        components["Training code"] = training[0].license_spdx or "unlicensed"
    processing = [r for r in available if r.has_data_processing]
    if processing:
        components["Data preprocessing code"] = processing[0].license_spdx or "unlicensed"
    evaluation = [r for r in available if r.has_evaluation]
    if evaluation:
        components["Evaluation code"] = evaluation[0].license_spdx or "unlicensed"
    return components


@dataclass(frozen=True)
class MofLabel:
    """The MOF class the evidence shows (``floor``), and the highest it could be if everything
    the crawler does not read turned out open (``ceiling``), with what that is in plain words."""

    floor: mof.MofResult
    ceiling: int
    unread: tuple[str, ...]

    @property
    def mof_class(self) -> int:
        return self.floor.mof_class


def mof_label(facts: ModelFacts, result: ScoreResult) -> MofLabel:
    components = mof_components(facts, result)
    floor = mof.evaluate(components=components, normalize=normalize_for_mof)
    hopeful = dict(components)
    unread: list[str] = []
    for name, license_id in components.items():
        if license_id == PAPER_LICENSE_UNKNOWN:
            hopeful[name] = OPEN_DOCUMENT_STAND_IN
            if PAPER_UNREAD not in unread:
                unread.append(PAPER_UNREAD)
    for name, words in NOT_ASSESSED.items():
        if name in components:
            continue
        if name == "Model parameters (Intermediate)":
            if "Model parameters (Final)" not in components:
                continue  # no released weights, so no checkpoints either
            hopeful[name] = components["Model parameters (Final)"]  # same terms as the final weights
        else:
            hopeful[name] = OPEN_DATA_STAND_IN
        unread.append(words)
    ceiling = mof.evaluate(components=hopeful, normalize=normalize_for_mof).mof_class
    if mof_rank(ceiling) <= mof_rank(floor.mof_class):
        return MofLabel(floor=floor, ceiling=floor.mof_class, unread=())
    return MofLabel(floor=floor, ceiling=ceiling, unread=tuple(unread))


def mof_rank(mof_class: int) -> int:
    """Openness order of MOF classes: unclassified (0) < Class III < Class II < Class I."""
    return 0 if mof_class == 0 else 4 - mof_class


@dataclass(frozen=True)
class OsaidVerdict:
    ready: bool
    failing: tuple[str, ...]  # "data information: ...", "code: ...", "parameters: ..."


def osaid_verdict(result: ScoreResult) -> OsaidVerdict:
    j = result.judgments
    failing = []
    if j[DATA].level != OPEN:
        failing.append(f"data information: training data is {j[DATA].level} ({j[DATA].rationale})")
    if j[CODE].level != OPEN:
        failing.append(f"code: training code is {j[CODE].level} ({j[CODE].rationale})")
    if j[WEIGHTS].level != OPEN or j[LICENSE].level != OPEN:
        which = j[WEIGHTS] if j[WEIGHTS].level != OPEN else j[LICENSE]
        failing.append(
            f"parameters: {which.dimension.replace('_', ' ')} is {which.level} ({which.rationale})"
        )
    return OsaidVerdict(ready=not failing, failing=tuple(failing))
