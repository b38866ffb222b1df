"""The full dump: written by `manage.py export` (and the scheduled task), served as files."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

from scoring.models import Score
from tests.web_api_data import crawled  # noqa: F401 - module-scoped crawl of the snapshot
from web.tasks import export_dump

pytestmark = pytest.mark.django_db


def test_export_command_writes_jsonl_and_csv_with_every_listed_model(crawled, settings, tmp_path, client):  # noqa: F811
    settings.EXPORT_DIR = tmp_path
    out = io.StringIO()
    call_command("export", stdout=out)
    assert "dump written" in out.getvalue()
    lines = (tmp_path / "openness-index.jsonl").read_text().splitlines()
    meta = json.loads(lines[0])["meta"]
    assert meta["license"] == "CC-BY-4.0"
    assert "cite" in meta["citation"].lower() or "Openness Index" in meta["citation"]
    rows = [json.loads(line) for line in lines[1:]]
    listed = set(Score.objects.filter(is_listed=True).values_list("repo_id", flat=True))
    assert {r["repo_id"] for r in rows} == listed
    assert all(r["weights"] in ("open", "partial", "closed", "unknown") for r in rows)
    with (tmp_path / "openness-index.csv").open() as handle:
        csv_rows = list(csv.DictReader(handle))
    assert {r["repo_id"] for r in csv_rows} == listed
    response = client.get("/data/openness-index.csv")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode().splitlines()[0].startswith("repo_id,")
    assert client.get("/data/../settings.py").status_code == 404


def test_the_scheduled_task_regenerates_the_dump(crawled, settings, tmp_path):  # noqa: F811
    settings.EXPORT_DIR = tmp_path
    export_dump.apply()
    assert (tmp_path / "openness-index.jsonl").stat().st_size > 0
    assert (tmp_path / "README.txt").read_text().count("CC-BY-4.0") == 1
