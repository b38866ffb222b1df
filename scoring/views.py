from django.shortcuts import render

from catalog.models import AIModel


def leaderboard(request):
    models = AIModel.objects.filter(is_placeholder=False).order_by("-downloads", "repo_id")[:100]
    return render(request, "leaderboard.html", {"models": models, "total": AIModel.objects.count()})
