"""A real browser on the real pages: Playwright driving Debian's Chromium against a live server.

The bundled snapshot is crawled through the stand-in hub first, so the pages show the same
catalog `make run` serves. Screenshots land in var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from tests.conftest import REQUIRE_SERVICES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if REQUIRE_SERVICES:
            pytest.fail("Chromium is required here (OPENNESS_REQUIRE_SERVICES=1) but is not installed")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(autouse=True)
def _sync_django_beside_playwright(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the test makes
    # between page actions are ordinary synchronous calls, so Django's guard is lifted here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_page(tmp_path):
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        yield page
        browser.close()
        # While Playwright's loop runs, Django keeps this thread's connections in a context
        # variable, out of reach of the test database teardown: close them here.
        connections.close_all()


@pytest.fixture
def crawled_site(snapshot_hub, live_server, settings):
    settings.NOTABLE_MIN_DOWNLOADS = 0  # the snapshot's frozen counts: list every model
    call_command("crawl", "--no-progress")
    return live_server.url


def shot(page, name: str) -> Path:
    directory = Path(settings.VAR_DIR) / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000  # a real rendering, not a blank image
    return path


def board_names(page) -> list[str]:
    return page.locator("table.board tbody td.model a").all_inner_texts()


def test_a_person_can_sort_filter_search_open_a_model_and_compare(browser_page, crawled_site):
    page = browser_page
    page.goto(crawled_site + "/")
    assert page.title().startswith("Openness Index")
    rows = page.locator("table.board tbody tr")
    assert rows.count() == settings.LEADERBOARD_PAGE_SIZE
    shot(page, "01-leaderboard")

    # sort by name: the header link reorders the table, and the URL says so
    page.get_by_role("link", name="Model", exact=True).click()
    page.wait_for_load_state()
    names = board_names(page)
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    assert "sort=name" in page.url
    assert page.locator("th[aria-sort='ascending']").count() == 1

    # filter: only models whose weights are open
    page.goto(crawled_site + "/")
    page.select_option("#id_weights", "open")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert "weights=open" in page.url
    weights = page.locator("table.board tbody tr td:nth-child(5)").all_inner_texts()
    assert weights
    assert all("open" in w for w in weights)
    shot(page, "02-filtered")

    # search
    page.fill("#id_q", "llama")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    found = board_names(page)
    assert found
    # every word in the model id, organization or licence label (a Llama-licensed fine-tune)
    rows = page.locator("table.board tbody tr").all_inner_texts()
    assert all("llama" in row.lower() for row in rows), rows
    assert "llama" in found[0].lower(), "the best match leads"

    # open a model: its four judgments, with evidence
    page.goto(crawled_site + "/?q=OLMo-7B&show=all")
    page.get_by_role("link", name="allenai/OLMo-7B", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "allenai/OLMo-7B"
    assert page.locator("article.judgment").count() == 4
    page.locator("article.judgment details summary").first.click()
    evidence_links = page.locator("article.judgment ul.evidence a")
    assert evidence_links.count() >= 1
    assert "nofollow" in evidence_links.first.get_attribute("rel")
    shot(page, "03-model")

    # compare: tick three models on the leaderboard, then compare them
    page.goto(crawled_site + "/?show=all")
    boxes = page.locator("input.compare-box")
    for index in range(3):
        boxes.nth(index).check()
    assert page.locator("#compare-button").inner_text() == "Compare selected (3)"
    page.locator("#compare-button").click()
    page.wait_for_load_state()
    assert "/compare/" in page.url
    assert page.locator("table.compare thead th").count() == 4  # dimension column + three models
    shot(page, "04-compare")
    assert page.console_errors == []  # no CSP violation, no script error


def test_pages_work_without_javascript(crawled_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(crawled_site + "/?show=all&sort=-total")
        page.select_option("#id_license_grade", "partial")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_load_state()
        grades = page.locator("table.board tbody tr td:nth-child(8)").all_inner_texts()
        assert grades
        assert all("partial" in g for g in grades)
        page.goto(crawled_site + "/insights/")
        assert page.locator("svg.chart").count() == 3
        shot(page, "05-insights-no-js")
        browser.close()


# --- layout at a laptop's and a phone's width ------------------------------------------------------
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# the elements that stick out, to name in a failure
WIDE = """Array.from(document.querySelectorAll('body *')).filter(e => {
  const r = e.getBoundingClientRect(); return r.right > window.innerWidth + 1 && r.width > 0;
}).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def layout_pages(base: str) -> dict[str, str]:
    compared = "&".join(
        f"m={m}" for m in ("allenai/OLMo-7B", "EleutherAI/pythia-6.9b", "databricks/dolly-v2-12b")
    )
    return {
        "leaderboard": base + "/?show=all",
        "model": base + "/models/allenai/OLMo-7B/",
        "compare": base + "/compare/?" + compared,
        "organization": base + "/org/allenai/",
        "as-of": base + "/?as_of=" + timezone.now().date().isoformat(),
    }


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_no_page_is_wider_than_the_screen(crawled_site, viewport):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport)
        for name, url in layout_pages(crawled_site).items():
            page.goto(url)
            assert page.evaluate(OVERFLOW) <= 0, f"{name} at {viewport['width']} px: {page.evaluate(WIDE)}"
            shot(page, f"layout-{viewport['width']}-{name}")
        page.goto(crawled_site + "/insights/")
        sizes = page.evaluate(
            "Array.from(document.querySelectorAll('svg.chart text'))"
            ".map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"
        )
        assert sizes
        assert min(sizes) >= 11, f"chart text {min(sizes):.1f} px at {viewport['width']} px"
        browser.close()
        connections.close_all()


