"""Methodology v1 rules, one table per dimension, on hand-built facts (pure: no database).

Expected levels are read off the methodology: weights open only without a gate and with
weight files; data and code of a derivative are the mean of its base's part and its own,
snapped down (0.75 -> partial, 0.25 -> closed); a quantization or merge was trained on its
base's data; a derivative's license is never more permissive than its base's.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from catalog.sources.huggingface.client import parse_model
from scoring.levels import CLOSED, OPEN, PARTIAL, POINTS, UNKNOWN
from scoring.licenses import knowledge_base
from scoring.rubric import (
    CODE,
    CORRECTED,
    CRAWLED,
    DATA,
    DIMENSIONS,
    INFERRED,
    LICENSE,
    METHODOLOGY_V1,
    WEIGHTS,
    BaseSummary,
    DatasetFact,
    EvidenceRef,
    Methodology,
    ModelFacts,
    Override,
    RepoFact,
    data_part,
    judge_code,
    judge_data,
    judge_license,
    judge_weights,
    score_model,
    summarize,
)

KB = knowledge_base()


def lic(*declared: str, name: str = "", link: str = ""):
    return KB.resolve_declared(list(declared), name, link)


def facts(**changes) -> ModelFacts:
    """An ungated base model with one safetensors file, Apache-2.0, no datasets, no repositories."""
    base = ModelFacts(
        model_id=1,
        repo_id="org/model",
        weight_files=("model.safetensors",),
        weight_formats=("safetensors",),
        license=lic("apache-2.0"),
        repos_known=True,
    )
    return replace(base, **changes)


def derivative(relation: str = "finetune", **changes) -> ModelFacts:
    return facts(**{"repo_id": "org/derived", "relation": relation, "base_ids": (2,), **changes})


def base(level: str = OPEN, *, license_key: str | None = None, reason: str = "", **levels) -> BaseSummary:
    """A base model's summary; ``level`` for every dimension unless given one by one."""
    picked = {d: levels.get(d, level) for d in ("weights", "data", "code", "license")}
    label = {
        OPEN: "Apache License 2.0",
        PARTIAL: "Llama 3.1 Community License Agreement",
        CLOSED: "Creative Commons Attribution Non Commercial 4.0 International",
    }.get(picked["license"], "unknown")
    key = license_key or {
        OPEN: "Apache-2.0",
        PARTIAL: "LicenseRef-openness-llama-3.1",
        CLOSED: "CC-BY-NC-4.0",
    }.get(picked["license"])
    return BaseSummary(
        2,
        "org/base",
        picked["weights"],
        picked["data"],
        picked["code"],
        picked["license"],
        label,
        key,
        reason,
    )


def ds(
    name: str = "org/set", status: str = "available", grade: str = OPEN, label: str = "Apache License 2.0"
):
    return DatasetFact(name=name, status=status, license_grade=grade, license_label=label)


def repo(
    name: str = "org/code",
    classification: str = "training",
    *,
    status: str = "available",
    license_open: bool | None = True,
    spdx: str = "Apache-2.0",
    configs: bool = False,
) -> RepoFact:
    return RepoFact(
        full_name=name,
        status=status,
        classification=classification,
        license_spdx=spdx,
        license_open=license_open,
        has_configs=configs,
    )


ONE_SENTENCE = re.compile(r"[.!?]\s+[A-Z]")


def assert_one_sentence(text: str) -> None:
    assert text, "empty rationale"
    assert text.strip() == text, repr(text)
    assert text[0].isupper() or text[0] in "'\"" or re.match(r"[\w.-]+/[\w.-]+ ", text), text  # or a repo id
    assert text.endswith("."), text
    assert not ONE_SENTENCE.search(text[:-1]), f"more than one sentence: {text}"


