import pytest
from scoring.models import Score
from catalog.models import AIModel, Dataset, CodeRepository, LineageEdge

pytestmark = pytest.mark.django_db

def test_probe(crawled):
    print("scores", Score.objects.count(), "listed", Score.objects.filter(is_listed=True).count(),
          "notable", Score.objects.filter(is_notable=True).count())
    print("models", AIModel.objects.count(), "datasets", Dataset.objects.count(), "repos", CodeRepository.objects.count())
    for f in ["parameters", "released_at", "last_crawled_at", "pipeline_tag", "modality", "organization_name", "license_key", "mof_class", "osaid_ready", "is_derivative", "license", "weights", "training_data", "training_code", "total", "downloads", "likes"]:
        from django.db.models import Count
        vals = list(Score.objects.filter(is_listed=True).values(f).annotate(n=Count("id")).order_by("-n")[:8])
        print(f, len(Score.objects.filter(is_listed=True).values(f).distinct()), vals)

def test_probe2(crawled):
    from django.db.models import Count
    print(AIModel.objects.filter(hub_created_at__isnull=False).count(), AIModel.objects.filter(parameters__isnull=False).count())
    print(AIModel.objects.values("repo_id", "hub_created_at", "parameters", "downloads", "likes")[:5])
