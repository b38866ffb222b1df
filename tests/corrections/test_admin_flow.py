"""Corrections end to end through Django's test client: the roles and the createstaff command,
the maintainer's typed admin form (every kind of fact), the reviewer's page (approve with a note,
reject with a reason, the second-person rule), withdraw, return to the crawled value with a
rescore, the audit trail, the public report form and its triage, and escaping of hostile text.

The snapshot is crawled once for the module through the stand-in hub (``crawled``); every
test runs in a transaction rolled back after it.
"""

from __future__ import annotations

import json
import re
from html import unescape
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from catalog import choices
from catalog.models import AIModel, Evidence, LineageEdge, ModelCodeRepository, ModelDataset
from corrections.models import Correction, CorrectionEvent, ProblemReport
from scoring.models import Score, ScoreChange
from tests.staff_login import staff_client

ADD = "/admin/corrections/correction/add/"
LICENSE_MODEL = "facebook/opt-30b"  # declares "other": its licence is unknown until corrected
OLMO = "allenai/OLMo-7B"  # open weights as crawled
pytestmark = pytest.mark.django_db
HOSTILE = '<script>alert("x")</script><a href="javascript:alert(1)">click</a>'
GROK = "LicenseRef-openness-grok-2-community"


def review_url(correction: Correction) -> str:
    return f"/admin/corrections/correction/{correction.pk}/review/"


def score(repo_id: str) -> Score:
    return Score.objects.select_related("detail").get(repo_id=repo_id, methodology__is_current=True)


def staff(role: str, email: str, name: str = "") -> tuple[Client, object]:
    out = StringIO()
    call_command("createstaff", email, "--role", role, *(["--name", name] if name else []), stdout=out)
    user = get_user_model().objects.get(username=email)
    # through the login form; reviewers and administrators with their TOTP code
    return staff_client(user), user


@pytest.fixture
def team(crawled):
    maintainer = staff("maintainer", "mia@example.org", "Mia Maintainer")
    reviewer = staff("reviewer", "rob@example.org", "Rob Reviewer")
    reviewer2 = staff("reviewer", "rae@example.org")
    return maintainer, reviewer, reviewer2


def submit(client: Client, target: AIModel, fact: str, **fields):
    data = {
        "model": target.pk,
        "fact": fact,
        "evidence_url": f"https://huggingface.co/{target.repo_id}",
        "note": "The card says otherwise.",
    }
    data.update(fields)
    return client.post(ADD, data)


def errors_of(response) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- roles --------------------------------------------------------------------------------------
def test_the_roles_are_groups_with_their_permissions_and_createstaff_makes_people(db):
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from corrections import roles

    migration = importlib.import_module("corrections.migrations.0003_roles")
    # the shipped definitions are the current ones
    assert migration.ROLE_PERMISSIONS == roles.ROLE_PERMISSIONS
    # the data migration's own function on the historical models (an earlier module's flush
    # may have emptied the table)
    Group.objects.filter(name__in=roles.ROLES).delete()
    historical = MigrationLoader(connection).project_state(("corrections", "0003_roles")).apps
    migration.roles_create(historical, None)
    perms = {
        g.name: {f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all()}
        for g in Group.objects.prefetch_related("permissions__content_type")
    }
    assert "corrections.add_correction" in perms["maintainer"]
    assert "corrections.review_correction" not in perms["maintainer"]
    assert "catalog.view_aimodel" in perms["maintainer"]  # the model search needs it
    assert {"corrections.review_correction", "corrections.change_problemreport"} <= perms["reviewer"]
    assert {"auth.add_user", "auth.change_user", "scoring.change_methodologyversion"} <= perms[
        "administrator"
    ]
    assert "corrections.review_correction" not in perms["administrator"]

    out = StringIO()
    call_command("createstaff", "New.Person@Example.org", "--role", "reviewer", stdout=out)
    user = get_user_model().objects.get(username="new.person@example.org")
    assert user.is_staff
    assert not user.is_superuser
    assert not user.has_usable_password()
    assert "changepassword new.person@example.org" in out.getvalue()
    assert user.has_perm("corrections.review_correction")
    call_command(
        "createstaff", "new.person@example.org", "--role", "administrator", "--only", stdout=StringIO()
    )
    user = get_user_model().objects.get(pk=user.pk)  # permissions are cached on the instance
    assert list(user.groups.values_list("name", flat=True)) == ["administrator"]
    assert not user.has_perm("corrections.review_correction")
    assert get_user_model().objects.filter(username__iexact="new.person@example.org").count() == 1
    with pytest.raises(Exception, match="not an e-mail address"):
        call_command("createstaff", "nobody", "--role", "maintainer", stdout=StringIO())


