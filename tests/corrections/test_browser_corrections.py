"""Corrections in a real browser (Playwright driving Chromium against a live server):
a maintainer and a reviewer made by ``createstaff`` complete submit -> approve -> re-crawl ->
return to the crawled value; a member of the public files a report that lands in the queue.

Screenshots at 1366 and 390 pixels wide land in var/screenshots/corrections-*.png.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from catalog.models import AIModel
from corrections.models import Correction, ProblemReport
from corrections.staffauth import needs_second_factor
from scoring.models import Score
from tests.staff_login import PASSWORD, authenticator_code, enrol
from tests.web.test_browser import _sync_django_beside_playwright, browser_page, crawled_site, shot  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]
MODEL = "facebook/opt-30b"
GROK = "LicenseRef-openness-grok-2-community"
WIDE, NARROW = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def make_staff(role: str, email: str, name: str):
    call_command("createstaff", email, "--role", role, "--name", name, stdout=StringIO())
    user = get_user_model().objects.get(username=email)
    user.set_password(PASSWORD)  # what `manage.py changepassword` does
    user.save()
    if needs_second_factor(user):
        enrol(user)  # `manage.py staff_totp`: the reviewer's authenticator app
    return user


def sign_in(page, site: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(site + "/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    device = TOTPDevice.objects.filter(user__username=email).first()
    if device is not None:  # reviewers type the code their authenticator app shows
        page.fill("#id_otp_token", authenticator_code(device))
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert "/admin/login/" not in page.url


def license_level() -> tuple[str, str]:
    row = Score.objects.select_related("detail").get(repo_id=MODEL, methodology__is_current=True)
    return row.license, row.judgments["license"]["origin"]


def test_submit_approve_recrawl_revert_and_a_public_report_in_chromium(browser_page, crawled_site):  # noqa: F811
    page, site = browser_page, crawled_site
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    make_staff("maintainer", "mia@example.org", "Mia Maintainer")
    make_staff("reviewer", "rob@example.org", "Rob Reviewer")
    assert license_level() == ("unknown", "crawled")

    # the maintainer searches the model, picks the fact, sees the crawled value, submits
    page.set_viewport_size(WIDE)
    sign_in(page, site, "mia@example.org")
    page.goto(site + "/admin/corrections/correction/add/")
    page.click(".field-model .select2-selection")
    page.fill(".select2-search__field", "opt-30b")
    page.click(f".select2-results__option:has-text('{MODEL}')")
    page.wait_for_selector("#current-values caption:has-text('facebook/opt-30b')")
    assert "other" in page.inner_text("#current-values tr[data-fact='license']")
    page.select_option("#id_fact", "license")
    assert page.is_visible("#id_license")
    assert not page.is_visible("#id_datasets")
    page.select_option("#id_license", GROK)
    page.fill("#id_evidence_url", "ftp://example.org/LICENSE")
    page.fill("#id_note", "The repository's LICENSE file is the Grok 2 Community License.")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    assert "http:// or https:// address (not ftp:)" in page.inner_text("#content")
    shot(page, "corrections-01-form-error-1366")
    page.fill("#id_evidence_url", "https://huggingface.co/facebook/opt-30b/blob/main/LICENSE")
    page.select_option("#id_license", GROK)
    page.click("input[name=_save]")
    page.wait_for_load_state()
    correction = Correction.objects.get()
    assert correction.status == "pending"
    page.set_viewport_size(NARROW)
    page.goto(site + "/admin/corrections/correction/add/?model=" + str(correction.model_id))
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "corrections-02-form-390")
    page.evaluate("document.getElementById('id_fact').scrollIntoView()")
    shot(page, "corrections-02b-form-fields-390")
    page.set_viewport_size(WIDE)

    # the reviewer approves with a note
    sign_in(page, site, "rob@example.org")
    page.goto(site + "/admin/corrections/correction/?status__exact=pending")
    page.click("a.review-link")
    page.wait_for_load_state()
    shot(page, "corrections-03-review-1366")
    page.fill("#id_note", "Checked the LICENSE file at that revision.")
    page.click("button[value=approve]")
    page.wait_for_load_state()
    assert "Approved and applied" in page.inner_text("#content") or "approved" in page.inner_text("#content")
    assert license_level() == ("partial", "corrected")

    # the public page: crawled beside corrected, reviewer, date, reason
    page.context.clear_cookies()
    page.goto(site + f"/models/{MODEL}/#license")
    note = page.inner_text("#license .correction-note")
    assert "Crawled value" in note
    assert "other" in note
    assert GROK in note
    assert "Rob Reviewer" in note
    shot(page, "corrections-04-model-page-1366")
    page.set_viewport_size(NARROW)
    page.goto(site + f"/models/{MODEL}/#license")
    page.locator("#license").scroll_into_view_if_needed()
    shot(page, "corrections-05-model-page-390")

    # the leaderboard marks the corrected cell
    page.goto(site + "/?q=opt-30b")
    assert page.locator("table.board td.corrected .corrected-mark").count() == 1
    page.locator("table.board").scroll_into_view_if_needed()
    shot(page, "corrections-05b-board-390")
    page.set_viewport_size(WIDE)
    page.goto(site + "/?q=opt-30b")
    shot(page, "corrections-05c-board-1366")

    # a re-crawl keeps the correction
    call_command("crawl", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert license_level() == ("partial", "corrected")

    # return to the crawled value
    sign_in(page, site, "rob@example.org")
    page.goto(site + f"/admin/corrections/correction/{correction.pk}/review/")
    page.fill("#id_note", "The licence file was replaced upstream.")
    page.click("button[value=revert]")
    page.wait_for_load_state()
    correction.refresh_from_db()
    assert correction.status == "reverted"
    assert license_level() == ("unknown", "crawled")
    shot(page, "corrections-06-trail-1366")

    # a member of the public reports a problem from a phone
    page.context.clear_cookies()
    page.set_viewport_size(NARROW)
    page.goto(site + f"/models/{MODEL}/")
    page.locator("#changelog-heading").scroll_into_view_if_needed()
    assert page.locator(".changelog tbody tr").count() == 3
    shot(page, "corrections-06b-public-log-390")
    page.click("#license a:has-text('Report a problem')")
    page.wait_for_load_state()
    assert page.input_value("#id_topic") == "license"
    page.fill("#id_description", "The card links a LICENSE file that is Apache 2.0.")
    page.fill("#id_evidence_url", "https://example.org/LICENSE")
    shot(page, "corrections-07-report-form-390")
    page.click("button:has-text('Send the report')")
    page.wait_for_load_state()
    assert "your report is in the reviewers' queue" in page.inner_text("main")
    report = ProblemReport.objects.get()
    assert (report.model, report.status) == (AIModel.objects.get(repo_id=MODEL), "open")

    page.set_viewport_size(WIDE)
    sign_in(page, site, "rob@example.org")
    page.goto(site + f"/admin/corrections/problemreport/{report.pk}/triage/")
    assert "Turn into a correction" in page.inner_text("#content")
    shot(page, "corrections-08-triage-1366")
    assert not page.console_errors, (page.console_errors, missing)
