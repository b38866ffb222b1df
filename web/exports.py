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

DATA_LICENSE = "CC-BY-4.0"
DATA_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
CITATION = (
    "Openness Index (methodology v{version}), data exported {date}. Licensed CC BY 4.0: cite "
    '"Openness Index, https://openness-index.example.org" and the export date.'
)
# (export column, Score column) of every dimension, in registry order
LEVEL_COLUMNS = tuple((d.export_column, d.column) for d in dimensions.ALL)
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
)


def _iso(value) -> str:
    return value.isoformat() if value else ""


def row_dict(row: dict) -> dict:
    return {
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
        "url": f"/models/{row['repo_id']}/",
    }


def iter_rows(queryset) -> Iterator[dict]:
    for row in queryset.values(*FIELDS).iterator(chunk_size=2000):
        yield row_dict(row)


class _Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS)
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
        "citation": CITATION.format(version=version, date=now.date()),
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
                for row in iter_rows(queryset):
                    handle.write(json.dumps(row) + "\n")
            else:
                for chunk in stream_csv(iter_rows(queryset)):
                    handle.write(chunk)
        os.replace(tmp, directory / name)
    (directory / "README.txt").write_text(
        f"Openness Index data dump\n\nGenerated: {meta['generated_at']}\n"
        f"Methodology: v{methodology.version}\n"
        f"License: {DATA_LICENSE} ({DATA_LICENSE_URL})\nCitation: {meta['citation']}\n\n"
        "Files: openness-index.jsonl (first line: metadata; then one model per line), openness-index.csv.\n",
        encoding="utf-8",
    )
    return directory


def csv_text(rows: Iterable[dict]) -> str:
    buffer = io.StringIO()
    for chunk in stream_csv(rows):
        buffer.write(chunk)
    return buffer.getvalue()
