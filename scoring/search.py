"""The name search of the leaderboard and the API: how people type model names.

People write "llama 3", "Qwen2.5 7b", "deepseek r1", "allenai olmo" or paste an id; the Hub
spells the same names "Llama-3.1-8B", "Qwen2.5-7B-Instruct", "DeepSeek-R1",
"allenai/OLMo-2-1124-7B". Both sides are folded the same way (lower case, without the
separators ``- _ . space``) and compared as substrings:

- the query is cut into groups: a bare version number belongs to the word before it
  ("llama 3 8b" -> ``llama3``, ``8b``; "qwen 2.5" -> ``qwen25``), so it stays attached to its
  family and "llama 3" does not find Llama-2-13b; other words stand alone ("apache 7b");
- every group must occur, in any order, in the model id, the organization or the licence
  label ("llama apache" finds Llama fine-tunes under Apache-2.0);
- results are ranked by relevance (the model's name or id equal to the query, then the name
  starting with it, then every other match), then by popularity (downloads).

Ranking every match would sort them all: a common word ("llama") matches a hundred thousand
models at the Hub's size. The two best classes are found through the prefix index on the
folded name (``Score.search_name``), which only a few models share; every other match is in
download order, which the download index walks (``scoring.selectors.leaderboard_page``).

The folded text is stored per score row (``Score.search_text``, refreshed on every rescore) so
PostgreSQL serves the substring tests from one trigram index (scoring migration 0009): folding
also makes the index selective, since "org-3" folds to ``org3``, whose trigram ``rg3`` is rare,
where the unfolded "org" matched nearly every row.
"""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, Value, When

SEARCH_TEXT_LENGTH = 600
MAX_WORDS = 8
_VERSION = re.compile(r"v?\d+(\.\d+)*", re.IGNORECASE)  # "3", "2.5", "v1.5"
_DROPPED = str.maketrans("", "", "-_.|")  # "|" separates the parts of the stored text


def fold(text: str) -> str:
    """Lower case, without separators and white space: "Llama-3.1 8B" -> "llama318b"."""
    return "".join(text.lower().split()).translate(_DROPPED)


def search_text(repo_id: str, organization_name: str, license_label: str) -> str:
    """``<id>|[<organization>|]<licence>``; the organization only when the id does not start
    with it (on the Hub it nearly always does)."""
    folded_id = fold(repo_id)
    parts = [folded_id]
    organization = fold(organization_name)
    if organization and not folded_id.startswith(organization + "/"):
        parts.append(organization)
    parts.append(fold(license_label))
    return "|".join(parts)[:SEARCH_TEXT_LENGTH]


def search_name(repo_id: str) -> str:
    """The model's name without its organization, folded: "allenai/OLMo-2-7B" -> "olmo27b"."""
    return fold(repo_id.rsplit("/", 1)[-1])[:200]


def groups(query: str) -> list[str]:
    """The folded groups of ``query`` that must all occur (see the module docstring)."""
    out: list[str] = []
    previous_was_version = True
    for word in query.split()[:MAX_WORDS]:
        folded = fold(word)
        if not folded:
            continue
        is_version = _VERSION.fullmatch(word) is not None
        if is_version and out and not previous_was_version:
            out[-1] += folded
        else:
            out.append(folded)
        previous_was_version = is_version
    return out


def matches(query: str) -> Q | None:
    """Rows holding every group; None when the query has no word."""
    found = groups(query)
    if not found:
        return None
    condition = Q()
    for group in found:
        condition &= Q(search_text__contains=group)
    return condition


def phrase(query: str) -> str:
    """The query's groups run together: what a best match's name starts with."""
    return "".join(groups(query))


def relevance_classes(query: str) -> list[Q] | None:
    """The matches of each relevance class, best first: the name is the query, the name starts
    with it, every other match. Each is read in download order on its own (the name's prefix
    index finds the first two; the download index walks the third), which gives the ranked order
    without ranking every match. None when the phrase holds a "/" (an id was typed: its matches
    are few, ranking them all is cheap)."""
    found = phrase(query)
    if not found or "/" in found:
        return None
    exact, starts = Q(search_name=found), Q(search_name__startswith=found)
    return [exact, starts & ~exact, ~starts]


def relevance(query: str) -> Case:
    """0: the model's name (or the whole id) is the query; 1: the name (or the id) starts with
    it; 2: every other match. Evaluated on matching rows only."""
    found = phrase(query)
    if "/" in found:  # an id typed whole or in part: the folded id starts the stored text
        exact, starts = Q(search_text__startswith=f"{found}|"), Q(search_text__startswith=found)
    else:  # a name: exactly the classes of relevance_classes(), so both ways of paging agree
        exact, starts = Q(search_name=found), Q(search_name__startswith=found)
    return Case(
        When(exact, then=Value(0)),
        When(starts, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