# --- weights ------------------------------------------------------------------------------------
WEIGHT_CASES = [
    ("ungated with files", facts(), [], OPEN, CRAWLED),
    ("format tags only", facts(weight_files=None), [], OPEN, CRAWLED),
    ("file list empty but format tags", facts(weight_files=()), [], OPEN, CRAWLED),
    ("gated auto", facts(gated="auto"), [], PARTIAL, CRAWLED),
    ("gated manual", facts(gated="manual"), [], PARTIAL, CRAWLED),
    ("private", facts(private=True), [], CLOSED, CRAWLED),
    ("disabled", facts(disabled=True), [], CLOSED, CRAWLED),
    ("missing (404)", facts(missing=True), [], CLOSED, CRAWLED),
    ("no weight files", facts(weight_files=(), weight_formats=()), [], CLOSED, CRAWLED),
    ("gated and private", facts(gated="manual", private=True), [], CLOSED, CRAWLED),
    ("nothing known", facts(weight_files=None, weight_formats=()), [], UNKNOWN, CRAWLED),
    ("placeholder never listed", facts(listed=False), [], UNKNOWN, CRAWLED),
    (
        "adapter over a gated base",
        derivative("adapter", weight_files=("adapter_model.safetensors",)),
        [base(PARTIAL)],
        PARTIAL,
        INFERRED,
    ),
    ("adapter over a closed base", derivative("adapter"), [base(CLOSED)], PARTIAL, INFERRED),
    (
        "adapter over a base we cannot see",
        derivative("adapter"),
        [base(UNKNOWN, reason="not in the catalog")],
        PARTIAL,
        INFERRED,
    ),
    ("adapter whose base is not named", derivative("adapter", base_ids=()), [], PARTIAL, INFERRED),
    ("adapter over an open base", derivative("adapter"), [base(OPEN)], OPEN, CRAWLED),
    (
        "quantization over a gated base",
        derivative("quantized", weight_files=("model.Q4_K_M.gguf",)),
        [base(PARTIAL)],
        PARTIAL,
        INFERRED,
    ),
    (
        "quantization of two bases, one open",
        derivative("quantized"),
        [base(OPEN), base(CLOSED)],
        PARTIAL,
        INFERRED,
    ),
    (
        "fine-tune of a gated base: full weights published",
        derivative("finetune"),
        [base(PARTIAL)],
        OPEN,
        CRAWLED,
    ),
    ("gated adapter over an open base", derivative("adapter", gated="auto"), [base(OPEN)], PARTIAL, CRAWLED),
]


@pytest.mark.parametrize(
    ("case", "model", "bases", "level", "origin"), WEIGHT_CASES, ids=[c[0] for c in WEIGHT_CASES]
)
def test_weights(case, model, bases, level, origin):
    judgment = judge_weights(model, bases)
    assert (judgment.level, judgment.origin) == (level, origin)
    assert_one_sentence(judgment.rationale)


def test_a_gate_is_named_in_the_rationale_and_details():
    manual = judge_weights(facts(gated="manual"), [])
    assert "manual approval" in manual.rationale
    assert manual.details == {"gated": "manual"}
    assert "click-through" in judge_weights(facts(gated="auto"), []).rationale


def test_an_adapter_names_the_base_that_holds_it_back():
    judgment = judge_weights(derivative("adapter"), [base(OPEN), replace(base(CLOSED), repo_id="org/closed")])
    assert "org/closed" in judgment.rationale
    assert judgment.details == {"base": "org/closed"}


