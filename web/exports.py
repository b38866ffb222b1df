"""Rows of the index as data: streamed downloads of a filtered view, and the full dump.

The dump (JSON Lines + CSV) is what ``python manage.py export`` writes and the site serves
as files; it is regenerated on a schedule. Both carry the data license and how to cite.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from scoring import dimensions
from web.site import absolute_url, citation, model_path

DATA_LICENSE = "CC-BY-4.0"
DATA_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
CITATION = (
    "Openness Index (methodology v{version}), data exported {date}. Licensed CC BY 4.0: cite "
    '"Openness Index, {site}" and the export date.'
)
# (export column, Score column, judgment key) of every dimension, in registry order
LEVEL_COLUMNS = tuple((d.export_column, d.column) for d in dimensions.ALL)
JUDGMENT_KEYS = tuple((d.export_column, d.key) for d in dimensions.ALL)
# per dimension, beside its level: why, where it comes from, and its first evidence (the JSON
# forms carry every evidence item)
JUDGMENT_SUFFIXES = ("rationale", "origin", "evidence_url", "revision", "fetched_at", "evidence_count")
JUDGMENT_COLUMNS = tuple(f"{name}_{suffix}" for name, _ in JUDGMENT_KEYS for suffix in JUDGMENT_SUFFIXES)
COLUMNS = (
    "repo_id",
    "organization",
    "total",
    *(name for name, _ in LEVEL_COLUMNS),
    "license",
    "license_label",
    "mof_class",
    "osaid_ready",
    "is_derivative",
    "pipeline_tag",
    "modality",
    "downloads",
    "likes",
    "parameters",
    "released_at",
    "last_crawled_at",
    "methodology",
    "computed_at",
    "url",
    "api_url",
    "base_models",
    "license_restrictions",
    *JUDGMENT_COLUMNS,
)
FIELDS = (
    "repo_id",
    "organization_name",
    "total",
    *(column for _, column in LEVEL_COLUMNS),
    "license_key",
    "license_label",
    "mof_class",
    "osaid_ready",
    "is_derivative",
    "pipeline_tag",
    "modality",
    "downloads",
    "likes",
    "parameters",
    "released_at",
    "last_crawled_at",
    "methodology__version",
    "computed_at",
    "detail__judgments",
    "detail__sources",
)


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _judgment_columns(judgments: dict) -> dict:
    out: dict = {}
    for name, key in JUDGMENT_KEYS:
        judgment = judgments.get(key) or {}
        evidence = judgment.get("evidence") or []
        first = evidence[0] if evidence else {}
        out[f"{name}_rationale"] = judgment.get("rationale", "")
        out[f"{name}_origin"] = judgment.get("origin", "")
        out[f"{name}_evidence_url"] = first.get("source_url", "")
        out[f"{name}_revision"] = first.get("revision", "")
        out[f"{name}_fetched_at"] = first.get("fetched_at", "")
        out[f"{name}_evidence_count"] = len(evidence)
    return out


def _restrictions(license_key: str) -> list[str]:
    from scoring.licenses import knowledge_base

    entry = knowledge_base().entries.get(license_key) if license_key else None
    return entry.restrictions() if entry else []


def row_dict(row: dict, *, full: bool = False) -> dict:
    """One model as a flat record (CSV), or with ``full`` the JSON record: the same columns
    plus every judgment with all its evidence and the licence attributes."""
    judgments = row.get("detail__judgments") or {}
    sources = row.get("detail__sources") or {}
    bases = [b.get("id", "") for b in sources.get("bases", []) if b.get("id")]
    restrictions = _restrictions(row["license_key"])
    out = {
        "repo_id": row["repo_id"],
        "organization": row["organization_name"],
        "total": row["total"],
        **{name: row[column] for name, column in LEVEL_COLUMNS},
        "license": row["license_key"],
        "license_label": row["license_label"],
        "mof_class": row["mof_class"] or None,
        "osaid_ready": row["osaid_ready"],
        "is_derivative": row["is_derivative"],
        "pipeline_tag": row["pipeline_tag"],
        "modality": row["modality"],
        "downloads": row["downloads"],
        "likes": row["likes"],
        "parameters": row["parameters"],
        "released_at": _iso(row["released_at"]),
        "last_crawled_at": _iso(row["last_crawled_at"]),
        "methodology": row["methodology__version"],
        "computed_at": _iso(row["computed_at"]),
        "url": absolute_url(model_path(row["repo_id"])),
        "api_url": absolute_url("/api/v1" + model_path(row["repo_id"])),
        "base_models": bases if full else " ".join(bases),
        "license_restrictions": restrictions if full else "; ".join(restrictions),
    }
    if not full:
        out.update(_judgment_columns(judgments))
    else:
        from scoring.licenses import knowledge_base

        entry = knowledge_base().entries.get(row["license_key"]) if row["license_key"] else None
        out["license_attributes"] = entry.attributes if entry else None
        out["lineage"] = sources.get("bases", [])
        out["judgments"] = {key: judgments.get(key) for _, key in JUDGMENT_KEYS}
    return out


def iter_rows(queryset, *, full: bool = False) -> Iterator[dict]:
    for row in queryset.values(*FIELDS).iterator(chunk_size=2000):
        yield row_dict(row, full=full)


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS, extrasaction="ignore")
    yield writer.writeheader()
    for row in rows:
        yield writer.writerow({k: ("" if v is None else v) for k, v in row.items()})


def stream_json(rows: Iterable[dict], *, meta: dict) -> Iterator[str]:
    """One JSON document, written row by row (the whole list is never in memory)."""
    yield '{"meta": ' + json.dumps(meta) + ', "models": ['
    first = True
    for row in rows:
        yield ("" if first else ",") + "\n" + json.dumps(row)
        first = False
    yield "\n]}\n"


def export_meta(version: str) -> dict:
    now = timezone.now()
    return {
        "license": DATA_LICENSE,
        "license_url": DATA_LICENSE_URL,
        "methodology": version,
        "generated_at": now.isoformat(),
        "citation": CITATION.format(version=version, date=now.date(), site=settings.SITE_URL),
        "site_url": settings.SITE_URL,
        "bibtex": citation(version=version, on=now.date())["bibtex"],
        "origins": "crawled: read from the Hub or GitHub; inferred: inherited through lineage from a "
        "base model; corrected: set by a reviewed maintainer correction",
    }


def export_write(directory: Path | None = None) -> Path:
    """Write the full dump (JSON Lines + CSV + README) atomically; returns the directory."""
    from scoring.selectors import current_methodology, scores_current

    directory = Path(directory or settings.EXPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    methodology = current_methodology()
    meta = export_meta(methodology.version)
    queryset = scores_current(methodology).order_by("repo_id")
    targets = {"openness-index.jsonl": "jsonl", "openness-index.csv": "csv"}
    for name, kind in targets.items():
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            if kind == "jsonl":
                handle.write(json.dumps({"meta": meta}) + "\n")
                for row in iter_rows(queryset, full=True):
                    handle.write(json.dumps(row) + "\n")
            else:
                for chunk in stream_csv(iter_rows(queryset)):
                    handle.write(chunk)
        os.replace(tmp, directory / name)
    (directory / "README.txt").write_text(
        f"Openness Index data dump\n\nGenerated: {meta['generated_at']}\n"
        f"Methodology: v{methodology.version}\n"
        f"License: {DATA_LICENSE} ({DATA_LICENSE_URL})\nCitation: {meta['citation']}\n\n"
        "Files: openness-index.jsonl (first line: metadata; then one model per line), openness-index.csv.\n\n"
        f"Per dimension ({', '.join(name for name, _ in LEVEL_COLUMNS)}) each record carries the level\n"
        "(open / partial / closed / unknown), the rationale, the origin (crawled; inferred = inherited\n"
        "through lineage from a base model; corrected = a reviewed maintainer correction) and the\n"
        "evidence: source URL, revision (Hub or GitHub commit sha) and fetch time. The JSON Lines file\n"
        "has every evidence item under 'judgments'; the CSV has the first one per dimension\n"
        "(<dimension>_evidence_url, _revision, _fetched_at) and how many there are (_evidence_count).\n"
        "base_models: the base model ids the lineage names (space-separated in the CSV).\n"
        f"url / api_url: absolute addresses on {settings.SITE_URL}.\n\n"
        f"BibTeX:\n{meta['bibtex']}\n",
        encoding="utf-8",
    )
    return directory


def csv_text(rows: Iterable[dict]) -> str:
    buffer = io.StringIO()
    for chunk in stream_csv(rows):
        buffer.write(chunk)
    return buffer.getvalue()
