"""Admin: the maintainers' correction form, the reviewers' queue, the audit trail and the
public's problem reports. Every write goes through ``corrections.services``."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from catalog import choices
from catalog.models import AIModel
from catalog.sources.huggingface.client import RELATIONS
from corrections import selectors, services
from corrections.models import Correction, CorrectionEvent, ProblemReport

LEVEL_CHOICES = [("", "— choose a level —"), *((level, level) for level in services.LEVELS)]
REVIEW_PERMISSION = "corrections.review_correction"


def license_choices() -> list[tuple[str, str]]:
    from scoring.licenses import knowledge_base

    entries = sorted(knowledge_base().entries.values(), key=lambda e: e.name.lower())
    return [("", "— choose a license —"), *((e.key, f"{e.name} ({e.key}; {e.grade})") for e in entries)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CorrectionForm(forms.ModelForm):
    """One typed field per kind of fact; ``clean`` builds the value the service checks again."""

    level = forms.ChoiceField(
        choices=LEVEL_CHOICES, required=False, help_text="For a judgment: the level it should have"
    )
    rationale = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a judgment: one sentence, shown on the public page",
    )
    license = forms.ChoiceField(choices=(), required=False, help_text="From the license knowledge base")
    datasets = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "e.g. allenai/dolma"}),
        help_text="One Hub dataset id (owner/name) per line",
    )
    repositories = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "e.g. allenai/OLMo"}),
        help_text="One GitHub repository per line: owner/name or its https://github.com/ address",
    )
    base_models = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "e.g. meta-llama/Llama-2-7b-hf finetune"}),
        help_text=f"One Hub model id per line, optionally followed by the relation ({', '.join(RELATIONS)}; "
        "finetune when omitted)",
    )
    evidence_url = forms.CharField(
        max_length=500,
        help_text="Public web page (http:// or https://) that supports the correction",
        widget=forms.URLInput(attrs={"size": 60}),
    )
    report = forms.ModelChoiceField(
        queryset=ProblemReport.objects.filter(status=ProblemReport.Status.OPEN),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Correction
        fields = ("model", "fact", "evidence_url", "note")
        help_texts = {"note": "Why the crawled value is wrong (reviewers read this; shown escaped)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["license"].choices = license_choices()
        if "model" in self.fields:
            self.fields["model"].error_messages["invalid_choice"] = (
                "That model is not in the index (it may have been renamed or deleted): "
                "search for it by its Hub id."
            )
            self.fields["model"].help_text = "Type part of the Hub id (owner/name) to search"

    def clean_evidence_url(self) -> str:
        return services.evidence_url_clean(self.cleaned_data.get("evidence_url", ""))

    def clean(self):
        cleaned = super().clean()
        fact = cleaned.get("fact")
        if not fact:
            return cleaned
        model = cleaned.get("model")
        if (
            model is not None
            and Correction.objects.filter(
                model=model, fact=fact, status=choices.CorrectionStatus.PENDING
            ).exists()
        ):
            self.add_error(
                "fact",
                f"A correction of {model.repo_id}'s {fact} is already pending review: "
                "review or withdraw it first.",
            )
        value, field = self._value_of(fact, cleaned)
        try:
            cleaned["value"] = services.correction_value_clean(fact=fact, value=value)
        except ValidationError as exc:
            self.add_error(field, exc)
        return cleaned

    @staticmethod
    def _value_of(fact: str, data: dict) -> tuple[dict, str]:
        if fact in services.JUDGMENT_FACTS:
            if not data.get("level"):
                return {"level": None}, "level"
            return {"level": data["level"], "rationale": data.get("rationale", "")}, "rationale"
        if fact == choices.CorrectionFact.LICENSE:
            return {"license": data.get("license") or ""}, "license"
        if fact == choices.CorrectionFact.DATASETS:
            return {"datasets": _lines(data.get("datasets", ""))}, "datasets"
        if fact == choices.CorrectionFact.CODE_REPOSITORIES:
            return {"repositories": _lines(data.get("repositories", ""))}, "repositories"
        bases = []
        for line in _lines(data.get("base_models", "")):
            parts = line.split()
            bases.append({"id": parts[0], "relation": parts[1] if len(parts) > 1 else "finetune"})
        return {"base_models": bases}, "base_models"


class ReviewForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required to reject or to return to the crawled value; optional to approve. Public.",
    )


class EventInline(admin.TabularInline):
    model = CorrectionEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor_name", "note")
    readonly_fields = fields
    verbose_name_plural = "audit trail (append-only)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


FACT_FIELDSETS = (
    ("Judgment (weights, training data, training code, license permissiveness)", ("level", "rationale")),
    ("License", ("license",)),
    ("Training datasets", ("datasets",)),
    ("Code repositories", ("repositories",)),
    ("Base models", ("base_models",)),
)
FACT_CLASS = {
    "level": "judgment",
    "license": "license",
    "datasets": "datasets",
    "repositories": "code_repositories",
    "base_models": "base_models",
}


class DriftFilter(admin.SimpleListFilter):
    """Approved corrections whose source now says something else than when they were approved."""

    title = "source since approval"
    parameter_name = "drift"

    def lookups(self, request, model_admin):
        return (("changed", "changed (check the correction)"),)

    def queryset(self, request, queryset):
        if self.value() != "changed":
            return queryset
        approved = queryset.filter(status=choices.CorrectionStatus.APPROVED).select_related("model")
        return queryset.filter(pk__in=list(selectors.drifted(approved)))


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Maintainers submit here; reviewers (a different person) approve or reject from the review page."""

    form = CorrectionForm
    add_form_template = "admin/corrections/correction/add_form.html"
    list_display = (
        "review_link",
        "model",
        "fact",
        "status",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "evidence_link",
    )
    list_display_links = ("model",)
    list_filter = (
        "status",
        "fact",
        ("submitted_by", admin.RelatedOnlyFieldListFilter),
        "submitted_at",
        DriftFilter,
    )
    date_hierarchy = "submitted_at"
    search_fields = ("model__repo_id", "note")
    list_select_related = ("model", "submitted_by", "reviewed_by")
    autocomplete_fields = ("model",)
    actions = ("approve_selected",)
    inlines = (EventInline,)
    readonly_fields = (
        "status",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "value_pretty",
        "evidence_link",
    )

    class Media:
        js = ("corrections/correction_form.js",)
        css = {"all": ("corrections/correction_form.css",)}

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return (
                (None, {"fields": ("model", "fact", "report")}),
                *(
                    (title, {"fields": fields, "classes": ("fact-fields", f"fact-{FACT_CLASS[fields[0]]}")})
                    for title, fields in FACT_FIELDSETS
                ),
                ("Evidence and reason", {"fields": ("evidence_url", "note")}),
            )
        return (
            (None, {"fields": ("model", "fact", "value_pretty", "evidence_link", "note")}),
            (
                "Review",
                {
                    "fields": (
                        "status",
                        "submitted_by",
                        "submitted_at",
                        "reviewed_by",
                        "reviewed_at",
                        "review_note",
                    )
                },
            ),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (*self.readonly_fields, "model", "fact", "note")

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def has_change_permission(self, request, obj=None):
        # corrections are never edited: reviewers act on them through the review page
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the trail must stay complete: withdraw or reject instead

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        report = request.GET.get("report")
        if report and report.isdigit():
            found = ProblemReport.objects.filter(pk=int(report)).first()
            if found is not None:
                initial.setdefault("model", found.model_id)
                initial["report"] = found.pk
                if found.evidence_url:
                    initial.setdefault("evidence_url", found.evidence_url)
                if found.topic in services.JUDGMENT_FACTS or found.topic == "license":
                    # a report on a judgment: the fact is that judgment ("license" is the license grade)
                    initial.setdefault("fact", "license_grade" if found.topic == "license" else found.topic)
                    if found.proposed_level:
                        initial.setdefault("level", found.proposed_level)
        return initial

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        model_id = request.POST.get("model") or request.GET.get("model")
        if not model_id and request.GET.get("report", "").isdigit():
            model_id = (
                ProblemReport.objects.filter(pk=int(request.GET["report"]))
                .values_list("model_id", flat=True)
                .first()
            )
        model = AIModel.objects.filter(pk=model_id).first() if str(model_id or "").isdigit() else None
        extra_context["current_model"] = model
        extra_context["current_facts"] = selectors.facts_now(model) if model else []
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """A new correction enters the queue through the service, like every other."""
        if change:
            raise PermissionDenied("corrections are not edited")
        saved = services.correction_submit(
            model=form.cleaned_data["model"],
            fact=form.cleaned_data["fact"],
            value=form.cleaned_data["value"],
            evidence_url=form.cleaned_data["evidence_url"],
            note=form.cleaned_data.get("note") or "",
            submitted_by=request.user,
            report=form.cleaned_data.get("report"),
        )
        obj.pk = saved.pk
        obj.status, obj.submitted_by, obj.submitted_at, obj.value = (
            saved.status,
            saved.submitted_by,
            saved.submitted_at,
            saved.value,
        )

    def _changeform_view(self, request, object_id, form_url, extra_context):
        # the service's refusals (a pending duplicate, a deleted model) are shown on the form
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.display(description="value")
    def value_pretty(self, obj):
        return format_html(
            "<p>{}</p><pre>{}</pre>",
            selectors.value_text(obj.fact, obj.value),
            json.dumps(obj.value, indent=2, ensure_ascii=False),
        )

    @admin.display(description="evidence")
    def evidence_link(self, obj):
        return format_html(
            '<a href="{}" rel="nofollow noopener noreferrer">{}</a>',
            obj.evidence_url,
            urlsplit(obj.evidence_url).netloc or obj.evidence_url,
        )

    @admin.display(description="")
    def review_link(self, obj):
        decided = obj.status not in (choices.CorrectionStatus.PENDING, choices.CorrectionStatus.APPROVED)
        return format_html(
            '<a class="review-link" href="{}">{}</a>',
            reverse("admin:corrections_correction_review", args=[obj.pk]),
            "Trail" if decided else "Review",
        )

    # --- review --------------------------------------------------------------------------------
    def get_urls(self):
        own = [
            path(
                "<int:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="corrections_correction_review",
            ),
            path(
                "current/<int:model_id>/",
                self.admin_site.admin_view(self.current_view),
                name="corrections_correction_current",
            ),
        ]
        return own + super().get_urls()

    def current_view(self, request, model_id: int):
        """The current values of a model's facts: the form loads it when a model is chosen."""
        if not self.has_view_or_change_permission(request) and not self.has_add_permission(request):
            raise PermissionDenied
        model = get_object_or_404(AIModel, pk=model_id)
        return TemplateResponse(
            request,
            "admin/corrections/correction/current_values.html",
            {"current_model": model, "current_facts": selectors.facts_now(model)},
        )

    def review_view(self, request, pk: int):
        correction = get_object_or_404(
            Correction.objects.select_related("model", "submitted_by", "reviewed_by"), pk=pk
        )
        if not self.has_view_permission(request, correction):
            raise PermissionDenied
        can_review = request.user.has_perm(REVIEW_PERMISSION)
        own = correction.submitted_by_id == request.user.pk
        form = ReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            action = request.POST.get("action", "")
            note = form.cleaned_data["note"]
            try:
                self._act(request, correction, action, note, can_review)
            except ValidationError as exc:
                form.add_error("note", "; ".join(exc.messages))
            else:
                return HttpResponseRedirect(reverse("admin:corrections_correction_review", args=[pk]))
        facts = {row.fact: row for row in selectors.facts_now(correction.model)}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Review: {correction.model.repo_id} — {correction.get_fact_display()}",
            "correction": correction,
            "value_text": selectors.value_text(correction.fact, correction.value),
            "fact_now": facts.get(correction.fact),
            "drift": selectors.drifted([correction]).get(correction.pk),
            "events": correction.events.select_related("actor"),
            "form": form,
            "pending": correction.status == choices.CorrectionStatus.PENDING,
            "approved": correction.status == choices.CorrectionStatus.APPROVED,
            "can_review": can_review and not own,
            "can_revert": can_review,
            "own": own,
        }
        return TemplateResponse(request, "admin/corrections/correction/review.html", context)

    def _act(self, request, correction: Correction, action: str, note: str, can_review: bool) -> None:
        if action == "withdraw":
            services.correction_withdraw(correction=correction, user=request.user, note=note)
            self.message_user(request, "Correction withdrawn.")
            return
        if action not in ("approve", "reject", "revert"):
            raise ValidationError("unknown action")
        if not can_review:
            raise PermissionDenied("You may submit corrections but not review them.")
        if action == "approve":
            services.correction_approve(correction=correction, reviewer=request.user, review_note=note)
            self.message_user(request, "Correction approved; the model is being rescored.")
        elif action == "reject":
            services.correction_reject(correction=correction, reviewer=request.user, review_note=note)
            self.message_user(request, "Correction rejected.")
        else:
            services.correction_revert(correction=correction, reviewer=request.user, review_note=note)
            self.message_user(
                request, "Returned to the crawled value; the model is being re-read and rescored."
            )

    @admin.action(description="Approve selected corrections (applies them; you must not be the submitter)")
    def approve_selected(self, request, queryset):
        if not request.user.has_perm(REVIEW_PERMISSION):
            self.message_user(request, "You may submit corrections but not review them.", messages.ERROR)
            return
        done = 0
        for correction in queryset:
            try:
                services.correction_approve(correction=correction, reviewer=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{correction}: {'; '.join(exc.messages)}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} correction(s) approved.")


