"""Bases a card names in prose by a name, not a Hub id (methodology v2, clarification 1).

"Finetuned from model: CodeLlama-7B": the name is resolved to a Hub id when exactly one
catalogued repository carries that name; otherwise the model is a derivative whose base part
is unknown, with the name shown.
"""

from __future__ import annotations

from django.db.models import Q

from catalog.models import AIModel


def base_name_resolve(name: str, *, exclude_repo_id: str) -> str | None:
    spellings = {name.strip(), name.strip().replace(" ", "-")}
    query = Q()
    for spelling in spellings:
        query |= Q(name__iexact=spelling)
    ids = list(
        AIModel.objects.filter(query)
        .exclude(repo_id__iexact=exclude_repo_id)
        .values_list("repo_id", flat=True)[:2]
    )
    return ids[0] if len(ids) == 1 else None