# --- the maintainer's form ----------------------------------------------------------------------
def test_the_model_search_answers_a_maintainer(team):
    (maintainer, _), _, _ = team
    response = maintainer.get(
        "/admin/autocomplete/",
        {"term": "opt-30b", "app_label": "corrections", "model_name": "correction", "field_name": "model"},
    )
    assert response.status_code == 200
    assert LICENSE_MODEL in [r["text"] for r in response.json()["results"]]
    assert Client().get("/admin/autocomplete/", {"term": "opt"}).status_code == 302  # anonymous: sign in


def test_the_form_has_a_typed_field_per_fact_and_shows_the_crawled_value(team):
    (maintainer, _), _, _ = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    html = maintainer.get(f"{ADD}?model={model.pk}").content.decode()
    assert 'class="admin-autocomplete' in html  # the model is searched, not typed as a number
    for name in ("level", "license", "datasets", "repositories", "base_models"):
        assert f'name="{name}"' in html
    assert '<option value="open">open</option>' in html
    assert f'<option value="{GROK}">' in html
    assert 'name="value"' not in html
    assert "null" not in re.findall(r"<textarea[^>]*>([^<]*)</textarea>", html)
    current = html[html.index('id="current-values"') :]
    assert "What the index holds now for <strong>facebook/opt-30b</strong>" in current
    crawled_cell = r'data-fact="license"><th scope="row">[^<]+</th><td data-label="Crawled: ">other</td>'
    assert re.search(crawled_cell, current)
    # the same panel for the script that loads it when a model is chosen
    panel = maintainer.get(f"/admin/corrections/correction/current/{model.pk}/")
    assert panel.status_code == 200
    assert ">other</td>" in panel.content.decode()


@pytest.mark.parametrize(
    ("evidence", "message"),
    [
        ("ftp://example.org/licence.txt", "http:// or https:// address (not ftp:)"),
        ("javascript:alert(1)", "http:// or https:// address (not javascript:)"),
        ("data:text/html,hi", "(not data:)"),
        ("https://", "not a valid web address"),
    ],
)
def test_evidence_must_be_a_web_page(team, evidence, message):
    (maintainer, _), _, _ = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    response = submit(maintainer, model, "license", license=GROK, evidence_url=evidence)
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Correction.objects.exists()


def test_bad_input_gets_a_clear_message_and_nothing_is_saved(team):
    (maintainer, _), _, _ = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    missing = submit(maintainer, model, "license", license=GROK, model=999_999)
    assert "That model is not in the index (it may have been renamed or deleted)" in errors_of(missing)
    no_level = submit(maintainer, model, "weights", rationale="x")
    assert "'level' must be one of open, partial, closed, unknown" in errors_of(no_level)
    bad_ids = submit(maintainer, model, "datasets", datasets="not a dataset id\nok/name")
    assert "not Hub dataset ids: not a dataset id" in errors_of(bad_ids)
    bad_relation = submit(maintainer, model, "base_models", base_models="org/base sideways")
    assert "relation must be one of finetune, adapter, quantized, merge" in errors_of(bad_relation)
    assert not Correction.objects.exists()
    assert submit(maintainer, model, "license", license=GROK).status_code == 302
    twice = submit(maintainer, model, "license", license="Apache-2.0")
    assert "already pending review: review or withdraw it first" in errors_of(twice)
    assert Correction.objects.count() == 1


# --- review -------------------------------------------------------------------------------------
def test_submit_in_the_admin_then_a_reviewer_approves_with_a_note(team, django_capture_on_commit_callbacks):
    (maintainer, mia), (reviewer, rob), _ = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    assert score(LICENSE_MODEL).license == "unknown"
    response = submit(
        maintainer, model, "license", license=GROK, note="The repository's LICENSE file is Grok 2's."
    )
    assert response.status_code == 302
    correction = Correction.objects.get()
    assert (correction.submitted_by, correction.status, correction.value["declared"]) == (
        mia,
        "pending",
        [GROK],
    )
    assert [e.action for e in correction.events.all()] == ["submitted"]  # through the service

    # a maintainer may not review; a reviewer may not review their own
    forbidden = maintainer.post(review_url(correction), {"action": "approve", "note": ""})
    assert forbidden.status_code == 403
    correction.refresh_from_db()
    assert correction.status == "pending"
    html = maintainer.get(review_url(correction)).content.decode()
    assert "Approve and apply" not in html
    assert "Withdraw my correction" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer.post(
            review_url(correction), {"action": "approve", "note": "Checked the LICENSE file."}
        )
    assert response.status_code == 302
    correction.refresh_from_db()
    assert (correction.status, correction.reviewed_by, correction.review_note) == (
        "approved",
        rob,
        "Checked the LICENSE file.",
    )
    row = score(LICENSE_MODEL)
    assert row.license == "partial"
    assert row.judgments["license"]["origin"] == "corrected"
    assert ScoreChange.objects.filter(model=model).latest("id").cause == "correction"

    # the public page: crawled beside corrected, the reviewer's public name, the date and the reason
    page = Client().get(f"/models/{LICENSE_MODEL}/").content.decode()
    note = page[page.index('<article class="judgment" id="license">') :]
    note = note[: note.index("</article>")]
    assert '<span class="corrected-mark">corrected</span>' in note
    assert "<dt>Crawled value</dt><dd>other</dd>" in note
    assert (
        f"<dt>Corrected to</dt><dd>Grok 2 Community License Agreement (xAI Community License) ({GROK})</dd>"
        in note
    )
    assert "by Rob Reviewer on " in note
    assert "Checked the LICENSE file." in note
    assert "rob@example.org" not in page
    assert "mia@example.org" not in page
    assert "Corrections log" in page


