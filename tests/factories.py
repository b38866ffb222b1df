"""Rows for tests that need a few models, scores or corrections, not a crawl of the snapshot."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from catalog import choices
from catalog.models import AIModel, Organization
from corrections.models import Correction
from scoring import dimensions
from scoring.levels import POINTS
from scoring.models import MethodologyVersion, Score, ScoreDetail
from scoring.search import search_name, search_text


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"org{n}")


class AIModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AIModel

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"model-{n}")
    repo_id = factory.LazyAttribute(lambda m: f"{m.organization.name}/{m.name}")
    downloads = 1000


class ScoreFactory(factory.django.DjangoModelFactory):
    """A score under the current methodology; the total follows the levels (equal weights)."""

    class Meta:
        model = Score
        skip_postgeneration_save = True

    model = factory.SubFactory(AIModelFactory)
    methodology = factory.LazyFunction(lambda: MethodologyVersion.objects.get(is_current=True))
    weights = "open"
    training_data = "closed"
    training_code = "closed"
    license = "open"
    repo_id = factory.LazyAttribute(lambda s: s.model.repo_id)
    organization_name = factory.LazyAttribute(
        lambda s: s.model.organization.name if s.model.organization else ""
    )
    search_text = factory.LazyAttribute(
        lambda s: search_text(s.repo_id, s.organization_name, getattr(s, "license_label", ""))
    )
    search_name = factory.LazyAttribute(lambda s: search_name(s.repo_id))
    outputs_hash = factory.Sequence(lambda n: f"{n:032x}")
    is_notable = True
    total = factory.LazyAttribute(
        lambda s: round(
            100 * sum(POINTS[getattr(s, d.column)] for d in dimensions.ALL) / len(dimensions.ALL), 1
        )
    )
    detail = factory.RelatedFactory("tests.factories.ScoreDetailFactory", factory_related_name="score")


class ScoreDetailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoreDetail

    judgments = factory.LazyAttribute(
        lambda d: {
            dim.key: {
                "level": getattr(d.score, dim.column),
                "rationale": "set by a factory",
                "origin": "crawled",
                "evidence": [],
            }
            for dim in dimensions.ALL
        }
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correction

    model = factory.SubFactory(AIModelFactory)
    fact = choices.CorrectionFact.LICENSE
    value = factory.LazyFunction(lambda: {"license": "apache-2.0"})
    evidence_url = "https://example.org/licence"
    submitted_by = factory.SubFactory(UserFactory)
