"""Public forms. Everything typed here is untrusted: lengths are capped, addresses checked,
and nothing is shown back except escaped."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from catalog import choices
from corrections.services import REPORT_DESCRIPTION_MAX, evidence_url_clean
from scoring import dimensions

TOPIC_CHOICES = [
    ("", "— what is it about? —"),
    *((d.key, f"{d.label} judgment") for d in dimensions.ALL),
    (choices.CorrectionFact.DATASETS.value, "Training datasets named"),
    (choices.CorrectionFact.CODE_REPOSITORIES.value, "Code repositories linked"),
    (choices.CorrectionFact.BASE_MODELS.value, "Base models (lineage)"),
    ("other", "Something else"),
]


class ProblemReportForm(forms.Form):
    topic = forms.ChoiceField(choices=TOPIC_CHOICES, required=False, label="What is it about?")
    proposed_level = forms.ChoiceField(
        choices=[
            ("", "— no opinion —"),
            ("open", "open"),
            ("partial", "partial"),
            ("closed", "closed"),
            ("unknown", "unknown"),
        ],
        required=False,
        label="What level should the judgment have? (optional)",
    )
    description = forms.CharField(
        label="What is wrong?",
        min_length=10,
        max_length=REPORT_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": REPORT_DESCRIPTION_MAX}),
        help_text="What the index says, what it should say, and why.",
    )
    evidence_url = forms.CharField(
        label="Evidence (optional)",
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://", "maxlength": 500}),
        help_text="A public page that shows it: an http:// or https:// address.",
    )
    contact_email = forms.EmailField(
        label="Your e-mail (optional)",
        required=False,
        max_length=254,
        help_text="Only if you want an answer; never published.",
    )
    # a field people never see (hidden by CSS, skipped by keyboard and screen readers); bots fill it
    website = forms.CharField(required=False, max_length=200, label="Leave this empty")

    def clean_evidence_url(self) -> str:
        try:
            return evidence_url_clean(self.cleaned_data.get("evidence_url", ""), required=False)
        except ValidationError as exc:
            raise ValidationError(exc.messages[0][0].upper() + exc.messages[0][1:] + ".") from None