# --- training data ------------------------------------------------------------------------------
DATA_CASES = [
    # a base model: one part, its own
    ("all obtainable", facts(datasets=(ds("a"), ds("b"))), [], OPEN),
    ("one gated", facts(datasets=(ds("a"), ds("b", "gated"))), [], PARTIAL),
    (
        "one elsewhere (external)",
        facts(datasets=(ds("a"), ds("https://example.org/x", "external"))),
        [],
        PARTIAL,
    ),
    ("only gated", facts(datasets=(ds("a", "gated"),)), [], PARTIAL),
    # v2: a missing licence tag is reported, but does not make a public dataset unobtainable
    ("one without a license", facts(datasets=(ds("a"), ds("b", grade=UNKNOWN, label=""))), [], OPEN),
    (
        # a non-commercial license still allows access: the data is obtainable (its
        # permissiveness is not what this dimension measures)
        "one under a non-commercial license",
        facts(datasets=(ds("a", grade=CLOSED, label="CC-BY-NC-4.0"),)),
        [],
        OPEN,
    ),
    ("one missing", facts(datasets=(ds("a"), ds("b", "missing"))), [], PARTIAL),
    # v2: named but not obtainable is partial; closed means nothing is named
    ("all missing or private", facts(datasets=(ds("a", "missing"), ds("b", "private"))), [], PARTIAL),
    ("error only", facts(datasets=(ds("a", "error"),)), [], PARTIAL),
    ("none named, card read", facts(datasets=()), [], CLOSED),
    ("none named, README unreadable", facts(datasets=(), card_read=False), [], UNKNOWN),
    ("none named", facts(datasets=()), [], CLOSED),
    ("card not read", facts(datasets_known=False), [], UNKNOWN),
    ("none checked yet", facts(datasets=(ds("a", "unverified"), ds("b", "unverified"))), [], UNKNOWN),
    (
        "one missing, one not checked",  # v2: named and not obtainable is at least partial
        facts(datasets=(ds("a", "missing"), ds("b", "unverified"))),
        [],
        PARTIAL,
    ),
    ("one obtainable, one not checked", facts(datasets=(ds("a"), ds("b", "unverified"))), [], PARTIAL),
    # a fine-tune: mean of the base's part and its own, snapped down
    ("open own + closed base", derivative(datasets=(ds(),)), [base(data=CLOSED)], PARTIAL),
    ("open own + open base", derivative(datasets=(ds(),)), [base(OPEN)], OPEN),
    ("open own + partial base", derivative(datasets=(ds(),)), [base(data=PARTIAL)], PARTIAL),
    (
        "partial own + partial base",
        derivative(datasets=(ds(), ds("b", "gated"))),
        [base(data=PARTIAL)],
        PARTIAL,
    ),
    ("none named + partial base", derivative(datasets=()), [base(data=PARTIAL)], CLOSED),
    ("none named + open base", derivative(datasets=()), [base(OPEN)], PARTIAL),
    (
        "open own + base unknown",
        derivative(datasets=(ds(),)),
        [base(UNKNOWN, reason="the base is private")],
        UNKNOWN,
    ),
    ("own not checked + open base", derivative(datasets=(ds("a", "unverified"),)), [base(OPEN)], UNKNOWN),
    ("open own + no base named", derivative("adapter", base_ids=(), datasets=(ds(),)), [], UNKNOWN),
    (
        "two bases: the stricter counts",
        derivative(datasets=(ds(),)),
        [base(OPEN), base(data=CLOSED)],
        PARTIAL,
    ),
    # a quantization or merge was trained on exactly its base's data
    (
        "quantized: open own, closed base",
        derivative("quantized", datasets=(ds(),)),
        [base(data=CLOSED)],
        CLOSED,
    ),
    ("quantized: none named, open base", derivative("quantized"), [base(OPEN)], OPEN),
    (
        "merge of an open and a closed base",
        derivative("merge", datasets=(ds(),)),
        [base(OPEN), base(data=CLOSED)],
        CLOSED,
    ),
    ("merge of an open and a partial base", derivative("merge"), [base(OPEN), base(data=PARTIAL)], PARTIAL),
]


@pytest.mark.parametrize(("case", "model", "bases", "level"), DATA_CASES, ids=[c[0] for c in DATA_CASES])
def test_training_data(case, model, bases, level):
    judgment = judge_data(model, bases)
    assert judgment.level == level
    assert judgment.origin == (CRAWLED if model.relation is None else INFERRED)
    assert_one_sentence(judgment.rationale)


