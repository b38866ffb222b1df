"""The MOF class of every snapshot model that the Model Openness Tool also classifies, against MOT.

MOT's class for a record (tests/data/mot-data/derived/mot-recomputed-classes.csv) rests on what
its submitters declared; ours on what the crawler read. The index shows the class its evidence
supports (the floor) and, when it cannot read something MOF asks about (a paper's licence,
intermediate checkpoints, evaluation data), the highest class it could be (the ceiling). So for
every shared model, either MOT's class is the one we show, or it lies between our floor and our
ceiling (the page says what was not read), or the difference is explained in ``EXPLAINED``
and in docs/mof.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scoring.labels import mof_rank
from scoring.models import Score
from scoring.services import methodology_current
from tests.scoring.test_rescore import crawled  # noqa: F401  (the snapshot, crawled once)

pytestmark = pytest.mark.django_db
MOT_CLASSES = (
    Path(__file__).resolve().parents[1] / "data" / "mot-data" / "derived" / "mot-recomputed-classes.csv"
)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "mof.md"

# repo id -> why our class differs from MOT's (each must still differ, and docs/mof.md names it)
EXPLAINED = {
    "eleutherai/pythia-1b": "the Pile",
    "eleutherai/pythia-6.9b": "the Pile",
    "llm360/amber": "cites no paper",
    "ibm-granite/granite-20b-code-instruct-8k": "no code repository",
    "ibm-granite/granite-4.0-h-small": "Model architecture: missing",
    "ibm-granite/granite-4.0-h-small-base": "not in the snapshot",
    "eleutherai/pythia-12b": "only as the base of dolly-v2-12b",
}


def mot_classes() -> dict[str, set[int]]:
    classes: dict[str, set[int]] = {}
    with MOT_CLASSES.open(newline="") as handle:
        for row in csv.DictReader(handle):
            repo = (
                (row["huggingface"] or "").strip().rstrip("/").lower().removeprefix("https://huggingface.co/")
            )
            if repo:
                classes.setdefault(repo, set()).add(int(row["mof_class"]))
    return classes


@pytest.fixture(scope="module")
def shared(crawled, django_db_blocker):  # noqa: F811
    mot = mot_classes()
    with django_db_blocker.unblock():
        scores = Score.objects.filter(methodology=methodology_current()).select_related("detail")
        ours = {s.repo_id.lower(): (s.mof_class, s.detail.mof_ceiling, s.detail.mof_unread) for s in scores}
    return {repo: (mot[repo], ours.get(repo)) for repo in mot if repo in ours or repo in EXPLAINED}


def test_the_snapshot_shares_enough_models_with_mot_to_mean_something(shared):
    assert len(shared) >= 30


def test_every_shared_model_gets_mots_class_or_a_stated_reason(shared):
    unexplained = []
    for repo, (mot_set, ours) in sorted(shared.items()):
        if repo in EXPLAINED:
            continue
        floor, ceiling, unread = ours
        for mot in mot_set:
            if mot == floor:
                continue
            if unread and mof_rank(floor) <= mof_rank(mot) <= mof_rank(ceiling):
                continue  # the page shows the range and names what was not read
            unexplained.append(f"{repo}: MOT {mot}, ours {floor} (ceiling {ceiling})")
    assert unexplained == []


def test_every_explained_difference_is_still_a_difference_and_is_documented(shared):
    text = DOCS.read_text()
    for repo, words in EXPLAINED.items():
        assert repo in text, f"docs/mof.md must explain {repo}"
        assert words in text, f"docs/mof.md must explain {repo} ({words})"
        mot_set, ours = shared[repo]
        if ours is None:
            continue  # not in the snapshot: nothing to compare
        floor, ceiling, _ = ours
        assert any(not (mof_rank(floor) <= mof_rank(mot) <= mof_rank(ceiling)) for mot in mot_set), (
            f"{repo} now agrees with MOT: remove it from EXPLAINED"
        )


def test_a_ceiling_always_names_what_was_not_read(shared):
    for repo, (_, ours) in shared.items():
        if ours is None:
            continue
        floor, ceiling, unread = ours
        assert (ceiling != floor) == bool(unread), repo


def test_olmo_shows_the_class_its_evidence_supports_and_what_could_raise_it(crawled, client):  # noqa: F811
    score = Score.objects.select_related("detail").get(
        repo_id="allenai/OLMo-7B", methodology=methodology_current()
    )
    assert (score.mof_class, score.detail.mof_ceiling) == (0, 1)
    page = client.get("/models/allenai/OLMo-7B/").content.decode()
    assert "Could be as high as <strong>Class I</strong>" in page
    assert "arXiv licences are not read" in page
    api = client.get("/api/v1/models/allenai/OLMo-7B/").json()
    assert api["mof"]["ceiling"] == 1
    assert api["mof"]["class"] is None
    assert any("intermediate checkpoints" in item for item in api["mof"]["not_read"])
