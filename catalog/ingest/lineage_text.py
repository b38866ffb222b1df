"""Bases a card names in prose by a name, not a Hub id (methodology v2, clarification 1; rule 10 and
card-reading rules version 4).

"Finetuned from model: CodeLlama-7B": the name is resolved to a Hub id when exactly one
catalogued repository carries that name; otherwise the model is a derivative whose base part
is unknown, with the name shown.

Across organisations (version 4) a name is compared by its words: the family, its version and
its size ("Llama-2 13b", "Llama2 70B" and "Llama 2 13B" are llama / 2 / 13b). A catalogued
repository whose name has exactly those words, with at most the Transformers-conversion suffix
``-hf`` after them, is the base when it is the only one: ``Llama-2-13b-hf`` matches, while
``Llama-2-13b-chat-hf`` (a chat variant) and ``Llama-2-13B-GPTQ`` (a quantization) do not. Two or
more such repositories (a mirror beside the original) leave the base unresolved, never a guess.
A name without a size ("Llama 2") is not completed across organisations: the size in the
model's own name does not pin its base's (a pruned or distilled model differs from its base,
as Llama-3_3-Nemotron-Super-49B from Llama-3.3-70B), and a wrong base would turn an honest
"unknown" into a confident "closed". (Within the model's own organisation the crawler still
completes a family name with the model's size, catalog.ingest.crawl._resolve_base_name.) A
name the card also gives as a dataset, or next to a linked Hub model of the
same family and size ("Pythia 12B (see pythia-12b-deduped)"), is not looked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from catalog.models import AIModel

# a size in a model's name: 13b, 70B, 1.5b, 560m (not "v1", "200", "8k" context lengths)
SIZE_WORD_RE = re.compile(r"^\d+(?:\.\d+)?[bm]$")
# suffixes that name a format conversion of the same weights, not another model
CONVERSION_SUFFIXES = ("hf",)
# how many catalogued names are compared for one base name (a family prefix and a size)
MAX_CANDIDATES = 5000


@dataclass(frozen=True)
class Resolution:
    repo_id: str
    how: str  # "exact name" / "family, version and size"


def name_words(name: str) -> list[str]:
    """'Llama-2 13b' -> ['llama', '2', '13b']; 'Llama2 70B' -> ['llama', '2', '70b']."""
    return re.findall(r"[a-z]+|\d+(?:\.\d+)?[a-z]*", name.lower())


def _size_of(words: list[str]) -> str:
    sizes = [w for w in words if SIZE_WORD_RE.match(w)]
    return sizes[0] if len(sizes) == 1 else ""


def _canonical(words: list[str]) -> list[str]:
    while words and words[-1] in CONVERSION_SUFFIXES:
        words = words[:-1]
    return words


def _exact(name: str, exclude_repo_id: str) -> list[str]:
    spellings = {name.strip(), name.strip().replace(" ", "-")}
    query = Q()
    for spelling in spellings:
        query |= Q(name__iexact=spelling)
    return list(
        AIModel.objects.filter(query)
        .exclude(repo_id__iexact=exclude_repo_id)
        .values_list("repo_id", flat=True)[:2]
    )


def _by_words(words: list[str], exclude_repo_id: str) -> list[str]:
    """Catalogued repositories of any organisation whose name is exactly these words (plus -hf)."""
    size = _size_of(words)
    if not words or not words[0].isalpha() or not size:
        return []
    rows = (
        AIModel.objects.filter(name__istartswith=words[0], name__icontains=size)
        .exclude(repo_id__iexact=exclude_repo_id)
        .values_list("repo_id", "name")[:MAX_CANDIDATES]
    )
    return [repo_id for repo_id, name in rows if _canonical(name_words(name)) == words]


def base_name_resolve(name: str, *, exclude_repo_id: str) -> str | None:
    """The one catalogued repository this plain name means, or None (see the module's rules)."""
    found = base_name_resolution(name, repo_id=exclude_repo_id)
    return found.repo_id if found else None


def base_name_resolution(
    name: str,
    *,
    repo_id: str,
    linked_models: tuple[str, ...] | list[str] = (),
    dataset_names: tuple[str, ...] | list[str] = (),
) -> Resolution | None:
    words = name_words(name)
    if not words or words in (_canonical(name_words(d.rsplit("/", 1)[-1])) for d in dataset_names):
        return None  # the card gives this name as its data too
    exact = _exact(name, repo_id)
    if len(exact) == 1:
        found = Resolution(exact[0], "exact name")
    elif exact or not _size_of(words):
        return None  # several, or "Llama 2": which size is not said (see the module's note)
    else:
        matches = _by_words(words, repo_id)
        if len(matches) != 1:
            return None
        found = Resolution(matches[0], "family, version and size")
    linked = [m for m in linked_models if name_words(m.rsplit("/", 1)[-1])[: len(words)] == words]
    if any(m.lower() != found.repo_id.lower() for m in linked):
        return None  # the card links another model of this family and size: that one is meant
    return found