def test_data_rationales_say_what_decided():
    partial = judge_data(facts(datasets=(ds("a"), ds("b", "gated"), ds("c", "missing"))), [])
    assert partial.rationale.startswith("This model names 3 datasets, 1 of them openly obtainable")
    assert "b" in partial.details["gated_or_external"]
    assert partial.details["unresolved"] == ["c"]
    named = judge_data(facts(datasets=(ds("gone", "missing"),)), [])
    assert named.level == PARTIAL
    assert named.rationale.startswith("This model names 1 dataset, 0 of them openly obtainable")
    assert "gone: missing" in named.rationale
    # v2: a page whose repository lists no data files is named, not obtainable; the rationale says so
    taken_down = judge_data(facts(datasets=(ds("EleutherAI/pile", "no_files"),)), [])
    assert taken_down.level == PARTIAL
    assert "EleutherAI/pile: on the Hub without data files" in taken_down.rationale
    unlicensed = judge_data(facts(datasets=(ds("x", grade=UNKNOWN, label=""),)), [])
    assert unlicensed.level == OPEN
    assert "without a licence tag (x)" in unlicensed.rationale
    inherited = judge_data(
        derivative("quantized"), [base(UNKNOWN, reason="the base model is not in the catalog")]
    )
    assert "the base model is not in the catalog" in inherited.rationale
    mean = judge_data(derivative(datasets=(ds(),)), [base(data=CLOSED)])
    assert "org/base: closed" in mean.rationale
    assert "(open: it names 1 dataset" in mean.rationale


# --- training code ------------------------------------------------------------------------------
CODE_CASES = [
    ("training code under an OSI license", facts(repos=(repo(),)), [], OPEN),
    ("training code without a license", facts(repos=(repo(license_open=None, spdx=""),)), [], PARTIAL),
    (
        "training code under NOASSERTION",
        facts(repos=(repo(license_open=None, spdx="NOASSERTION"),)),
        [],
        PARTIAL,
    ),
    (
        "training code under a non-OSI license",
        facts(repos=(repo(license_open=False, spdx="CC-BY-NC-4.0"),)),
        [],
        PARTIAL,
    ),
    ("fine-tuning code only, base model", facts(repos=(repo(classification="finetuning"),)), [], PARTIAL),
    ("configs only", facts(repos=(repo(classification="none", configs=True),)), [], PARTIAL),
    ("inference only", facts(repos=(repo(classification="inference"),)), [], CLOSED),
    ("repository without code", facts(repos=(repo(classification="none"),)), [], CLOSED),
    ("repository gone", facts(repos=(repo(status="missing", classification="none"),)), [], CLOSED),
    ("nothing linked", facts(repos=()), [], CLOSED),
    ("the best repository decides", facts(repos=(repo("a", "inference"), repo("b"))), [], OPEN),
    ("not crawled yet", facts(repos=(repo(status="unverified", classification="unknown"),)), [], UNKNOWN),
    (
        "inference only, one not crawled",
        facts(repos=(repo("a", "inference"), repo("b", "unknown", status="unverified"))),
        [],
        UNKNOWN,
    ),
    (
        "open code, one not crawled",
        facts(repos=(repo("a"), repo("b", "unknown", status="unverified"))),
        [],
        OPEN,
    ),
    ("card links not read", facts(repos_known=False), [], UNKNOWN),
    # derivatives: the code that made it from its base, averaged with the base's
    (
        "fine-tune: fine-tuning code + open base",
        derivative(repos=(repo(classification="finetuning"),)),
        [base(OPEN)],
        OPEN,
    ),
    (
        "fine-tune: fine-tuning code + closed base",
        derivative(repos=(repo(classification="finetuning"),)),
        [base(code=CLOSED)],
        PARTIAL,
    ),
    (
        "fine-tune: fine-tuning code + partial base",
        derivative(repos=(repo(classification="finetuning"),)),
        [base(code=PARTIAL)],
        PARTIAL,
    ),
    ("fine-tune: nothing + partial base", derivative(repos=()), [base(code=PARTIAL)], CLOSED),
    ("fine-tune: open + unknown base", derivative(repos=(repo(),)), [base(UNKNOWN)], UNKNOWN),
    ("quantized follows its base", derivative("quantized", repos=(repo(),)), [base(code=CLOSED)], CLOSED),
    (
        "merge: mergekit + closed bases",
        derivative("merge", repos=(repo(classification="finetuning"),)),
        [base(OPEN), base(code=CLOSED)],
        PARTIAL,
    ),
]