def test_a_reviewer_cannot_approve_their_own_and_reject_needs_a_reason(team):
    _, (reviewer, _rob), (reviewer2, rae) = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    assert submit(reviewer, model, "license", license=GROK).status_code == 302
    correction = Correction.objects.get()
    html = reviewer.get(review_url(correction)).content.decode()
    assert "Approve and apply" not in html
    assert "another person must review it" in html
    own = reviewer.post(review_url(correction), {"action": "approve", "note": ""})
    assert "someone other than its submitter" in errors_of(own)
    own_reject = reviewer.post(review_url(correction), {"action": "reject", "note": "changed my mind"})
    assert "someone other than its submitter" in errors_of(own_reject)
    no_reason = reviewer2.post(review_url(correction), {"action": "reject", "note": "  "})
    assert "say why the correction is rejected" in errors_of(no_reason)
    correction.refresh_from_db()
    assert correction.status == "pending"
    assert (
        reviewer2.post(
            review_url(correction), {"action": "reject", "note": "The LICENSE is MIT."}
        ).status_code
        == 302
    )
    correction.refresh_from_db()
    assert (correction.status, correction.reviewed_by, correction.review_note) == (
        "rejected",
        rae,
        "The LICENSE is MIT.",
    )
    assert not Evidence.objects.filter(subject_id=model.pk, origin="corrected").exists()
    assert score(LICENSE_MODEL).license == "unknown"
    # a decided correction cannot be decided again
    again = reviewer2.post(review_url(correction), {"action": "approve", "note": ""})
    assert "only pending corrections can be approved (this one is rejected)" in errors_of(again)


def test_withdraw_is_for_the_submitter_while_pending(team):
    (maintainer, mia), (reviewer, _), _ = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    submit(maintainer, model, "license", license=GROK)
    correction = Correction.objects.get()
    other = reviewer.post(review_url(correction), {"action": "withdraw", "note": ""})
    assert "only the submitter can withdraw a correction" in errors_of(other)
    assert (
        maintainer.post(review_url(correction), {"action": "withdraw", "note": "Wrong model."}).status_code
        == 302
    )
    correction.refresh_from_db()
    assert correction.status == "withdrawn"
    assert [(e.action, e.actor, e.note) for e in correction.events.all()][-1] == (
        "withdrawn",
        mia,
        "Wrong model.",
    )
    # a new correction of the same fact may now be filed
    assert submit(maintainer, model, "license", license="Apache-2.0").status_code == 302


def test_every_kind_of_fact_applies_through_the_admin(team, django_capture_on_commit_callbacks):
    (maintainer, _), (reviewer, _), _ = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    base = AIModel.objects.get(repo_id=OLMO)
    forms = {
        "datasets": {"datasets": "allenai/dolma\nallenai/c4"},
        "code_repositories": {"repositories": "allenai/OLMo\nhttps://github.com/facebookresearch/metaseq"},
        "base_models": {"base_models": f"{OLMO} finetune"},
        "training_code": {"level": "partial", "rationale": "Only the fine-tuning scripts are published."},
    }
    for fact, fields in forms.items():
        assert submit(maintainer, model, fact, **fields).status_code == 302, fact
        correction = Correction.objects.get(fact=fact)
        with django_capture_on_commit_callbacks(execute=True):
            assert (
                reviewer.post(review_url(correction), {"action": "approve", "note": f"ok {fact}"}).status_code
                == 302
            )
        correction.refresh_from_db()
        assert correction.status == "approved", fact
        evidence = Evidence.objects.get(
            subject_id=model.pk, subject_type="model", fact=fact, origin="corrected"
        )
        assert evidence.correction_id == correction.pk
    datasets = ModelDataset.objects.filter(model=model, origin=choices.LinkOrigin.CORRECTION)
    assert sorted(datasets.values_list("dataset__repo_id", flat=True)) == ["allenai/c4", "allenai/dolma"]
    repos = ModelCodeRepository.objects.filter(model=model, origin=choices.LinkOrigin.CORRECTION)
    # repository names are kept as GitHub answers them case-insensitively: lower case
    assert sorted(repos.values_list("repository__full_name", flat=True)) == [
        "allenai/olmo",
        "facebookresearch/metaseq",
    ]
    edge = LineageEdge.objects.get(child=model, origin=choices.LinkOrigin.CORRECTION)
    assert (edge.parent_id, edge.relation) == (base.pk, "finetune")
    row = score(LICENSE_MODEL)
    assert row.training_code == "partial"
    assert row.judgments["training_code"]["origin"] == "corrected"
    assert row.judgments["training_code"]["rationale"] == "Only the fine-tuning scripts are published."
    sources = str(row.detail.sources)
    assert {"allenai/dolma", "allenai/c4"} <= set(re.findall(r"allenai/(?:dolma|c4)", sources))
    page = Client().get(f"/models/{LICENSE_MODEL}/").content.decode()
    assert "Corrected to</dt><dd>allenai/dolma, allenai/c4</dd>" in page
    assert f"Corrected to</dt><dd>{OLMO} (finetune)</dd>" in page


