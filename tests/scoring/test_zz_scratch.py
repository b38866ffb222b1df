import time, json
import pytest
from django.core.management import call_command
from scoring.models import Score
from catalog.models import AIModel, LineageEdge
pytestmark = pytest.mark.django_db

def test_scratch(snapshot_hub):
    call_command("crawl", "--no-progress")
    out = []
    for s in Score.objects.select_related("detail").order_by("repo_id"):
        m = AIModel.objects.get(pk=s.model_id)
        out.append(dict(repo_id=s.repo_id, w=s.weights, d=s.training_data, c=s.training_code, l=s.license, total=s.total,
            key=s.license_key, label=s.license_label, conflict=s.detail.license_conflict, listed=s.is_listed, deriv=s.is_derivative,
            gated=m.gated, declared=m.license_declared, lname=m.license_name, llink=m.license_link,
            bases=[(e.parent.repo_id, e.relation, e.origin) for e in LineageEdge.objects.filter(child=m).select_related("parent")],
            rationale={k: v["rationale"] for k, v in s.detail.judgments.items()}))
    json.dump(out, open("/tmp/scratch/scores.json", "w"), indent=1, default=str)