@pytest.mark.parametrize(("case", "model", "bases", "level"), CODE_CASES, ids=[c[0] for c in CODE_CASES])
def test_training_code(case, model, bases, level):
    judgment = judge_code(model, bases)
    assert judgment.level == level
    assert_one_sentence(judgment.rationale)


def test_code_linked_repositories_that_could_not_be_checked_are_unknown_not_closed():
    """v2 §1: a repository whose crawl failed for good, or that the stand-in's snapshot did not
    capture (status error), is unread; a deleted one (missing) is closed."""
    unread = repo("org/uncaptured", "unknown", status="error", license_open=None, spdx="")
    judgment = judge_code(facts(repos=(unread,)), [])
    assert judgment.level == UNKNOWN
    assert "could not be checked" in judgment.rationale
    gone = repo("org/deleted", "none", status="missing", license_open=None, spdx="")
    assert judge_code(facts(repos=(gone,)), []).level == CLOSED
    # beside an inference-only repository the unread one still leaves the code unknown
    beside = judge_code(facts(repos=(repo("org/serve", "inference"), unread)), [])
    assert (beside.level, "could not be checked" in beside.rationale) == (UNKNOWN, True)
    # an open repository decides whatever the other one would have shown
    assert judge_code(facts(repos=(repo("org/train"), unread)), []).level == OPEN


def test_code_rationales_name_the_deciding_repository_as_written():
    judgment = judge_code(facts(repos=(repo("deepseek-ai/deepseek-v3", "none", configs=True),)), [])
    assert "deepseek-ai/deepseek-v3 holds training configs" in judgment.rationale
    assert judgment.details == {"deciding_repository": "deepseek-ai/deepseek-v3"}
    unlicensed = judge_code(facts(repos=(repo(license_open=None, spdx=""),)), [])
    assert "without a license" in unlicensed.rationale


# --- license -------------------------------------------------------------------------------------
LICENSE_CASES = [
    ("Apache-2.0", facts(), [], OPEN, ""),
    ("Llama 3.1", facts(license=lic("llama3.1")), [], PARTIAL, ""),
    ("Gemma", facts(license=lic("gemma")), [], PARTIAL, ""),
    ("CC-BY-NC-4.0", facts(license=lic("cc-by-nc-4.0")), [], CLOSED, ""),
    ("MRL via license_name", facts(license=lic("other", name="mrl")), [], CLOSED, ""),
    ("none declared", facts(license=lic()), [], CLOSED, ""),
    ("license: unknown", facts(license=lic("unknown")), [], CLOSED, ""),
    ("license: other, unidentified", facts(license=lic("other", name="our terms")), [], UNKNOWN, ""),
    ("a string nobody knows", facts(license=lic("sunshine-public-license-7")), [], UNKNOWN, ""),
    ("family tag", facts(license=lic("openrail")), [], UNKNOWN, ""),
    # derivatives: never more permissive than the base
    ("Apache over Apache", derivative(), [base(OPEN)], OPEN, ""),
    (
        "MIT over Llama 3.1: conflict",
        derivative(license=lic("mit")),
        [base(license=PARTIAL)],
        PARTIAL,
        "LicenseRef-openness-llama-3.1",
    ),
    ("Apache over CC-BY-NC: conflict", derivative(), [base(license=CLOSED)], CLOSED, "CC-BY-NC-4.0"),
    (
        "Llama 2 over CC-BY-NC: conflict",
        derivative(license=lic("llama2")),
        [base(license=CLOSED)],
        CLOSED,
        "CC-BY-NC-4.0",
    ),
    (
        "CC-BY-NC over Apache: own is stricter",
        derivative(license=lic("cc-by-nc-4.0")),
        [base(OPEN)],
        CLOSED,
        "",
    ),
    ("Llama 3.1 over Llama 3.1", derivative(license=lic("llama3.1")), [base(license=PARTIAL)], PARTIAL, ""),
    (
        "MIT over two bases, one closed",
        derivative(license=lic("mit")),
        [base(OPEN), base(license=CLOSED)],
        CLOSED,
        "CC-BY-NC-4.0",
    ),
    (
        "MIT over an unknown base",
        derivative(license=lic("mit")),
        [base(UNKNOWN, reason="the base is private")],
        UNKNOWN,
        "",
    ),
    (
        "CC-BY-NC over an unknown base: closed is certain",
        derivative(license=lic("cc-by-nc-4.0")),
        [base(UNKNOWN)],
        CLOSED,
        "",
    ),
    ("unknown own over an open base", derivative(license=lic("other")), [base(OPEN)], UNKNOWN, ""),
    ("derivative whose base is not named", derivative("adapter", base_ids=()), [], UNKNOWN, ""),
    ("placeholder never listed", facts(listed=False), [], UNKNOWN, ""),
]