def test_the_board_fits_a_laptop_and_the_marks_come_first_on_a_phone(crawled_site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        laptop = browser.new_page(viewport=LAPTOP)
        laptop.goto(crawled_site + "/?show=all")
        for header in ("Downloads", "Last crawled"):
            box = laptop.get_by_role("columnheader", name=header).bounding_box()
            assert box
            assert box["x"] + box["width"] <= LAPTOP["width"], f"{header} is off the page"
        assert laptop.locator("details.filters-box").get_attribute("open") is not None
        assert laptop.locator("#compare-button").is_disabled(), "nothing ticked yet"
        boxes = laptop.locator("input.compare-box")
        boxes.nth(0).check()
        assert laptop.locator("#compare-button").is_disabled(), "one is not a comparison"
        boxes.nth(1).check()
        assert laptop.locator("#compare-button").is_enabled()
        bar = laptop.locator(".compare-bar").bounding_box()
        hint = laptop.locator(".board-caption .hint").bounding_box()
        assert bar
        assert hint
        assert abs(bar["y"] - hint["y"]) < 60, "the button sits beside the hint"
        shot(laptop, "layout-1366-leaderboard-ticked")

        phone = browser.new_page(viewport=PHONE)
        phone.goto(crawled_site + "/?show=all")
        assert phone.locator("details.filters-box").get_attribute("open") is None, "filters fold on a phone"
        marks = phone.locator("table.board tbody tr").first.locator("td.lvl")
        assert marks.count() == 4
        for index in range(4):
            box = marks.nth(index).bounding_box()
            assert box
            assert box["y"] + box["height"] <= PHONE["height"], "the four marks are on the first screen"
            assert box["x"] + box["width"] <= PHONE["width"]
        shot(phone, "layout-390-leaderboard-first-screen")
        phone.locator("details.filters-box summary").click()
        assert phone.locator("#id_license").is_visible()
        browser.close()
        connections.close_all()


def test_a_journalist_finds_reads_and_cites_a_model(browser_page, crawled_site, settings):
    page = browser_page
    page.goto(crawled_site + "/")
    page.fill("#id_q", "llama 3")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    found = board_names(page)
    assert found
    # name matches first (relevance), then models found by their licence label (Llama 3.x licences)
    by_name = ["llama" in n.lower() and "3" in n for n in found]
    assert by_name[0], found
    assert by_name == sorted(by_name, reverse=True), found
    rows = page.locator("table.board tbody tr").all_inner_texts()
    assert all("llama" in row.lower() and "3" in row for row in rows), rows
    shot(page, "06a-journalist-search")
    page.locator("table.board tbody td.model a").first.click()
    page.wait_for_load_state()
    assert page.locator("article.judgment").count() == 4
    page.locator("article.judgment details summary").first.click()
    assert page.locator("article.judgment ul.evidence a").first.is_visible()
    markdown = page.locator("#badge-md").input_value()
    assert markdown.startswith(f"[![Openness]({settings.SITE_URL}/badge/")
    assert "openness-index.example.org" not in page.content()
    assert page.locator("meta[property='og:description']").get_attribute("content").startswith("Weights: ")
    assert settings.SITE_URL in page.locator("#cite-bibtex").input_value()
    shot(page, "06-journalist-model")
    page.get_by_role("link", name="Report a problem").last.click()  # the model-wide report link
    page.wait_for_load_state()
    assert page.url.endswith("/report/")
    assert page.locator("h1").inner_text().startswith("Report a problem with ")
    page.go_back()

    # the compare page: Compare waits for two ids; the form keeps its slots on one row
    page.goto(crawled_site + "/compare/")
    assert page.locator("#compare-submit").is_disabled()
    page.fill("#m1", "allenai/OLMo-7B")
    page.fill("#m2", "EleutherAI/pythia-6.9b")
    assert page.locator("#compare-submit").is_enabled()
    tops = {round(page.locator(f"#m{i}").bounding_box()["y"]) for i in range(1, 5)}
    assert len(tops) == 1, "the four slots sit on one row at this width"
    page.locator("#compare-submit").click()
    page.wait_for_load_state()
    assert page.locator("table.compare ul.evidence a").count() >= 2
    assert page.console_errors == []


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366", "390"])
def test_a_researcher_filters_exports_with_evidence_and_compares_three(crawled_site, viewport):
    import csv
    import io

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport, accept_downloads=True)
        page.goto(crawled_site + "/?show=all")
        if page.locator("details.filters-box").get_attribute("open") is None:
            page.locator("details.filters-box summary").click()
        page.select_option("#id_training_data", "open")
        page.select_option("#id_training_code", "open")
        page.select_option("#id_license_grade", "open")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_load_state()
        names = board_names(page)
        assert len(names) >= 3
        shot(page, f"researcher-{viewport['width']}-filtered")
        with page.expect_download() as download:
            page.get_by_role("link", name="CSV", exact=True).click()
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
        assert {r["repo_id"] for r in rows} >= set(names)
        assert all(r["training_data"] == "open" and r["training_code"] == "open" for r in rows)
        assert all(r["training_data_rationale"] for r in rows)
        assert any(r["training_code_evidence_url"].startswith("http") for r in rows)
        boxes = page.locator("input.compare-box")
        for index in range(3):
            boxes.nth(index).check()
        page.locator("#compare-button").click()
        page.wait_for_load_state()
        assert page.locator("table.compare thead th").count() == 4
        assert page.evaluate(OVERFLOW) <= 0
        shot(page, f"researcher-{viewport['width']}-compare")
        browser.close()
        connections.close_all()
