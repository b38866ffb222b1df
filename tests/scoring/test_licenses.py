"""The license knowledge base: it loads and validates, covers the Hub's ids and the custom
model licenses, normalises what cards declare, and grades with one formula.

Pure: no database. Expected grades come from the methodology's formula (OSI / open-data and
unrestricted is open; commercial use with restrictions partial; non-commercial, research-only,
no modification, no redistribution or no license closed; placeholders and families unknown).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from scoring.levels import CLOSED, OPEN, PARTIAL, UNKNOWN
from scoring.licenses import (
    ATTRIBUTES,
    DATA_FILE,
    KnowledgeBaseError,
    grade_license,
    knowledge_base,
    load_knowledge_base,
)

MOT_DATA = Path(__file__).resolve().parents[1] / "data" / "mot-data"
MOT_CLASSES = MOT_DATA / "derived" / "mot-recomputed-classes.csv"

# The 83 ids of hub-docs `docs/hub/repositories-licenses.md` (reference note, section 2).
HUB_LICENSE_IDS = [
    # permissive / public domain, OSI-approved
    "apache-2.0",
    "mit",
    "afl-3.0",
    "bsl-1.0",
    "bsd-2-clause",
    "bsd-3-clause",
    "ecl-2.0",
    "isc",
    "ms-pl",
    "ncsa",
    "postgresql",
    "zlib",
    "unlicense",
    # copyleft / weak copyleft, OSI-approved
    "agpl-3.0",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl-2.1",
    "lgpl-3.0",
    "mpl-2.0",
    "epl-1.0",
    "epl-2.0",
    "eupl-1.1",
    "eupl-1.2",
    "osl-3.0",
    "lppl-1.3c",
    "artistic-2.0",
    "ofl-1.1",
    # permissive, not OSI (content / data)
    "bsd-3-clause-clear",
    "cc0-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "odc-by",
    "pddl",
    "etalab-2.0",
    "wtfpl",
    "openmdw-1.0",
    "openmdw-1.1",
    # share-alike, not OSI
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cdla-sharing-1.0",
    "odbl",
    "lgpl-lr",
    # non-commercial or no-derivatives
    "cc-by-nc-2.0",
    "cc-by-nc-3.0",
    "cc-by-nc-4.0",
    "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0",
    # restricted use
    "c-uda",
    # families
    "bsd",
    "cc",
    "gpl",
    "lgpl",
    "gfdl",
    "openrail",
    # responsible-AI licenses
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "bigcode-openrail-m",
    "bigscience-bloom-rail-1.0",
    "openrail++",
    # Meta Llama
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama4",
    # other vendors
    "gemma",
    "grok2-community",
    "deepfloyd-if-license",
    "fair-noncommercial-research-license",
    "h-research",
    "intel-research",
    "apple-ascl",
    "apple-amlr",
    # placeholders
    "other",
    "unknown",
]
FAMILY_TAGS = ["bsd", "cc", "gpl", "lgpl", "gfdl", "openrail"]


@pytest.fixture(scope="module")
def kb():
    return knowledge_base()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "licenses.yaml"
    path.write_text(text)
    return path


ENTRY = """
- key: {key}
  name: {name}
  hub_tag: {tag}
  aliases: [{aliases}]
  kind: permissive
  osi_approved: {osi}
  commercial_use: true
  modification: true
  redistribution: true
  use_restrictions: false
  naming_requirement: false
  output_restriction: false
  revocable: false