@pytest.mark.parametrize(
    ("case", "model", "bases", "level", "conflict_key"), LICENSE_CASES, ids=[c[0] for c in LICENSE_CASES]
)
def test_license(case, model, bases, level, conflict_key):
    judgment, key, conflict = judge_license(model, bases)
    assert judgment.level == level
    assert bool(conflict) == bool(conflict_key)
    if conflict_key:
        assert key == conflict_key  # graded, and keyed, by the stricter base license
        assert judgment.origin == INFERRED
        assert judgment.details["conflict"] == conflict
        assert judgment.rationale.startswith("License conflict:")
    assert_one_sentence(judgment.rationale)


def test_an_mit_fine_tune_of_llama_is_flagged_and_scored_partial():
    result = score_model(derivative(license=lic("mit")), [base(license=PARTIAL)])
    assert result.judgments[LICENSE].level == PARTIAL
    assert result.license_key == "LicenseRef-openness-llama-3.1"
    assert result.license_label == "MIT License"  # what the card declares, shown beside the conflict
    assert "MIT License is more permissive than its base org/base" in result.license_conflict


def test_a_license_nobody_knows_is_unknown_and_keeps_the_raw_string():
    judgment, key, _ = judge_license(facts(license=lic("sunshine-public-license-7")), [])
    assert (judgment.level, key) == (UNKNOWN, "")
    assert judgment.details["declared"] == "sunshine-public-license-7"
    assert "sunshine-public-license-7" in judgment.rationale


def test_an_unknown_base_license_says_why():
    judgment, _, _ = judge_license(
        derivative(license=lic("mit")), [base(UNKNOWN, reason="the base is not on the Hub or is private")]
    )
    assert "the base is not on the Hub or is private" in judgment.rationale
    assert judgment.origin == INFERRED


# --- bad input --------------------------------------------------------------------------------
def test_a_lineage_cycle_makes_the_inherited_parts_unknown_and_says_so():
    problem = "its lineage forms a cycle (a model is its own ancestor)"
    result = score_model(derivative(datasets=(ds(),), repos=(repo(),)), [base(OPEN)], lineage_problem=problem)
    for dimension in (DATA, CODE, LICENSE):
        judgment = result.judgments[dimension]
        assert judgment.level == UNKNOWN
        assert problem in judgment.rationale
        assert_one_sentence(judgment.rationale)
    assert result.judgments[WEIGHTS].level == OPEN  # its own files still download
    assert result.unknown_count == 3
    assert result.total == 25.0


