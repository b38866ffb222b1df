"""The correction services on their own: bad input gets a clear message and writes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from catalog import choices
from corrections.models import Correction, CorrectionEvent, ProblemReport
from corrections.services import (
    correction_approve,
    correction_revert,
    correction_submit,
    correction_withdraw,
    report_file,
)
from tests.factories import AIModelFactory

pytestmark = pytest.mark.django_db
URL = "https://example.org/evidence"


@pytest.fixture
def people():
    users = get_user_model().objects
    return users.create_user("alice"), users.create_user("bob")


def test_a_model_deleted_since_the_form_opened_gets_a_clear_message(people):
    model = AIModelFactory()
    model_copy = type(model).objects.get(pk=model.pk)
    model.delete()
    with pytest.raises(ValidationError, match="no longer in the index"):
        correction_submit(
            model=model_copy,
            fact="license",
            value={"license": "mit"},
            evidence_url=URL,
            submitted_by=people[0],
        )
    assert not Correction.objects.exists()
    assert not CorrectionEvent.objects.exists()


@pytest.mark.parametrize(
    ("fact", "value", "message"),
    [
        ("weights", ["open"], "the value must be a JSON object"),
        ("weights", {"level": "wide open", "rationale": "x"}, "'level' must be one of"),
        ("weights", {"level": "open", "rationale": "x" * 501}, "at most 500 characters"),
        ("datasets", {"datasets": 7}, "'datasets' must be a list of strings"),
        ("license", {"license": "no-such-licence-anywhere"}, "not in the knowledge base"),
        ("base_models", {"base_models": [{"id": "a/b", "relation": "cousin"}]}, "relation must be one of"),
        ("nonsense", {}, "unknown fact"),
    ],
)
def test_wrong_typed_values_are_refused(people, fact, value, message):
    with pytest.raises(ValidationError, match=message):
        correction_submit(
            model=AIModelFactory(), fact=fact, value=value, evidence_url=URL, submitted_by=people[0]
        )
    assert not Correction.objects.exists()


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "javascript:alert(1)", "data:text/html,x", "", "example.org"]
)
def test_evidence_must_be_http_or_https(people, url):
    with pytest.raises(ValidationError, match=r"http|public page"):
        correction_submit(
            model=AIModelFactory(),
            fact="weights",
            value={"level": "open", "rationale": "r"},
            evidence_url=url,
        )
    assert not Correction.objects.exists()


def test_two_pending_corrections_of_one_fact_are_refused_and_state_rules_hold(people):
    alice, bob = people
    model = AIModelFactory()
    value = {"level": "closed", "rationale": "Taken down."}
    first = correction_submit(model=model, fact="weights", value=value, evidence_url=URL, submitted_by=alice)
    with pytest.raises(ValidationError, match="already pending review"):
        correction_submit(model=model, fact="weights", value=value, evidence_url=URL, submitted_by=bob)
    # another fact of the same model is fine
    correction_submit(model=model, fact="training_code", value=value, evidence_url=URL, submitted_by=bob)
    with pytest.raises(ValidationError, match="only an approved correction"):
        correction_revert(correction=first, reviewer=bob, review_note="why")
    with pytest.raises(ValidationError, match="only the submitter"):
        correction_withdraw(correction=first, user=bob)
    correction_withdraw(correction=first, user=alice)
    with pytest.raises(ValidationError, match="only pending corrections can be approved"):
        correction_approve(correction=first, reviewer=bob)
    assert [e.action for e in first.events.all()] == ["submitted", "withdrawn"]


def test_a_public_report_needs_a_description_and_a_web_address():
    model = AIModelFactory()
    with pytest.raises(ValidationError, match="say what is wrong"):
        report_file(model=model, topic="license", description="   ")
    with pytest.raises(ValidationError, match="not javascript:"):
        report_file(model=model, topic="license", description="wrong", evidence_url="javascript:alert(1)")
    report = report_file(model=model, topic="license", description="<b>wrong</b>", contact_email="")
    assert (report.status, report.description) == (
        ProblemReport.Status.OPEN,
        "<b>wrong</b>",
    )  # stored as typed


def test_the_status_choices_say_what_happened():
    assert choices.CorrectionStatus.REVERTED.label == "returned to the crawled value"


def test_an_approval_while_the_broker_is_down_returns_and_leaves_the_rescore_to_the_sweeper(
    people, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """The correction is durable when the form returns: a broker that refuses the rescore after
    the commit must not turn the reviewer's answer into an error (the sweeper rescores)."""
    from kombu.exceptions import OperationalError

    from corrections.services import corrections_sweep
    from scoring.tasks import score_models

    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    model = AIModelFactory()
    correction = correction_submit(
        model=model,
        fact="weights",
        value={"level": "open", "rationale": "r"},
        evidence_url=URL,
        submitted_by=people[0],
    )
    monkeypatch.setattr(score_models, "delay", refused)
    with django_capture_on_commit_callbacks(execute=True):
        correction_approve(correction=correction, reviewer=people[1])
    correction.refresh_from_db()
    assert correction.status == "approved"
    assert "left to the sweeper" in caplog.text
    monkeypatch.undo()
    assert corrections_sweep().rescored == [model.pk]  # the sweeper finds the score missing it