def test_return_to_the_crawled_value_retires_the_correction_and_rescores(
    team, django_capture_on_commit_callbacks
):
    (maintainer, _), (reviewer, rob), _ = team
    model = AIModel.objects.get(repo_id=OLMO)
    assert score(OLMO).weights == "open"
    submit(maintainer, model, "weights", level="closed", rationale="Taken down on request.")
    correction = Correction.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(review_url(correction), {"action": "approve", "note": ""})
    assert score(OLMO).weights == "closed"
    no_reason = reviewer.post(review_url(correction), {"action": "revert", "note": ""})
    assert "say why the correction is taken back" in errors_of(no_reason)
    assert maintainer.post(review_url(correction), {"action": "revert", "note": "x"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer.post(
            review_url(correction), {"action": "revert", "note": "The weights are back online."}
        )
    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.status == "reverted"
    assert not Evidence.objects.filter(subject_id=model.pk, subject_type="model", origin="corrected").exists()
    row = score(OLMO)
    assert (row.weights, row.judgments["weights"]["origin"]) == ("open", "crawled")
    assert [c.cause for c in ScoreChange.objects.filter(model=model).order_by("id")][-2:] == [
        "correction",
        "correction",
    ]
    events = [(e.action, e.actor, e.note) for e in correction.events.all()]
    assert events == [
        ("submitted", correction.submitted_by, "The card says otherwise."),
        ("approved", rob, ""),
        ("reverted", rob, "The weights are back online."),
    ]


def test_returning_a_link_correction_brings_the_crawled_links_back(team, django_capture_on_commit_callbacks):
    (maintainer, _), (reviewer, _), _ = team
    model = AIModel.objects.get(repo_id="allenai/OLMo-2-1124-7B")
    crawled_links = sorted(ModelDataset.objects.filter(model=model).values_list("dataset__repo_id", "origin"))
    assert crawled_links, "the snapshot's card names datasets"
    first = crawled_links[0][0]
    submit(maintainer, model, "datasets", datasets=f"{first}\nallenai/dolma")
    correction = Correction.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(review_url(correction), {"action": "approve", "note": ""})
    assert (
        ModelDataset.objects.get(model=model, dataset__repo_id=first).origin == choices.LinkOrigin.CORRECTION
    )
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(review_url(correction), {"action": "revert", "note": "The card was right."})
    # the forced re-read of the model (through the stand-in) restored exactly the crawled links
    assert (
        sorted(ModelDataset.objects.filter(model=model).values_list("dataset__repo_id", "origin"))
        == crawled_links
    )
    assert score(model.repo_id).judgments["training_data"]["origin"] != "corrected"


# --- the audit trail ----------------------------------------------------------------------------
def test_the_trail_is_append_only_and_shown_in_the_admin_and_publicly(
    team, django_capture_on_commit_callbacks
):
    (maintainer, _), (reviewer, _), (reviewer2, _) = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    submit(maintainer, model, "license", license=GROK, note="first")
    first = Correction.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(review_url(first), {"action": "approve", "note": "good"})
    submit(maintainer, model, "license", license="Apache-2.0", note="second")
    second = Correction.objects.exclude(pk=first.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer2.post(review_url(second), {"action": "approve", "note": "better"})
    first.refresh_from_db()
    assert first.status == "superseded"
    trail = list(
        CorrectionEvent.objects.filter(correction__model=model).values_list("correction", "action", "note")
    )
    assert trail == [
        (first.pk, "submitted", "first"),
        (first.pk, "approved", "good"),
        (second.pk, "submitted", "second"),
        (first.pk, "superseded", f"superseded by correction {second.pk}"),
        (second.pk, "approved", "better"),
    ]
    event = CorrectionEvent.objects.first()
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    admin_view = reviewer.get(f"/admin/corrections/correction/{first.pk}/change/").content.decode()
    assert "audit trail (append-only)" in admin_view.lower()
    assert "superseded by correction" in admin_view
    assert reviewer.get("/admin/corrections/correctionevent/").status_code == 200
    assert reviewer.get(f"/admin/corrections/correctionevent/{event.pk}/delete/").status_code == 403
    public = Client().get(f"/models/{LICENSE_MODEL}/").content.decode()
    log = public[public.index('aria-labelledby="changelog-heading"') :]
    assert log.count('<tr><td data-label="When">') == 5
    assert "superseded by a later approved correction" in log
    assert '<td data-label="By">Rob Reviewer</td>' in log
    assert '<td data-label="By">Mia Maintainer</td>' in log
    assert '<td data-label="By">a reviewer</td>' in log


# --- the public report form ---------------------------------------------------------------------
def reporter(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


REPORT = {
    "topic": "license",
    "description": "The licence is Apache 2.0, see the LICENSE file.",
    "evidence_url": "https://example.org/LICENSE",
    "contact_email": "",
    "website": "",
}


def test_a_member_of_the_public_files_a_report_that_a_reviewer_turns_into_a_correction(team):
    _, (reviewer, rob), _ = team
    url = f"/models/{LICENSE_MODEL}/report/"
    page = Client().get(f"/models/{LICENSE_MODEL}/").content.decode()
    assert f'<a href="{url}">Report a problem</a>' in page
    form = reporter("10.1.0.1").get(url + "?topic=weights").content.decode()
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<option value="weights" selected>' in form
    person = reporter("10.1.0.1")
    response = person.post(url, {**REPORT, "contact_email": "me@example.org", "proposed_level": "open"})
    assert (response.status_code, response["Location"]) == (302, url + "?sent=1")
    report = ProblemReport.objects.get()
    assert (report.model.repo_id, report.status, report.contact_email) == (
        LICENSE_MODEL,
        "open",
        "me@example.org",
    )
    assert report.client_hash
    assert "10.1.0.1" not in report.client_hash
    sent = person.get(url + "?sent=1").content.decode()
    assert "your report is in the reviewers' queue" in sent
    status_url = f"/reports/{report.token}/"
    assert f'<a href="{status_url}">your report\'s status page</a>' in sent
    assert len(report.token) >= 40
    status = Client().get(status_url)
    assert status.status_code == 200
    assert status["X-Robots-Tag"] == "noindex"
    assert "<strong>open</strong>" in status.content.decode()
    assert "me@example.org" not in status.content.decode()
    assert Client().get("/reports/" + "x" * 43 + "/").status_code == 404
    # not published: the model page does not show it
    assert "Apache 2.0, see the LICENSE" not in Client().get(f"/models/{LICENSE_MODEL}/").content.decode()

    triage = f"/admin/corrections/problemreport/{report.pk}/triage/"
    html = reviewer.get(triage).content.decode()
    assert "Turn into a correction" in html
    assert "me@example.org" in html
    add = reviewer.get(f"{ADD}?report={report.pk}").content.decode()
    # the report's judgment and proposed level come pre-selected
    assert '<option value="license_grade" selected>' in add
    assert '<option value="open" selected>open</option>' in add
    assert f'name="report" value="{report.pk}"' in add
    assert 'value="https://example.org/LICENSE"' in add
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    response = submit(reviewer, model, "license", license="Apache-2.0", report=report.pk)
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.correction, report.triaged_by) == (
        "converted",
        Correction.objects.get(),
        rob,
    )
    assert "turned into a correction" in Client().get(status_url).content.decode()


def test_a_reviewer_dismisses_a_report_with_a_reason_and_a_maintainer_cannot(team):
    (maintainer, _), (reviewer, _), _ = team
    reporter("10.2.0.1").post(f"/models/{LICENSE_MODEL}/report/", REPORT)
    report = ProblemReport.objects.get()
    triage = f"/admin/corrections/problemreport/{report.pk}/triage/"
    assert maintainer.get(triage).status_code == 200
    assert maintainer.post(triage, {"note": "no"}).status_code == 403
    assert "This field is required" in errors_of(reviewer.post(triage, {"note": ""}))
    assert reviewer.post(triage, {"note": "The card's licence is not Apache."}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.triage_note) == ("dismissed", "The card's licence is not Apache.")
    status = Client().get(f"/reports/{report.token}/").content.decode()
    assert "<strong>dismissed</strong>" in status
    assert "The card&#x27;s licence is not Apache." in status


def test_reports_are_throttled_per_address(crawled, settings):
    settings.REPORT_RATE_PER_HOUR = 3
    url = f"/models/{LICENSE_MODEL}/report/"
    for _ in range(3):
        assert reporter("10.3.0.1").post(url, REPORT).status_code == 302
    flooded = reporter("10.3.0.1").post(url, REPORT)
    assert flooded.status_code == 429
    assert flooded["Retry-After"] == "3600"
    assert "Too many reports from your address" in flooded.content.decode()
    assert ProblemReport.objects.count() == 3
    assert reporter("10.3.0.2").post(url, REPORT).status_code == 302  # another address is not affected
    # behind one trusted proxy, the address the proxy saw counts, not the proxy's
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(3):
        assert proxy.post(url, REPORT, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 302
    assert proxy.post(url, REPORT, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
    assert proxy.post(url, REPORT, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 302


def test_the_honeypot_keeps_nothing_and_bad_input_is_refused(crawled):
    url = f"/models/{LICENSE_MODEL}/report/"
    bot = reporter("10.4.0.1").post(url, {**REPORT, "website": "http://spam.example"})
    assert (bot.status_code, bot["Location"]) == (302, url + "?sent=1")  # the bot learns nothing
    for evidence, message in [
        ("ftp://example.org/x", "http:// or https:// address (not ftp:)"),
        ("javascript:alert(1)", "(not javascript:)"),
    ]:
        response = reporter("10.4.0.2").post(url, {**REPORT, "evidence_url": evidence})
        assert response.status_code == 400
        assert message in unescape(response.content.decode())
    bad_level = reporter("10.4.0.6").post(url, {**REPORT, "proposed_level": "wide open"})
    assert bad_level.status_code == 400
    assert "Select a valid choice" in bad_level.content.decode()
    too_long = reporter("10.4.0.3").post(url, {**REPORT, "description": "x" * 2001})
    assert too_long.status_code == 400
    assert "at most 2000 characters" in too_long.content.decode()
    assert reporter("10.4.0.4").post("/models/nobody/nothing/report/", REPORT).status_code == 404
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.4.0.5")
    assert strict.post(url, REPORT).status_code == 403  # no CSRF token
    assert not ProblemReport.objects.exists()


# --- escaping -----------------------------------------------------------------------------------
def test_hostile_text_is_escaped_on_every_page_that_shows_it(team, django_capture_on_commit_callbacks):
    (maintainer, _), (reviewer, _), _ = team
    model = AIModel.objects.get(repo_id=OLMO)
    submit(maintainer, model, "weights", level="partial", rationale=HOSTILE, note=HOSTILE)
    correction = Correction.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(review_url(correction), {"action": "approve", "note": HOSTILE})
    reporter("10.5.0.1").post(f"/models/{OLMO}/report/", {**REPORT, "description": HOSTILE})
    report = ProblemReport.objects.get()
    reviewer.post(f"/admin/corrections/problemreport/{report.pk}/triage/", {"note": HOSTILE})
    pages = {
        "model page": Client().get(f"/models/{OLMO}/"),
        "review page": reviewer.get(review_url(correction)),
        "admin change view": reviewer.get(f"/admin/corrections/correction/{correction.pk}/change/"),
        "admin list": reviewer.get("/admin/corrections/correction/"),
        "trail list": reviewer.get("/admin/corrections/correctionevent/"),
        "report list": reviewer.get("/admin/corrections/problemreport/"),
        "triage page": reviewer.get(f"/admin/corrections/problemreport/{report.pk}/triage/"),
        "compare": Client().get(f"/compare/?m={OLMO}&m={LICENSE_MODEL}"),
        "report status": Client().get(f"/reports/{report.token}/"),
    }
    for name, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, name
        assert '<script>alert("x")' not in html, name
        assert 'href="javascript:' not in html, name
        if name != "admin list":  # the queue lists no free text
            assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, name


# --- corrected cells on the leaderboard and in the API -------------------------------------------
def test_corrected_cells_are_marked_on_the_board_and_in_the_api(
    team, django_capture_on_commit_callbacks, settings, no_throttle
):
    settings.LEADERBOARD_PAGE_SIZE = 500
    (maintainer, _), (reviewer, _), _ = team
    model = AIModel.objects.get(repo_id=OLMO)
    submit(maintainer, model, "weights", level="partial", rationale="Sign-up needed.")
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(review_url(Correction.objects.get()), {"action": "approve", "note": ""})

    board = Client().get("/?show=all").content.decode()
    row = re.search(rf'<tr><td[^>]*><input[^>]*value="{re.escape(OLMO)}".*?</tr>', board, re.S).group(0)
    assert row.count('class="corrected-mark"') == 1
    # one in the legend, one in OLMo's weights cell: no other model is corrected
    assert board.count('class="corrected-mark"') == 2

    items = []
    url = "/api/v1/models/?show=all&page_size=200"
    while url:
        page = Client().get(url).json()
        items += page["results"]
        url = page.get("next")
    flags = {item["id"]: item["corrected"] for item in items}
    assert flags[OLMO] == {"weights": True, "training_data": False, "training_code": False, "license": False}
    assert not any(any(f.values()) for repo, f in flags.items() if repo != OLMO)
    detail = Client().get(f"/api/v1/models/{OLMO}/").json()
    assert detail["corrected"] == flags[OLMO]
    assert Client().get(f"/api/v1/models/{LICENSE_MODEL}/").json()["corrected"]["weights"] is False

    schema = Client().get("/api/v1/schema/", headers={"Accept": "application/json"}).json()
    components = schema["components"]["schemas"]
    assert components["ModelList"]["properties"]["corrected"]["allOf"] == [
        {"$ref": "#/components/schemas/Corrected"}
    ]
    assert set(components["Corrected"]["properties"]) == {
        "weights",
        "training_data",
        "training_code",
        "license",
    }
    assert "approved maintainer correction" in components["Corrected"]["properties"]["weights"]["description"]


# --- export and import (a rebuild) ----------------------------------------------------------------
def test_export_then_import_after_a_rebuild_reapplies_exactly_once(
    team, tmp_path, django_capture_on_commit_callbacks
):
    from scoring.services import rescore

    (maintainer, _), (reviewer, _), (reviewer2, _) = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    olmo = AIModel.objects.get(repo_id=OLMO)
    submit(maintainer, model, "license", license=GROK, note="from the LICENSE file")
    with django_capture_on_commit_callbacks(execute=True):
        reviewer.post(review_url(Correction.objects.get()), {"action": "approve", "note": "checked"})
    submit(maintainer, olmo, "weights", level="closed", rationale="Gone.")
    reviewer2.post(
        review_url(Correction.objects.get(fact="weights")), {"action": "reject", "note": "still there"}
    )
    submit(maintainer, olmo, "training_code", level="open", rationale="All scripts are out.")
    path = tmp_path / "corrections.json"
    call_command("corrections", "export", "--output", str(path), stdout=StringIO(), stderr=StringIO())
    exported = json.loads(path.read_text())
    assert exported["format"] == "openness-corrections/1"
    assert [(c["model"], c["fact"], c["status"]) for c in exported["corrections"]] == [
        (LICENSE_MODEL, "license", "approved"),
        (OLMO, "weights", "rejected"),
        (OLMO, "training_code", "pending"),
    ]
    assert [e["action"] for e in exported["corrections"][0]["events"]] == ["submitted", "approved"]

    # a rebuild: the corrections and what they wrote are gone, the scores are the crawled ones
    Correction.objects.all().delete()
    Evidence.objects.filter(origin="corrected").delete()
    rescore(model_ids=[model.pk, olmo.pk])
    assert score(LICENSE_MODEL).license == "unknown"

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("corrections", "import", str(path), stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == "1 submitted, 1 approved, 0 already here, 1 history only, 0 refused"
    restored = Correction.objects.get(fact="license")
    assert (restored.status, restored.submitted_by.username, restored.reviewed_by.username) == (
        "approved",
        "mia@example.org",
        "rob@example.org",
    )
    assert "re-applied from an export: approved by rob@example.org" in restored.review_note
    assert score(LICENSE_MODEL).license == "partial"
    assert Correction.objects.get(fact="training_code").status == "pending"

    again = StringIO()
    call_command("corrections", "import", str(path), stdout=again, stderr=StringIO())
    assert again.getvalue().strip() == "0 submitted, 0 approved, 2 already here, 1 history only, 0 refused"
    assert Correction.objects.count() == 2


def test_import_refuses_what_it_cannot_place_and_says_why(team, tmp_path):
    rows = [
        {"model": "nobody/nothing", "fact": "license", "value": {"license": "mit"}, "status": "pending",
         "evidence_url": "https://example.org", "submitted_by": None},
        {"model": OLMO, "fact": "weights", "value": {"level": "open", "rationale": "r"}, "status": "approved",
         "evidence_url": "https://example.org", "submitted_by": None, "reviewed_by": "gone@example.org"},
        {"model": OLMO, "fact": "license", "value": {"license": "mit"}, "status": "pending",
         "evidence_url": "ftp://example.org", "submitted_by": None},
    ]  # fmt: skip
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "openness-corrections/1", "corrections": rows}))
    out, err = StringIO(), StringIO()
    call_command("corrections", "import", str(path), stdout=out, stderr=err)
    assert out.getvalue().strip() == "0 submitted, 0 approved, 0 already here, 0 history only, 3 refused"
    assert "nobody/nothing is not in the index" in err.getvalue()
    assert "no account 'gone@example.org' here to re-approve it; pass --reviewer" in err.getvalue()
    assert "(not ftp:)" in err.getvalue()
    assert not Correction.objects.exists()  # nothing half-imported
    path.write_text("[]")
    with pytest.raises(Exception, match="is not a corrections export"):
        call_command("corrections", "import", str(path), stdout=StringIO())


def test_the_permission_matrix(team):
    (maintainer, _), (reviewer, _), _ = team
    administrator, _ = staff("administrator", "ada@example.org")
    anonymous = Client()
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    submit(maintainer, model, "license", license=GROK)
    correction = Correction.objects.get()
    reporter("10.6.0.1").post(f"/models/{LICENSE_MODEL}/report/", REPORT)
    triage = f"/admin/corrections/problemreport/{ProblemReport.objects.get().pk}/triage/"

    def status(client, method, url, data=None):
        return (client.post(url, dict(data or ())) if method == "post" else client.get(url)).status_code

    approve = (("action", "approve"), ("note", ""))
    matrix = {
        # (method, url, data): (anonymous, maintainer, reviewer, administrator)
        ("get", ADD, None): (302, 200, 200, 403),
        ("get", review_url(correction), None): (302, 200, 200, 200),
        ("post", review_url(correction), approve): (302, 403, 302, 403),
        ("get", triage, None): (302, 200, 200, 403),
        ("post", triage, (("note", "no"),)): (302, 403, 302, 403),
        ("get", "/admin/auth/user/add/", None): (302, 403, 403, 200),
        ("get", "/admin/scoring/methodologyversion/", None): (302, 403, 403, 200),
        ("get", "/admin/corrections/correctionevent/", None): (302, 200, 200, 200),
    }
    for (method, url, data), expected in matrix.items():
        got = tuple(status(c, method, url, data) for c in (anonymous, maintainer, reviewer, administrator))
        assert got == expected, (method, url, got)
    correction.refresh_from_db()
    assert correction.status == "approved"  # only the reviewer's approval went through


def test_reviewers_see_when_the_source_changed_since_approval(team, django_capture_on_commit_callbacks):
    (maintainer, _), (reviewer, _), _ = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    olmo = AIModel.objects.get(repo_id=OLMO)
    submit(maintainer, model, "license", license=GROK)
    submit(maintainer, olmo, "weights", level="partial", rationale="Sign-up needed.")
    for correction in Correction.objects.all():
        with django_capture_on_commit_callbacks(execute=True):
            reviewer.post(review_url(correction), {"action": "approve", "note": ""})
    licence = Correction.objects.get(fact="license")
    assert licence.crawled_when_approved == "other"
    queue = "/admin/corrections/correction/?drift=changed"
    assert "0 corrections" in errors_of(
        reviewer.get(queue)
    )  # nothing drifted yet (and a re-score changes nothing)

    # the source now declares MIT (as a later crawl would record it)
    evidence = Evidence.objects.get(
        subject_type="model", subject_id=model.pk, fact="license", origin="crawled"
    )
    evidence.value = {**evidence.value, "declared": ["mit"]}
    evidence.save()
    listed = errors_of(reviewer.get(queue))
    assert "1 correction" in listed
    assert LICENSE_MODEL in listed
    assert OLMO not in listed
    page = errors_of(reviewer.get(review_url(licence)))
    assert "The source changed since approval (then: other)" in " ".join(page.split())


def test_the_sweeper_puts_every_approved_correction_in_effect_exactly_once(
    team, django_capture_on_commit_callbacks
):
    from corrections.services import corrections_sweep
    from corrections.tasks import sweep

    (maintainer, _), (reviewer, _), _ = team
    model = AIModel.objects.get(repo_id=LICENSE_MODEL)
    kinds = {
        "license": {"license": GROK},
        "datasets": {"datasets": "allenai/dolma"},
        "code_repositories": {"repositories": "allenai/OLMo"},
        "base_models": {"base_models": f"{OLMO} finetune"},
        "weights": {"level": "partial", "rationale": "Sign-up needed."},
    }
    for fact, fields in kinds.items():
        submit(maintainer, model, fact, **fields)
        with django_capture_on_commit_callbacks(execute=True):
            reviewer.post(review_url(Correction.objects.get(fact=fact)), {"action": "approve", "note": ""})
    report = corrections_sweep()
    assert (report.reapplied, report.rescored) == ([], [])  # all in effect: nothing to do

    # a lost rescore: the approval committed, its task never ran
    olmo = AIModel.objects.get(repo_id=OLMO)
    submit(maintainer, olmo, "training_code", level="closed", rationale="The repository was deleted.")
    with django_capture_on_commit_callbacks(execute=False):
        reviewer.post(review_url(Correction.objects.get(model=olmo)), {"action": "approve", "note": ""})
    assert score(OLMO).judgments["training_code"]["origin"] != "corrected"
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep.delay().get() == {"reapplied": [], "rescored": [olmo.pk]}
    assert score(OLMO).training_code == "closed"

    # corrected rows lost (a restore, a hand edit): applied again, with an event saying so
    weights = Correction.objects.get(model=model, fact="weights")
    Evidence.objects.filter(correction_id=weights.pk).delete()
    with django_capture_on_commit_callbacks(execute=True):
        report = corrections_sweep()
    assert (report.reapplied, report.rescored) == ([weights.pk], [])
    assert Evidence.objects.filter(correction_id=weights.pk, origin="corrected").count() == 1
    assert weights.events.last().action == "reapplied"
    assert score(LICENSE_MODEL).weights == "partial"
    report = corrections_sweep()
    assert (report.reapplied, report.rescored) == ([], [])  # exactly once