def test_a_missing_or_private_base_leaves_the_inherited_parts_unknown_with_the_reason():
    missing = BaseSummary(
        2, "#2", UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, "unknown", None, "the base model is not in the catalog"
    )
    result = score_model(derivative("quantized", license=lic("apache-2.0")), [missing])
    assert result.judgments[WEIGHTS].level == PARTIAL
    assert {result.judgments[d].level for d in (DATA, CODE, LICENSE)} == {UNKNOWN}
    assert "the base model is not in the catalog" in result.judgments[DATA].rationale
    assert "the base model is not in the catalog" in result.judgments[LICENSE].rationale


def test_a_dataset_named_twice_in_different_spellings_counts_once():
    """The dedupe happens where the card is parsed (case-insensitive, first spelling kept);
    README links are deduped against the card the same way in ``model_detail_ingest``."""
    record = parse_model(
        {
            "id": "org/model",
            "cardData": {
                "license": "mit",
                "datasets": ["HuggingFaceH4/ultrachat_200k", "huggingfaceh4/UltraChat_200k"],
            },
            "tags": ["dataset:HUGGINGFACEH4/ULTRACHAT_200K", "dataset:org/other"],
        }
    )
    assert record.datasets == ["HuggingFaceH4/ultrachat_200k", "org/other"]
    judgment = judge_data(facts(datasets=tuple(ds(n) for n in record.datasets)), [])
    assert judgment.rationale.startswith("This model names 2 datasets")


def test_card_license_and_license_tag_disagreeing():
    """Defined outcome: the card's ``license`` (what the author wrote) wins; the ``license:``
    tags are read only when the card declares none. Several card licenses all apply."""
    record = parse_model({"id": "org/model", "cardData": {"license": "mit"}, "tags": ["license:apache-2.0"]})
    assert record.license_declared == ["mit"]
    assert KB.resolve_declared(record.license_declared).key == "MIT"
    only_tag = parse_model({"id": "org/model", "cardData": {}, "tags": ["license:apache-2.0"]})
    assert only_tag.license_declared == ["apache-2.0"]
    both = parse_model({"id": "org/model", "cardData": {"license": ["mit", "cc-by-nc-4.0"]}})
    assert KB.resolve_declared(both.license_declared).grade == CLOSED


def test_crawled_and_corrected_values_disagreeing():
    """Defined outcome: a corrected fact replaces the crawled one in the facts (``scoring.facts``
    builds them so), and the judgment says it came from the correction; a judgment override
    replaces the computed level and keeps the crawled one in its details."""
    corrected = score_model(facts(license=lic("cc-by-nc-4.0"), corrected_facts=frozenset({"license"})), [])
    assert (corrected.judgments[LICENSE].level, corrected.judgments[LICENSE].origin) == (CLOSED, CORRECTED)
    crawled = score_model(facts(license=lic("cc-by-nc-4.0")), [])
    assert crawled.judgments[LICENSE].origin == CRAWLED


# --- overrides, rationales, totals ---------------------------------------------------------------
@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_a_maintainer_override_replaces_the_judgment_and_keeps_the_crawled_level(dimension):
    override = Override(
        level=CLOSED,
        rationale="The weights were withdrawn upstream on request.",
        correction_id=12,
        evidence_url="https://example.org/notice",
    )
    model = facts(datasets=(ds(),), repos=(repo(),))
    plain = score_model(model, [])
    assert plain.judgments[dimension].level == OPEN
    result = score_model(replace(model, overrides={dimension: override}), [])
    judgment = result.judgments[dimension]
    assert (judgment.level, judgment.origin, judgment.rationale) == (CLOSED, CORRECTED, override.rationale)
    assert judgment.details["crawled_level"] == OPEN
    assert judgment.details["crawled_rationale"] == plain.judgments[dimension].rationale
    assert judgment.details["correction"] == 12
    assert judgment.evidence[0].subject == "correction:12"
    assert judgment.evidence[0].source_url == "https://example.org/notice"
    assert result.total == 75.0
    others = [d for d in DIMENSIONS if d != dimension]
    assert all(result.judgments[d] == plain.judgments[d] for d in others)


ALL_CASES = [(m, b) for _, m, b, *_ in WEIGHT_CASES + DATA_CASES + CODE_CASES + LICENSE_CASES]


