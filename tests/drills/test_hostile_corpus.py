"""Drill: a hostile corpus through the real ingest, rendered everywhere (issue 17).

The corpus (``tests/drills/hostile.py``) is served by the stand-in hub as model cards,
card metadata (licence strings, dataset names, base models, tags) and ids with look-alike
and direction-override characters, plus a 1 MB single-line card; it is crawled by the
``crawl`` command (the real client and ingest) and scored. Corrections carry it in their note
and rationale. Then every page, badge, export, API answer and admin page that can show it
is fetched: the HTML must hold no payload as markup, no event handler, no ``javascript:`` or
``data:`` link, no inline script; and Chromium, loading the pages, must see no dialog, no
console error and no ``window.__pwned``.
"""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from catalog import choices
from catalog.models import AIModel, CrawlFailure, Dataset
from tests.drills import hostile
from tests.staff_login import staff_client
from tests.web.test_browser import CHROMIUM_ARGS, chromium_path
from tests.web.test_pages import Elements
from tests.web_api_data import approve_correction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CARD_MODEL = "evil-org/hostile-card"
BIG_MODEL = "evil-org/megabyte-card"
BASE_MODEL = "evil-org/hostile-base"
LOOKALIKE_IDS = [f"{hostile.HOMOGLYPH}/gpt-5", f"evil-org/{hostile.RTL_OVERRIDE}"]


@pytest.fixture
def hostile_catalog(settings, tiny_hub, reviewers, django_capture_on_commit_callbacks):
    settings.NOTABLE_MIN_DOWNLOADS = 0
    settings.NOTABLE_MIN_LIKES = 0
    hub = tiny_hub.hub
    hub.add_model(
        {"id": BASE_MODEL, "downloads": 9000, "likes": 90, "pipeline_tag": "text-generation"},
        readme=hostile.CARD,
    )
    hub.add_model(
        {
            "id": CARD_MODEL,
            "downloads": 5000,
            "likes": 90,
            "pipeline_tag": "text-generation",
            "tags": [f"<script>{hostile.PWN}</script>", hostile.RTL_OVERRIDE, "license:other"],
            "cardData": {
                "license": "other",
                "license_name": hostile.LICENSE_NAME,
                "license_link": f"javascript:{hostile.PWN}",
                "datasets": hostile.DATASET_NAMES,
                "base_model": [BASE_MODEL, f"<img src=x onerror={hostile.PWN}>"],
                "model_name": f"<script>{hostile.PWN}</script>",
            },
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
        },
        readme=hostile.CARD,
    )
    hub.add_model(
        {"id": BIG_MODEL, "downloads": 4000, "likes": 60, "cardData": {"license": hostile.LICENSE_NAME}},
        readme=hostile.ONE_LINE_MEGABYTE,
    )
    for repo_id in LOOKALIKE_IDS:  # the Hub would never serve these; a hostile mirror might
        hub.add_model({"id": repo_id, "downloads": 100_000, "likes": 900})
    call_command("crawl", "--no-progress", stdout=StringIO(), stderr=StringIO())
    card = AIModel.objects.get(repo_id=CARD_MODEL)
    assert "Hostile card" in card.card_html, "the crawl read the hostile README"
    approve_correction(
        card,
        fact=choices.CorrectionFact.WEIGHTS,
        value={"level": "open", "rationale": hostile.RATIONALE},
        reviewers=reviewers,
        capture=django_capture_on_commit_callbacks,
        note=hostile.NOTE,
    )
    return card


def public_paths() -> list[str]:
    return [
        "/",
        "/?show=all",
        "/?show=all&q=evil",
        f"/?q={hostile.PAYLOADS[0]}",
        f"/models/{CARD_MODEL}/",
        f"/models/{BIG_MODEL}/",
        f"/models/{BASE_MODEL}/",
        f"/compare/?m={CARD_MODEL}&m={BIG_MODEL}&m={BASE_MODEL}",
        "/methodology/",
        "/insights/",
        "/data/",
    ]


def admin_paths() -> list[str]:
    card = AIModel.objects.get(repo_id=CARD_MODEL)
    paths = [
        "/admin/catalog/aimodel/?q=evil",
        f"/admin/catalog/aimodel/{card.pk}/change/",
        "/admin/catalog/dataset/",
        "/admin/catalog/evidence/",
        "/admin/catalog/crawlfailure/",
        "/admin/catalog/organization/",
        "/admin/corrections/correction/",
        "/admin/scoring/score/",
        "/admin/scoring/license/",
    ]
    paths += [f"/admin/catalog/dataset/{pk}/change/" for pk in Dataset.objects.values_list("pk", flat=True)]
    from corrections.models import Correction

    paths += [
        f"/admin/corrections/correction/{pk}/change/"
        for pk in Correction.objects.values_list("pk", flat=True)
    ]
    return paths