@admin.register(CorrectionEvent)
class CorrectionEventAdmin(admin.ModelAdmin):
    """The audit trail: every step of every correction, read-only."""

    list_display = ("at", "correction", "action", "actor_name", "note")
    list_filter = ("action", "at")
    search_fields = ("correction__model__repo_id", "actor_name", "note")
    list_select_related = ("correction", "correction__model")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DismissForm(forms.Form):
    note = forms.CharField(
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why the report is dismissed (kept with the report)",
    )


@admin.register(ProblemReport)
class ProblemReportAdmin(admin.ModelAdmin):
    """Public reports: a reviewer turns one into a correction or dismisses it with a reason."""

    list_display = (
        "triage_link",
        "created_at",
        "model",
        "topic",
        "proposed_level",
        "short_description",
        "status",
        "triaged_by",
    )
    list_display_links = ("created_at",)
    list_filter = ("status", "topic", "created_at")
    search_fields = ("model__repo_id", "description")
    list_select_related = ("model", "triaged_by")
    readonly_fields = (
        "model",
        "topic",
        "proposed_level",
        "description",
        "evidence_url",
        "contact_email",
        "created_at",
        "status",
        "triaged_by",
        "triaged_at",
        "triage_note",
        "correction",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # reports come from the public form

    def has_change_permission(self, request, obj=None):
        return False  # triage happens on the triage page

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="what is wrong")
    def short_description(self, obj):
        return obj.description[:120]

    @admin.display(description="")
    def triage_link(self, obj):
        return format_html(
            '<a class="triage-link" href="{}">{}</a>',
            reverse("admin:corrections_problemreport_triage", args=[obj.pk]),
            "Triage" if obj.status == ProblemReport.Status.OPEN else "View",
        )

    def get_urls(self):
        own = [
            path(
                "<int:pk>/triage/",
                self.admin_site.admin_view(self.triage_view),
                name="corrections_problemreport_triage",
            )
        ]
        return own + super().get_urls()

    def triage_view(self, request, pk: int):
        report = get_object_or_404(
            ProblemReport.objects.select_related("model", "triaged_by", "correction"), pk=pk
        )
        if not self.has_view_permission(request, report):
            raise PermissionDenied
        can_triage = request.user.has_perm("corrections.change_problemreport")
        form = DismissForm(request.POST or None)
        if request.method == "POST":
            if not can_triage:
                raise PermissionDenied
            if form.is_valid():
                try:
                    services.report_dismiss(
                        report=report, reviewer=request.user, note=form.cleaned_data["note"]
                    )
                except ValidationError as exc:
                    form.add_error("note", "; ".join(exc.messages))
                else:
                    self.message_user(request, "Report dismissed.")
                    return HttpResponseRedirect(reverse("admin:corrections_problemreport_triage", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Report on {report.model.repo_id}",
            "report": report,
            "form": form,
            "open": report.status == ProblemReport.Status.OPEN,
            "can_triage": can_triage,
            "can_submit": request.user.has_perm("corrections.add_correction"),
            "correction_url": reverse("admin:corrections_correction_add") + f"?report={report.pk}",
        }
        return TemplateResponse(request, "admin/corrections/problemreport/triage.html", context)