@pytest.mark.parametrize(("model", "bases"), ALL_CASES)
def test_every_judgment_has_one_sentence_and_the_total_is_the_mean(model, bases):
    result = score_model(model, bases)
    assert set(result.judgments) == set(DIMENSIONS)
    for judgment in result.judgments.values():
        assert_one_sentence(judgment.rationale)
        assert judgment.points == POINTS[judgment.level]
    mean = sum(j.points for j in result.judgments.values()) / 4
    assert result.total == pytest.approx(100 * mean)
    assert result.unknown_count == sum(j.level == UNKNOWN for j in result.judgments.values())


def test_totals_follow_the_methodology_weights():
    result = score_model(facts(gated="auto", datasets=(), repos=(repo(classification="inference"),)), [])
    levels = [result.judgments[d].level for d in DIMENSIONS]
    assert levels == [PARTIAL, CLOSED, CLOSED, OPEN]
    assert result.total == 37.5
    weighted = Methodology("2.0", {WEIGHTS: 2.0, DATA: 1.0, CODE: 1.0, LICENSE: 0.0})
    assert METHODOLOGY_V1.total(result.judgments) == 37.5
    assert weighted.total(result.judgments) == 25.0  # (2 x 0.5 + 0 + 0 + 0) / 4


def test_evidence_and_derivative_flags_travel_with_the_result():
    ref = EvidenceRef(
        fact="license",
        subject="model:org/derived",
        source_url="https://huggingface.co/org/derived",
        revision="abc",
        fetched_at="2026-11-01T00:00:00+00:00",
    )
    result = score_model(derivative(evidence={"license": ref}), [base(OPEN)])
    assert result.is_derivative
    assert result.judgments[LICENSE].evidence == (ref,)
    assert result.judgments[LICENSE].as_dict()["evidence"] == [ref.as_dict()]
    assert not score_model(facts(), []).is_derivative


def test_summarize_carries_levels_and_a_reason_for_placeholders():
    placeholder = facts(listed=False)
    summary = summarize(placeholder, score_model(placeholder, []))
    assert (summary.weights, summary.data, summary.code, summary.license) == (UNKNOWN,) * 4
    assert summary.reason
    listed = facts(license=lic("llama3.1"))
    summary = summarize(listed, score_model(listed, []))
    assert (summary.license, summary.license_key, summary.reason) == (
        PARTIAL,
        "LicenseRef-openness-llama-3.1",
        "",
    )


def test_a_card_pointing_to_a_repository_for_its_training_data_is_unknown_not_closed():
    level, reason, _ = data_part(facts(datasets=(), data_doc_repos=("org/pretrain-data",)))
    assert level == "unknown"
    assert "github.com/org/pretrain-data" in reason
    assert data_part(facts(datasets=()))[0] == "closed"  # read, names nothing, points nowhere


def test_an_unread_collection_keeps_open_datasets_below_open():
    obtainable = DatasetFact(name="org/d", status="available", license_grade="open", license_label="MIT")
    assert data_part(facts(datasets=(obtainable,)))[0] == "open"
    assert data_part(facts(datasets=(obtainable,), collections_unread=("org/mix-1",)))[0] == "partial"


def test_a_card_saying_part_of_its_data_is_not_public_is_partial_at_best():
    public = DatasetFact(name="org/web", status="available", license_grade="open", license_label="ODC-By")
    said = "Only the web extract is public."
    level, reason, details = data_part(facts(datasets=(public,), data_withheld=said))
    assert level == PARTIAL
    assert "not public" in reason
    assert said in reason
    assert details["withheld"] == said
    # a cap, never a floor: a card that names nothing stays closed
    assert data_part(facts(datasets=(), data_withheld=said))[0] == CLOSED
    assert judge_data(derivative(datasets=(public,)), [base(OPEN)]).level == OPEN
    assert judge_data(derivative(datasets=(public,), data_withheld=said), [base(OPEN)]).level == PARTIAL
