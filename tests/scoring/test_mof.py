"""MOF 1.0 class computation (scoring/mof.py).

The regression test replays the 273 MOT model records (bundled in tests/data/mot-data, checksummed)
and compares the class and the three progress figures with derived/mot-recomputed-classes.csv (an
independent re-implementation of MOT's rules).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
import yaml

from scoring import mof

MOT_DATA = Path(__file__).resolve().parents[1] / "data" / "mot-data"
EXPECTED_RECORDS = 273

# file name -> one-line reason. Every record not listed here must match the CSV exactly; every record
# listed here must really differ (so stale entries are caught).
DEVIATIONS: dict[str, str] = {}


def _mot_data() -> Path:
    if (
        not (MOT_DATA / "models").is_dir()
        or not (MOT_DATA / "derived" / "mot-recomputed-classes.csv").is_file()
    ):
        pytest.fail(
            f"MOT regression data not found at {MOT_DATA} (expected models/*.yml and "
            "derived/mot-recomputed-classes.csv)"
        )
    return MOT_DATA


def test_the_bundled_mot_data_matches_its_checksums():
    base = _mot_data()
    listed = {}
    for line in (base / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    present = {p.relative_to(base).as_posix() for p in base.glob("*/*") if p.is_file()}
    assert set(listed) == present
    assert len([n for n in listed if n.startswith("models/")]) == EXPECTED_RECORDS
    changed = [n for n, d in listed.items() if hashlib.sha256((base / n).read_bytes()).hexdigest() != d]
    assert changed == []


def _split(cell: str) -> list[str]:
    return sorted(part.strip() for part in cell.split(";") if part.strip())


def test_mot_records_match_recomputed_classes():
    base = _mot_data()
    with (base / "derived" / "mot-recomputed-classes.csv").open(newline="", encoding="utf-8") as fh:
        expected = {row["file"]: row for row in csv.DictReader(fh)}
    files = sorted((base / "models").glob("*.yml"))
    assert len(files) == EXPECTED_RECORDS
    assert set(expected) == {f.name for f in files}

    mismatches: dict[str, str] = {}
    for path in files:
        row = expected[path.name]
        result = mof.evaluate_record(yaml.safe_load(path.read_text(encoding="utf-8")), normalize=None)
        got = (result.mof_class, *(round(result.progress[c], 1) for c in (3, 2, 1)))
        want = (
            int(row["mof_class"]),
            float(row["progress_class3"]),
            float(row["progress_class2"]),
            float(row["progress_class1"]),
        )
        problems = []
        if got != want:
            problems.append(f"class/progress {got} != {want}")
        # The per-component outcome columns must agree as well.
        for column, status in (
            ("open_but_not_type_appropriate", mof.CONDITIONAL),
            ("invalid_license", mof.INVALID),
            ("no_license", mof.UNLICENSED),
        ):
            names = sorted(c.name for c in result.components if c.status == status)
            if names != _split(row[column]):
                problems.append(f"{column} {names} != {_split(row[column])}")
        if problems:
            mismatches[path.name] = "; ".join(problems)

    unexpected = {name: why for name, why in mismatches.items() if name not in DEVIATIONS}
    stale = sorted(set(DEVIATIONS) - set(mismatches))
    matched = len(files) - len(mismatches)
    print(f"MOF regression: {matched}/{len(files)} records match, {len(DEVIATIONS)} documented deviation(s)")
    assert not unexpected, "records that differ from the CSV:\n" + "\n".join(
        f"  {name}: {why}" for name, why in sorted(unexpected.items())
    )
    assert not stale, f"DEVIATIONS entries that now match (remove them): {stale}"


# --------------------------------------------------------------------------- helpers

ALL_NAMES = [c.name for c in mof.mof_components()]
CLASS3 = [c.name for c in mof.mof_components() if c.required and c.mof_class == 3]
CLASS2 = [c.name for c in mof.mof_components() if c.required and c.mof_class == 2]
CLASS1 = [c.name for c in mof.mof_components() if c.required and c.mof_class == 1]


def _good_license(name: str) -> str:
    """A type-appropriate open license for the component."""
    return {"code": "Apache-2.0", "data": "CDLA-Permissive-2.0", "document": "CC-BY-4.0"}[
        mof._components_by_name()[name].content_type
    ]


def _released(names) -> dict[str, str | None]:
    """The named components, each under a type-appropriate open license."""
    return {name: _good_license(name) for name in names}


def _status(result: mof.MofResult, name: str) -> str:
    return result.component(name).status


# --------------------------------------------------------------------------- data and API shape


def test_bundled_data():
    comps = mof.mof_components()
    assert len(comps) == 17
    assert len(CLASS3) == 6
    assert len(CLASS3 + CLASS2) == 10
    assert len(CLASS3 + CLASS2 + CLASS1) == 14
    assert {c.content_type for c in comps} == {"code", "data", "document"}
    # CC0-1.0 and CC-PDDC are listed twice in MOT's overlay; the second (document) entry wins.
    assert mof.license_content_types()["CC0-1.0"] == frozenset({"document"})
    assert mof.license_content_types()["OpenMDW-1.0"] == frozenset({"code", "data", "document"})


def test_unknown_component_name_is_rejected():
    with pytest.raises(ValueError, match="Weights"):
        mof.evaluate(components={"Weights": "MIT"})


def test_nothing_released_is_unclassified():
    result = mof.evaluate(components={})
    assert result.mof_class == 0
    assert result.label == "Unclassified"
    assert result.progress == {3: 0.0, 2: 0.0, 1: 0.0}
    assert all(c.status == mof.MISSING and c.license is None for c in result.components)
    assert len(result.components) == 17


def test_full_release_is_class_1():
    result = mof.evaluate(components=_released(ALL_NAMES))
    assert result.mof_class == 1
    assert result.label == "Open Science"
    assert result.progress == {3: 100.0, 2: 100.0, 1: 100.0}
    assert result.missing_for_next == ()
    assert result.conditional == ()


# --------------------------------------------------------------------------- inheritance


def test_inheritance_order():
    globals_ = {"distribution": "MIT", "code": "Apache-2.0", "data": None, "document": "CC-BY-4.0"}
    result = mof.evaluate(
        components={
            "Model architecture": None,  # -> global code license
            "Training code": "ISC",  # own license wins
            "Model parameters (Final)": None,  # no global data license -> distribution
            "Model card": None,  # -> global document license
            "Data card": "unlicensed",  # explicit "no license" does not inherit
            "Technical report": "",  # same for an empty string
        },
        global_licenses=globals_,
    )
    assert result.component("Model architecture").license == "Apache-2.0"
    assert result.component("Training code").license == "ISC"
    assert result.component("Model parameters (Final)").license == "MIT"
    assert _status(result, "Model parameters (Final)") == mof.CONDITIONAL
    assert result.component("Model card").license == "CC-BY-4.0"
    assert result.component("Data card").license is None
    assert _status(result, "Data card") == mof.UNLICENSED
    assert _status(result, "Technical report") == mof.UNLICENSED
    assert _status(result, "Evaluation results") == mof.MISSING  # not listed: never inherits


def test_inheritance_without_any_license_is_unlicensed():
    result = mof.evaluate(components={"Model architecture": None}, global_licenses={"data": "CC0-1.0"})
    assert _status(result, "Model architecture") == mof.UNLICENSED


def test_blank_type_specific_global_falls_through_to_distribution():
    result = mof.evaluate(
        components={"Model architecture": None}, global_licenses={"code": " ", "distribution": "MIT"}
    )
    assert result.component("Model architecture").license == "MIT"


def test_evaluate_record_reads_yaml_shape():
    record = {
        "framework": {"name": "Model Openness Framework", "version": "1.0", "date": "2024-12-15"},
        "release": {
            "name": "Example",
            "license": {
                "distribution": {"name": "Apache-2.0", "path": ""},
                "document": {"name": "CC-BY-4.0", "path": ""},
                "data": {"name": "", "path": ""},
            },
            "components": [
                {"name": "Model architecture", "description": "x"},
                {"name": "Model parameters (Final)", "description": "x"},
                {"name": "Model card", "description": "x"},
                {"name": "Data card", "description": "x", "license": "unlicensed"},
            ],
        },
    }
    result = mof.evaluate_record(record)
    assert result.component("Model architecture").license == "Apache-2.0"
    assert result.component("Model parameters (Final)").license == "Apache-2.0"  # blank data -> distribution
    assert result.component("Model card").license == "CC-BY-4.0"
    assert _status(result, "Data card") == mof.UNLICENSED


# --------------------------------------------------------------------------- license tests


@pytest.mark.parametrize(
    ("name", "license_id", "status"),
    [
        ("Model architecture", "MIT", mof.INCLUDED),
        ("Model architecture", "BSD-3-Clause", mof.CONDITIONAL),  # OSI, but not in MOT's code list
        ("Model architecture", "GPL-3.0-only", mof.CONDITIONAL),
        ("Model parameters (Final)", "Apache-2.0", mof.CONDITIONAL),  # code license on weights
        ("Model parameters (Final)", "CDLA-Permissive-2.0", mof.INCLUDED),
        ("Datasets", "CC-BY-4.0", mof.CONDITIONAL),
        ("Datasets", "CC0-1.0", mof.CONDITIONAL),  # overlay quirk: CC0 ends up tagged "document"
        ("Model card", "CC0-1.0", mof.INCLUDED),
        ("Model card", "Apache-2.0", mof.INCLUDED),
        ("Datasets", "PDDL-1.0", mof.INVALID),  # MOT's allow-list spells it ODC-PDDL-1.0
        ("Datasets", "ODC-By-1.0", mof.CONDITIONAL),
        ("Datasets", "OpenMDW-1.0", mof.INCLUDED),
        ("Model architecture", "OpenMDW-1.0", mof.INCLUDED),
        ("Model parameters (Final)", "Llama 3.1 Community License", mof.INVALID),
        ("Model parameters (Final)", "CC-BY-NC-4.0", mof.INVALID),
        ("Model architecture", "Apache 2.0", mof.INVALID),  # no normalisation in MOT mode
        ("Model architecture", "apache-2.0", mof.INVALID),
        ("Datasets", "Component not included", mof.INVALID),
        ("Model card", "unlicensed", mof.UNLICENSED),
    ],
)
def test_component_license_status(name, license_id, status):
    assert _status(mof.evaluate(components={name: license_id}), name) == status


def test_conditional_component_counts_and_is_reported():
    comps = _released(CLASS3)
    comps["Model parameters (Final)"] = "Apache-2.0"  # open, but a code license on weights
    comps["Sample model outputs"] = "MIT"  # optional component, also conditional
    result = mof.evaluate(components=comps)
    assert _status(result, "Model parameters (Final)") == mof.CONDITIONAL
    assert result.mof_class == 3
    assert result.progress[3] == 100.0
    assert result.conditional == ("Model parameters (Final)", "Sample model outputs")


def test_optional_components_never_block_a_class():
    result = mof.evaluate(components=_released(CLASS3 + CLASS2 + CLASS1))
    assert result.mof_class == 1
    assert _status(result, "Model metadata") == mof.MISSING


# --------------------------------------------------------------------------- progress, gate, paper rule


def test_gate_zeroes_higher_classes_until_the_lower_one_is_complete():
    comps = _released(CLASS3 + CLASS2 + CLASS1)
    del comps["Data card"]
    result = mof.evaluate(components=comps)
    assert result.mof_class == 0
    assert round(result.progress[3], 1) == 83.3
    assert result.progress[2] == 0.0  # 9/10 without the gate
    assert result.progress[1] == 0.0


def test_progress_is_cumulative():
    comps = _released(CLASS3 + CLASS2[:2])
    result = mof.evaluate(components=comps)
    assert result.mof_class == 3
    assert result.progress == {3: 100.0, 2: 80.0, 1: 0.0}
    comps = _released(CLASS3 + CLASS2 + CLASS1[:2])
    result = mof.evaluate(components=comps)
    assert result.mof_class == 2
    assert result.label == "Open Tooling"
    assert result.progress[1] == pytest.approx(100 * 12 / 14)


def test_research_paper_replaces_missing_technical_report():
    comps = _released(CLASS3 + CLASS2 + CLASS1)
    del comps["Technical report"]
    result = mof.evaluate(components=comps)
    assert result.mof_class == 1
    assert result.progress == {3: 100.0, 2: 100.0, 1: 100.0}  # Class I needs 13, not 14
    assert result.missing_for_next == ()


def test_research_paper_replaces_unlicensed_technical_report():
    comps = _released(CLASS3)
    comps["Technical report"] = "unlicensed"
    comps["Research paper"] = "CC-BY-4.0"
    result = mof.evaluate(components=comps)
    assert result.mof_class == 3
    assert _status(result, "Technical report") == mof.UNLICENSED


def test_paper_without_open_license_does_not_replace_report():
    comps = _released(CLASS3)
    del comps["Technical report"]
    comps["Research paper"] = "arXiv.org perpetual non-exclusive license 1.0"
    result = mof.evaluate(components=comps)
    assert result.mof_class == 0
    assert round(result.progress[3], 1) == 83.3
    assert result.missing_for_next == (
        "Technical report: missing (an openly licensed research paper can stand in for it)",
    )


def test_paper_rule_class_1_progress_uses_13_slots():
    comps = _released(CLASS3 + CLASS2 + ["Research paper"])
    del comps["Technical report"]
    result = mof.evaluate(components=comps)
    assert result.mof_class == 2
    assert result.progress[1] == pytest.approx(100 * 10 / 13)


# --------------------------------------------------------------------------- missing_for_next, normaliser


def test_missing_for_next_lists_what_the_next_class_needs():
    comps = _released(CLASS3)
    del comps["Data card"]
    comps["Model parameters (Final)"] = "Llama 3.1 Community License"
    comps["Model card"] = "unlicensed"
    comps["Training code"] = "Llama 3.1 Community License"  # Class II: not listed for Class III
    result = mof.evaluate(components=comps)
    assert result.mof_class == 0
    assert set(result.missing_for_next) == {
        "Model parameters (Final): license 'Llama 3.1 Community License' is not an open license",
        "Model card: no license",
        "Data card: missing",
    }


def test_missing_for_next_after_class_3_names_class_2_items():
    comps = _released(CLASS3)
    comps["Training code"] = "Llama 3.1 Community License"
    comps["Evaluation code"] = "MIT"
    result = mof.evaluate(components=comps)
    assert result.mof_class == 3
    assert set(result.missing_for_next) == {
        "Training code: license 'Llama 3.1 Community License' is not an open license",
        "Inference code: missing",
        "Evaluation data: missing",
    }


def test_normaliser_turns_free_text_into_an_included_license():
    spellings = {"apache 2.0": "Apache-2.0", "mit license": "MIT"}

    def normalize(text: str) -> str | None:
        return spellings.get(text.strip().lower())

    without = mof.evaluate(components={"Model architecture": "Apache 2.0"})
    assert _status(without, "Model architecture") == mof.INVALID
    with_ = mof.evaluate(components={"Model architecture": "Apache 2.0"}, normalize=normalize)
    assert _status(with_, "Model architecture") == mof.INCLUDED
    assert with_.component("Model architecture").license == "Apache-2.0"
    # The normaliser also applies to inherited licenses; unknown strings are tested unchanged.
    inherited = mof.evaluate(
        components={"Inference code": None, "Training code": "Undisclosed"},
        global_licenses={"distribution": "MIT license"},
        normalize=normalize,
    )
    assert _status(inherited, "Inference code") == mof.INCLUDED
    assert _status(inherited, "Training code") == mof.INVALID
    assert inherited.component("Training code").license == "Undisclosed"