"""


# --- loading and validation -------------------------------------------------------------------
def test_the_knowledge_base_file_loads_and_every_entry_is_graded(kb):
    assert len(kb.entries) >= 83
    assert len(kb.digest) == 16
    for entry in kb.entries.values():
        assert entry.grade in (OPEN, PARTIAL, CLOSED, UNKNOWN), entry.key
        assert entry.grade_reason, entry.key
        assert set(entry.attributes) == set(ATTRIBUTES), entry.key


def test_a_minimal_valid_file_loads(tmp_path):
    kb = load_knowledge_base(
        _write(tmp_path, ENTRY.format(key="X-1", name="X", tag="x", aliases="x one", osi="true"))
    )
    assert kb.lookup("X ONE").key == "X-1"
    assert kb.entries["X-1"].grade == OPEN


def test_a_duplicate_key_is_rejected(tmp_path):
    text = ENTRY.format(key="X-1", name="X", tag="x", aliases="", osi="true") + ENTRY.format(
        key="X-1", name="X again", tag="y", aliases="", osi="true"
    )
    with pytest.raises(KnowledgeBaseError, match="duplicate keys"):
        load_knowledge_base(_write(tmp_path, text))


def test_an_alias_naming_two_entries_is_rejected(tmp_path):
    text = ENTRY.format(key="X-1", name="X", tag="x", aliases="shared name", osi="true") + ENTRY.format(
        key="Y-1", name="Y", tag="y", aliases="Shared  Name", osi="true"
    )
    with pytest.raises(KnowledgeBaseError, match="names both"):
        load_knowledge_base(_write(tmp_path, text))


def test_a_non_boolean_attribute_is_rejected(tmp_path):
    text = ENTRY.format(key="X-1", name="X", tag="x", aliases="", osi="'yes'")
    with pytest.raises(KnowledgeBaseError, match="osi_approved must be true, false or null"):
        load_knowledge_base(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key: X-1\n", "YAML list"),
        ("- name: no key\n", "needs a string 'key'"),
        ("- key: X-1\n  kind: freeware\n", "unknown kind"),
        ("- key: X-1\n  user_cap: 700\n", "user_cap must be text or null"),
        ("- key: X-1\n  aliases: just one\n", "aliases must be a list"),
    ],
)
def test_other_schema_breaks_are_rejected(tmp_path, text, message):
    with pytest.raises(KnowledgeBaseError, match=message):
        load_knowledge_base(_write(tmp_path, text))


def test_the_data_file_has_no_duplicate_mapping_keys_that_yaml_would_silently_merge():
    """PyYAML keeps the last of two equal keys in one mapping; the file must never rely on that."""

    class Strict(yaml.SafeLoader):
        pass

    def construct(loader, node):
        keys = [loader.construct_object(k) for k, _ in node.value]
        duplicated = {k for k in keys if keys.count(k) > 1}
        assert not duplicated, f"line {node.start_mark.line + 1}: repeated {sorted(duplicated)}"
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct)
    assert isinstance(yaml.load(DATA_FILE.read_text(), Loader=Strict), list)  # noqa: S506 (SafeLoader subclass)


# --- coverage -----------------------------------------------------------------------------------
def test_the_reference_lists_83_hub_ids():
    assert len(HUB_LICENSE_IDS) == len(set(HUB_LICENSE_IDS)) == 83


@pytest.mark.parametrize("hub_id", HUB_LICENSE_IDS)
def test_every_hub_license_id_is_a_hub_tag_or_alias(kb, hub_id):
    entry = kb.lookup(hub_id)
    assert entry is not None, f"{hub_id} is not in the knowledge base"
    assert hub_id == entry.hub_tag or hub_id in {a.lower() for a in entry.aliases}
    assert kb.resolve(hub_id).entry is entry


def test_no_entry_claims_a_hub_tag_the_hub_does_not_offer(kb):
    tags = {e.hub_tag for e in kb.entries.values() if e.hub_tag}
    assert tags == set(HUB_LICENSE_IDS)


# (license_name or license_link as cards write them, expected key, expected grade)
CUSTOM_LICENSES = [
    ("llama2", "LicenseRef-openness-llama-2", PARTIAL),
    ("Llama 2 Community License Agreement", "LicenseRef-openness-llama-2", PARTIAL),
    ("llama3", "LicenseRef-openness-llama-3", PARTIAL),
    ("Meta Llama 3 Community License Agreement", "LicenseRef-openness-llama-3", PARTIAL),
    ("llama3.1", "LicenseRef-openness-llama-3.1", PARTIAL),
    ("llama3.2", "LicenseRef-openness-llama-3.2", PARTIAL),
    ("Llama 3.2 Community License", "LicenseRef-openness-llama-3.2", PARTIAL),
    ("llama3.3", "LicenseRef-openness-llama-3.3", PARTIAL),
    ("llama4", "LicenseRef-openness-llama-4", PARTIAL),
    ("gemma", "LicenseRef-openness-gemma", PARTIAL),
    ("https://ai.google.dev/gemma/terms", "LicenseRef-openness-gemma", PARTIAL),
    ("qwen", "LicenseRef-openness-qwen", PARTIAL),
    ("Qwen License Agreement", "LicenseRef-openness-qwen", PARTIAL),
    ("qwen-research", "LicenseRef-openness-qwen-research", CLOSED),
    ("tongyi-qianwen", "LicenseRef-openness-tongyi-qianwen", PARTIAL),
    ("deepseek-license", "LicenseRef-openness-deepseek-1.0", PARTIAL),
    ("DeepSeek License Agreement", "LicenseRef-openness-deepseek-1.0", PARTIAL),
    ("falcon-llm-license", "LicenseRef-openness-tii-falcon-2.0", PARTIAL),
    ("Falcon-180B TII License", "LicenseRef-openness-falcon-180b-tii-1.0", PARTIAL),
    ("mrl", "LicenseRef-openness-mrl-0.1", CLOSED),
    ("https://mistral.ai/licenses/MRL-0.1.md", "LicenseRef-openness-mrl-0.1", CLOSED),
    ("mnpl", "LicenseRef-openness-mnpl-0.1", CLOSED),
    ("Mistral AI Non-Production License", "LicenseRef-openness-mnpl-0.1", CLOSED),
    ("nvidia-open-model-license", "LicenseRef-openness-nvidia-open-model-license", PARTIAL),
    (
        "https://www.nvidia.com/en-us/agreements/enterprise-software/nvidia-open-model-license/",
        "LicenseRef-openness-nvidia-open-model-license",
        PARTIAL,
    ),
    ("c4ai-cc-by-nc-4.0", "LicenseRef-openness-c4ai-cc-by-nc-4.0", CLOSED),
    ("grok2-community", "LicenseRef-openness-grok-2-community", PARTIAL),
    ("Grok 2 Community License Agreement", "LicenseRef-openness-grok-2-community", PARTIAL),
    ("stabilityai-ai-community", "LicenseRef-openness-stability-ai-community", PARTIAL),
    ("Stability AI Community License", "LicenseRef-openness-stability-ai-community", PARTIAL),
    ("flux-1-dev-non-commercial-license", "LicenseRef-openness-flux-1-dev-nc", CLOSED),
]


@pytest.mark.parametrize(("declared", "key", "grade"), CUSTOM_LICENSES)
def test_custom_model_licenses_behind_license_other_are_covered(kb, declared, key, grade):
    as_link = declared.startswith("https://")
    resolution = kb.resolve_declared(["other"], "" if as_link else declared, declared if as_link else "")
    assert resolution.key == key
    assert resolution.grade == grade
    assert resolution.method == ("link" if as_link else "alias")
    assert resolution.entry.text_url, f"{key} cites no license text"


# --- normalisation -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Apache 2.0", "Apache-2.0"),
        ("MIT license", "MIT"),
        ("  'MIT License' ", "MIT"),
        ("llama3.1", "LicenseRef-openness-llama-3.1"),
        ("Llama 3.1 Community License", "LicenseRef-openness-llama-3.1"),
        ("BSD-3", "BSD-3-Clause"),
        ("cc by 4.0", "CC-BY-4.0"),
        ("CC_BY_4.0", "CC-BY-4.0"),
        ("GPL-3.0-only", "GPL-3.0-only"),
        ("gpl-3.0", "GPL-3.0-only"),
        ("https://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0"),
    ],
)
def test_free_text_normalises_to_the_entry(kb, text, key):
    resolution = kb.resolve(text)
    assert resolution.key == key
    assert resolution.grade == kb.entries[key].grade
    assert resolution.declared == text.strip()


def test_license_other_uses_license_name_first_then_license_link(kb):
    by_name = kb.resolve_declared(["other"], "llama4", "https://mistral.ai/licenses/MRL-0.1.md")
    assert by_name.key == "LicenseRef-openness-llama-4"
    by_link = kb.resolve_declared(["other"], "our own words", "https://mistral.ai/licenses/MRL-0.1.md")
    assert by_link.key == "LicenseRef-openness-mrl-0.1"
    assert by_link.grade == CLOSED
    assert "our own words" in by_link.declared  # the raw declaration is kept for display
    relative = kb.resolve_declared(["other"], "", "LICENSE")  # a file in the repo tells us nothing
    assert (relative.key, relative.grade) == (None, UNKNOWN)


@pytest.mark.parametrize(
    ("expression", "grade", "key"),
    [
        ("Apache-2.0 AND MIT", OPEN, "Apache-2.0"),
        ("apache-2.0 AND cc-by-nc-4.0", CLOSED, "CC-BY-NC-4.0"),
        ("MIT OR CC-BY-NC-4.0", OPEN, "MIT"),
        ("cc-by-nc-4.0 OR llama2", PARTIAL, "LicenseRef-openness-llama-2"),
        ("Apache-2.0 WITH LLVM-exception AND CC-BY-NC-4.0", CLOSED, "CC-BY-NC-4.0"),
        ("(MIT OR Apache-2.0) AND CC-BY-NC-4.0", CLOSED, "CC-BY-NC-4.0"),
        ("(Apache-2.0 OR MIT)", OPEN, "Apache-2.0"),
        ("MIT AND (llama3 OR cc-by-nc-4.0)", PARTIAL, None),  # the deciding part is itself an expression
        ("LicenseRef-unheard-of OR MIT", OPEN, "MIT"),
        ("llama3 OR LicenseRef-unheard-of", UNKNOWN, None),  # the unknown option might be the open one
        ("MIT AND LicenseRef-unheard-of", UNKNOWN, None),
    ],
)
def test_spdx_expressions_combine_their_parts(kb, expression, grade, key):
    resolution = kb.resolve(expression)
    assert resolution.method == "expression"
    assert resolution.grade == grade
    assert resolution.key == key
    assert resolution.declared == expression
    assert len(resolution.parts) == 2


@pytest.mark.parametrize(
    ("expression", "key"),
    [
        ("Apache-2.0 WITH LLVM-exception", "Apache-2.0"),
        ("GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only"),
        ("cc-by-nc-4.0 WITH Some-exception", "CC-BY-NC-4.0"),
    ],
)
def test_an_exception_does_not_change_the_license_and_the_raw_text_is_kept(kb, expression, key):
    resolution = kb.resolve(expression)
    assert resolution.key == key
    assert resolution.grade == kb.entries[key].grade
    assert resolution.declared == expression


def test_a_broken_expression_is_unknown_not_an_error(kb):
    resolution = kb.resolve("(MIT AND")
    assert (resolution.entry, resolution.grade) == (None, UNKNOWN)
    assert resolution.declared == "(MIT AND"


@pytest.mark.parametrize("text", ["Sunshine Public License v7", "custom", "see LICENSE file", "tbd"])
def test_anything_unrecognised_is_unknown_and_keeps_the_raw_string(kb, text):
    resolution = kb.resolve(text)
    assert (resolution.entry, resolution.key, resolution.grade) == (None, None, UNKNOWN)
    assert resolution.declared == text
    assert resolution.label == text
    declared = kb.resolve_declared(["other"], text)
    assert declared.grade == UNKNOWN
    assert text in declared.declared


def test_an_spdx_id_missing_from_the_kb_is_graded_from_the_spdx_list(kb):
    osi = kb.resolve("GPL-2.0-or-later")
    assert (osi.entry, osi.grade, osi.method) == (None, OPEN, "spdx_list")
    not_reviewed = kb.resolve("Beerware")
    assert (not_reviewed.grade, not_reviewed.method) == (UNKNOWN, "spdx_list")


def test_license_unknown_and_no_license_at_all_are_closed(kb):
    for resolution in (
        kb.resolve_declared(["unknown"]),
        kb.resolve_declared([]),
        kb.resolve_declared(["", "  "]),
    ):
        assert resolution.grade == CLOSED
        assert "default copyright" in resolution.reason


def test_license_other_without_name_or_link_is_unknown(kb):
    resolution = kb.resolve_declared(["other"])
    assert (resolution.entry, resolution.grade) == (None, UNKNOWN)


def test_several_declared_licenses_all_apply_and_the_strictest_decides(kb):
    resolution = kb.resolve_declared(["apache-2.0", "cc-by-nc-4.0"])
    assert (resolution.method, resolution.grade, resolution.key) == ("list", CLOSED, "CC-BY-NC-4.0")
    assert kb.resolve_declared(["mit", "apache-2.0"]).grade == OPEN


# --- the grade formula ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hub_id", "grade"),
    [
        ("apache-2.0", OPEN),
        ("mit", OPEN),
        ("gpl-3.0", OPEN),
        ("agpl-3.0", OPEN),
        ("cc-by-4.0", OPEN),
        ("cc-by-sa-4.0", OPEN),
        ("cc0-1.0", OPEN),
        ("odc-by", OPEN),
        ("bigscience-openrail-m", PARTIAL),
        ("creativeml-openrail-m", PARTIAL),
        ("openrail++", PARTIAL),
        ("llama2", PARTIAL),
        ("llama3", PARTIAL),
        ("llama3.1", PARTIAL),
        ("llama3.2", PARTIAL),
        ("llama3.3", PARTIAL),
        ("llama4", PARTIAL),
        ("gemma", PARTIAL),
        ("cc-by-nc-4.0", CLOSED),
        ("cc-by-nc-sa-4.0", CLOSED),
        ("cc-by-nd-4.0", CLOSED),
        ("fair-noncommercial-research-license", CLOSED),
        ("apple-amlr", CLOSED),
        ("other", UNKNOWN),
        *((tag, UNKNOWN) for tag in FAMILY_TAGS),
    ],
)
def test_hub_licenses_get_the_grade_the_formula_gives(kb, hub_id, grade):
    assert kb.lookup(hub_id).grade == grade


@pytest.mark.parametrize(
    ("name", "grade"),
    [
        ("DeepSeek License Agreement", PARTIAL),
        ("mrl", CLOSED),
        ("qwen-research", CLOSED),
        ("Creative Commons Attribution Non Commercial 4.0", CLOSED),
    ],
)
def test_custom_licenses_get_the_grade_the_formula_gives(kb, name, grade):
    assert kb.lookup(name).grade == grade


FREE = {
    "commercial_use": True,
    "modification": True,
    "redistribution": True,
    "use_restrictions": False,
    "naming_requirement": False,
    "output_restriction": False,
    "revocable": False,
}


@pytest.mark.parametrize(
    ("kind", "attributes", "grade"),
    [
        ("permissive", {**FREE, "osi_approved": True}, OPEN),
        ("open-content", {**FREE, "open_data": True}, OPEN),
        ("public-domain", FREE, OPEN),
        (
            "community",
            {**FREE, "osi_approved": False},
            UNKNOWN,
        ),  # free-looking but neither OSI nor a free kind
        ("rail", {**FREE, "use_restrictions": True}, PARTIAL),
        ("community", {**FREE, "user_cap": "700M monthly active users"}, PARTIAL),
        ("community", {**FREE, "naming_requirement": True}, PARTIAL),
        ("community", {**FREE, "output_restriction": True}, PARTIAL),
        ("community", {**FREE, "revocable": True}, PARTIAL),
        ("permissive", {**FREE, "osi_approved": True, "non_commercial": True}, CLOSED),
        ("permissive", {**FREE, "research_only": True}, CLOSED),
        ("open-content", {**FREE, "modification": False}, CLOSED),
        ("open-content", {**FREE, "redistribution": False}, CLOSED),
        ("community", {**FREE, "commercial_use": False}, CLOSED),
        ("proprietary", FREE, CLOSED),
        ("permissive", {**FREE, "osi_approved": True, "revocable": None}, UNKNOWN),  # not confirmed
        ("none", FREE, UNKNOWN),
        ("family", {}, UNKNOWN),
        (None, {}, UNKNOWN),
    ],
)
def test_the_grade_formula(kind, attributes, grade):
    got, reason = grade_license(kind, attributes)
    assert got == grade
    assert reason


def test_every_open_entry_is_free_and_unrestricted(kb):
    """Consistency over the whole file: open means OSI, open-data or a free kind, and no restriction."""
    for entry in kb.entries.values():
        if entry.grade != OPEN:
            continue
        a = entry.attributes
        assert (
            a["osi_approved"]
            or a["open_data"]
            or entry.kind in ("permissive", "copyleft", "public-domain", "open-content", "open-data")
        ), entry.key
        assert entry.restrictions() == [], (entry.key, entry.restrictions())
        freedoms = (a["commercial_use"], a["modification"], a["redistribution"])
        assert freedoms == (True, True, True), entry.key
        assert (a["non_commercial"], a["research_only"]) == (False, False), entry.key


def test_every_closed_or_partial_entry_names_what_keeps_it_from_open(kb):
    for entry in kb.entries.values():
        if entry.grade == PARTIAL:
            assert entry.restrictions(), entry.key
            assert entry.attributes["commercial_use"] is True, entry.key
        if entry.grade == CLOSED:
            assert (
                entry.restrictions()
                or entry.kind == "proprietary"
                or entry.attributes["modification"] is False
                or entry.attributes["commercial_use"] is False
            ), entry.key


# --- MOT's free-text license strings ----------------------------------------------------------------
# Strings in MOT records that are not a license at all: they must stay unknown (never guessed).
MOT_NOT_A_LICENSE = {
    "Undisclosed",
    "license",
    "pubmed",
    "Component Component not included",
    "Component Not Include",
    "Component not include",
    "Component not include.",
    "Component not included but listed sources",
    "License only specified in original dataset starcoderdata",
    "https://arxiv.org/pdf/2401.06066",
    "mc4, cc100, wikipedia, EleutherAI/pile, togethercomputer/RedPajama-Data-1T",
    'datasets with "mit" “apache-2”, “bsd-3-clause”, “bsd-2-clause”, “cc0-1.0”, “unlicense”, “isc”',
    "commercial use restrcitions; Apache 2.0, TeleChat模型社区许可协议",
    "commercial use restrcitions; CC-BY-NC-SA-4.0",
}
# Real licenses the knowledge base has no entry for yet (no text read): they resolve to unknown
# for now, and must never resolve to some other license.
MOT_KB_GAPS = {
    "AI Sweden's LLM AI Model License Agreement",
    "BAAI Aquila Model License",
    "Baichuan-7B License",
    "CodeFuse COMMUNITY LICENSE",
    "DIALOGUE MODEL AND DATA EVALUATION LICENSE AGREEMENT",
    "Bloom",  # ambiguous: the BLOOM RAIL license or just the model's name
}


def _mot_strings() -> set[str]:
    found: set[str] = set()
    with MOT_CLASSES.open(newline="") as handle:
        for row in csv.DictReader(handle):
            found.update(s.strip() for s in row["non_spdx_license_strings"].split(" | ") if s.strip())
    return found


def test_mot_free_text_license_strings_normalise(kb):
    strings = _mot_strings()
    assert len(strings) >= 60
    assert MOT_NOT_A_LICENSE.issubset(strings)  # the lists above name real strings
    assert MOT_KB_GAPS.issubset(strings)
    named = strings - MOT_NOT_A_LICENSE - MOT_KB_GAPS
    unresolved = sorted(s for s in named if kb.resolve(s).entry is None)
    assert unresolved == []
    assert len(named) >= 40
    for text in MOT_NOT_A_LICENSE | MOT_KB_GAPS:
        resolution = kb.resolve(text)
        assert (resolution.entry, resolution.grade) == (None, UNKNOWN), text
        assert resolution.declared == text


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Apache license 2.0", "Apache-2.0"),
        ("BSD-3", "BSD-3-Clause"),
        ("MIT license", "MIT"),
        ("CC BY-SA 4.0", "CC-BY-SA-4.0"),
        ("Creative Commons Attribution Non Commercial 4.0", "CC-BY-NC-4.0"),
        ("Llama 3.1 Community License Agreement", "LicenseRef-openness-llama-3.1"),
        ("Meta Llama 3 Community License Agreement", "LicenseRef-openness-llama-3"),
        ("tongyi-qianwen-research", "LicenseRef-openness-tongyi-qianwen-research"),
        (
            "arXiv.org perpetual, non-exclusive license 1.0",
            "LicenseRef-openness-arxiv-nonexclusive-distrib-1.0",
        ),
        ("BigScience-BLOOM-RAIL-1.0", "LicenseRef-openness-bigscience-bloom-rail-1.0"),
    ],
)
def test_mot_spellings_map_to_the_right_entry(kb, text, key):
    assert kb.resolve(text).key == key