def assert_inert(html: str, where: str, scripts: tuple[str, ...] = ("/static/",)) -> None:
    """No event handler, no javascript:/data:/vbscript: URL in any attribute that loads or
    links, no script but the site's own files, no frame."""
    page = Elements(html)
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], (where, tag, attrs)
        for name in ("href", "src", "action", "formaction", "data", "srcdoc", "xlink:href"):
            value = "".join((attrs.get(name) or "").split()).lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (where, tag, attrs)
        assert tag not in ("iframe", "object", "embed", "base"), (where, tag)
    assert all((s.get("src") or "").startswith(scripts) for s in page.all("script")), where
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), where


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_no_raw_payload(text: str, where: str) -> None:
    for marker in hostile.raw_markers():
        assert marker not in text, (where, marker)


def test_hostile_text_is_inert_in_every_page_badge_export_api_answer_and_admin_page(client, hostile_catalog):
    # the look-alike ids were refused at the door, with a record an operator can read
    for repo_id in LOOKALIKE_IDS:
        assert not AIModel.objects.filter(repo_id=repo_id).exists()
    refused = CrawlFailure.objects.filter(error_code="malformed_item").values_list("subject_key", flat=True)
    assert set(LOOKALIKE_IDS) <= set(refused)
    # names that are not Hub ids are kept as the card wrote them (named, not linked), never lost
    named = set(Dataset.objects.values_list("repo_id", flat=True))
    assert {hostile.HOMOGLYPH, hostile.RTL_OVERRIDE} <= named

    for path in public_paths():
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert_inert(html, path)
        assert_no_raw_payload(html, path)
    card_page = client.get(f"/models/{CARD_MODEL}/").content.decode()
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in card_page  # shown, as text
    assert "Evil License" in card_page  # the licence string
    assert "&lt;img src=x onerror=window.__pwned=1&gt;" in card_page  # a dataset name
    # direction tricks and look-alikes are shown for what they are, not as the name they imitate
    assert "\u202e" not in card_page
    assert "evil[U+202E]gnp.exe" in card_page
    assert '<mark class="lookalike" title="mixes Cyrillic and Latin letters' in card_page
    assert f">{hostile.HOMOGLYPH}</mark>" in card_page
    # ... on the page only: the API carries the text as published
    api = client.get(f"/api/v1/models/{CARD_MODEL}/").content.decode()
    assert hostile.RTL_OVERRIDE in api

    for path in (f"/badge/{CARD_MODEL}.svg", f"/badge/{BIG_MODEL}.svg"):
        response = client.get(path)
        assert response.status_code == 200
        svg = response.content.decode()
        assert "<script" not in svg
        assert_no_raw_payload(svg, path)
    for path in (
        f"/badge/{CARD_MODEL}.json",
        "/export.json",
        f"/api/v1/models/{CARD_MODEL}/",
        "/api/v1/models/?q=evil",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("application/json"), path
        text = body(response)
        lines = text.splitlines() if path == "/export.json" and not text.startswith(("[", "{")) else [text]
        for line in lines:
            json.loads(line)  # JSON (lines), never HTML a browser would render
        assert response.get("X-Content-Type-Options") == "nosniff", path
    csv_response = client.get("/export.csv")
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    for line in body(csv_response).splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(("=", "+", "@")), cell  # no spreadsheet formulas

    admin = get_user_model().objects.create_superuser("drill-admin", "a@example.org", "pw-drill-123")
    staff_client(admin, client, password="pw-drill-123")  # a superuser: with the TOTP second factor
    for path in admin_paths():
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert_inert(html, path, scripts=("/static/", "/admin/jsi18n/"))
        assert_no_raw_payload(html, path)
        if "/correction/" in path and path.endswith("/change/"):
            assert "&lt;img src=x onerror=window.__pwned=1&gt; note" in html  # the note, as text


@pytest.mark.browser
def test_nothing_executes_in_chromium(live_server, hostile_catalog, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    admin = get_user_model().objects.create_superuser("drill-admin", "a@example.org", "pw-drill-123")
    from django.test import Client

    session_client = Client()
    staff_client(admin, session_client, password="pw-drill-123")
    session = session_client.cookies["sessionid"].value
    paths = public_paths() + admin_paths() + [f"/badge/{CARD_MODEL}.svg"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context()
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": "sessionid", "value": session, "domain": host, "path": "/"}])
        page = context.new_page()
        dialogs: list[str] = []
        errors: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on(
            "console",
            lambda m: errors.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        try:
            for path in paths:
                response = page.goto(live_server.url + path)
                assert response is not None
                assert response.status == 200, path
                page.wait_for_load_state("load")
                # hover and open what a reader would: details, links' targets are not followed
                for summary in page.locator("details summary").all()[:5]:
                    summary.click()
                assert page.evaluate("typeof window.__pwned") == "undefined", path
                assert page.evaluate("typeof parent.__pwned") == "undefined", path
                assert dialogs == [], (path, dialogs)
                assert errors == [], (path, errors)
        finally:
            browser.close()
            from django.db import connections

            connections.close_all()
