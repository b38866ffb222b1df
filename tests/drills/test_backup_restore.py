"""Drill: the backup and restore that docs/operations.md prescribes, run for real (issue 17).

A crawled and scored database with an approved correction is dumped with ``pg_dump -Fc``,
restored with ``pg_restore`` into an empty database, and compared table by table: every row
of every application table comes back, with the same content.
"""

from __future__ import annotations

import os
import subprocess
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from catalog.models import AIModel, Evidence
from corrections.models import Correction
from corrections.services import correction_approve, correction_submit
from scoring.models import Score
from tests.drills.test_postgres_faults import raw_connection
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

SHA = "5" * 40


def pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ, PGHOST=db["HOST"] or "127.0.0.1", PGPORT=str(db["PORT"] or 5432))
    env["PGUSER"] = db["USER"] or "postgres"
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def table_digests(dbname: str) -> dict[str, tuple[int, str]]:
    """Per application table: row count and an md5 of all rows in primary-key order."""
    tables = [
        m._meta.db_table
        for label in ("catalog", "scoring", "corrections")
        for m in apps.get_app_config(label).get_models()
    ]
    conn = raw_connection(dbname)
    digests = {}
    with conn, conn.cursor() as cursor:
        for table in tables:
            rows = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            cursor.execute(f'SELECT count(*), {rows} FROM "{table}" t')  # noqa: S608 - model tables
            digests[table] = cursor.fetchone()
    conn.close()
    return digests


def test_a_dump_restored_into_an_empty_database_holds_every_row(require_postgres, tiny_hub, tmp_path):
    hub = tiny_hub.hub
    for i in range(3):
        hub.add_model(
            {
                "id": f"org/m{i}",
                "sha": SHA[:-1] + str(i),
                "downloads": 100 + i,
                "cardData": {"license": "mit"},
                "siblings": [{"rfilename": "model.safetensors"}],
            },
            readme=f"# m{i}\n\nCode: https://github.com/org/code{i}\n",
        )
    call_command("crawl", "--no-progress", stdout=StringIO())
    maintainer, reviewer = UserFactory(), UserFactory()
    model = AIModel.objects.get(repo_id="org/m0")
    correction = correction_submit(
        model=model,
        fact="training_code",
        value={"level": "open", "rationale": "Recipe published."},
        evidence_url="https://example.org/recipe",
        note="checked the repo",
        submitted_by=maintainer,
    )
    correction_approve(correction=correction, reviewer=reviewer, review_note="verified")
    assert Score.objects.filter(model__repo_id="org/m0").exists()
    assert Evidence.objects.filter(origin="corrected").exists()
    assert Correction.objects.get().status == "approved"

    source = connection.settings_dict["NAME"]
    target = f"{source}_restored"
    dump = tmp_path / "openness.dump"
    env = pg_env()
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(dump), source], env=env, check=True)
    subprocess.run(["dropdb", "--if-exists", target], env=env, check=True)
    subprocess.run(["createdb", target], env=env, check=True)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", target, str(dump)], env=env, check=True
        )
        before, after = table_digests(source), table_digests(target)
        assert before[Score._meta.db_table][0] == 3
        assert before == after
    finally:
        subprocess.run(["dropdb", "--if-exists", target], env=env, check=True)
