"""Hub collections linked in a card's training section are expanded into training datasets.

Through the real client against the stand-in, which answers GET /api/collections/{slug} as the
Hub does (huggingface_hub ``get_collection``): items with ``id`` and ``type``; a private
collection is a 404 to anyone but its owner. What cannot be read leaves the training data
unknown, never closed (methodology v2: unknown means unread).
"""

from __future__ import annotations

import pytest

from catalog import choices
from catalog.ingest import crawl
from catalog.models import CrawlFailure, Dataset, ModelDataset
from scoring.models import Score
from scoring.services import methodology_current, rescore

pytestmark = pytest.mark.django_db

SLUG = "org/training-mix-6751a6e1f0e2b3c4d5e6f7a8"


def _card(slug: str = SLUG) -> str:
    return (
        f"# A model\n\n## Training data\n\nTrained on [our mix](https://huggingface.co/collections/{slug}).\n"
    )


def _add_model(hub, repo_id: str, readme: str) -> None:
    hub.add_model(
        {
            "id": repo_id,
            "sha": "5" * 40,
            "cardData": {"license": "apache-2.0"},
            "tags": ["license:apache-2.0"],
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
        },
        readme=readme,
    )


def _add_collection(hub, slug: str = SLUG, *, items=(), private: bool = False) -> None:
    hub.add_collection({"slug": slug, "title": "Training mix", "private": private, "items": list(items)})


def _crawl_and_score(repo_id: str) -> tuple[crawl.ModelCrawlResult, Score]:
    model = crawl.model_get_or_placeholder(repo_id)
    result = crawl.model_crawl(model=model)
    for dataset in Dataset.objects.all():
        crawl.dataset_crawl(dataset=dataset)
    rescore(model_ids=[model.pk])
    return result, Score.objects.select_related("detail").get(model=model, methodology=methodology_current())


def _data(score: Score) -> dict:
    return score.detail.judgments["training_data"]


def test_the_datasets_of_a_linked_collection_become_training_data(tiny_hub):
    tiny_hub.hub.add_dataset(
        {"id": "org/web-part", "cardData": {"license": "odc-by"}, "tags": ["license:odc-by"]}
    )
    tiny_hub.hub.add_dataset({"id": "org/code-part", "cardData": {"license": "mit"}, "tags": ["license:mit"]})
    _add_collection(
        tiny_hub.hub,
        items=[
            {"id": "org/web-part", "type": "dataset"},
            {"id": "org/code-part", "type": "dataset"},
            {"id": "org/sibling-model", "type": "model"},  # a model in the collection is not data
            {"id": "2402.00838", "type": "paper"},
        ],
    )
    _add_model(tiny_hub.hub, "org/collected", _card())
    result, score = _crawl_and_score("org/collected")
    assert result.message == ""
    linked = set(
        ModelDataset.objects.filter(model__repo_id="org/collected").values_list("dataset__repo_id", flat=True)
    )
    assert linked == {"org/web-part", "org/code-part"}
    assert _data(score)["level"] == "open"
    assert "2 datasets" in _data(score)["rationale"]


@pytest.mark.parametrize(
    ("collection", "note"),
    [
        ({"private": True}, "private or deleted"),
        (None, "not in the stand-in's snapshot"),
    ],
    ids=["private", "not-captured"],
)
def test_an_unreadable_collection_leaves_the_training_data_unknown_not_closed(tiny_hub, collection, note):
    if collection is not None:
        _add_collection(tiny_hub.hub, items=[{"id": "org/hidden", "type": "dataset"}], **collection)
    _add_model(tiny_hub.hub, "org/behind-collection", _card())
    result, score = _crawl_and_score("org/behind-collection")
    assert note in result.message
    assert _data(score)["level"] == "unknown"
    assert SLUG in _data(score)["rationale"]
    assert CrawlFailure.objects.filter(
        subject_key="org/behind-collection", stage=choices.CrawlStage.README, message__contains=SLUG
    ).exists()


def test_an_empty_collection_is_noted_and_names_nothing(tiny_hub):
    _add_collection(tiny_hub.hub, items=[])
    _add_model(tiny_hub.hub, "org/empty-mix", _card())
    result, score = _crawl_and_score("org/empty-mix")
    assert "lists no datasets" in result.message
    assert _data(score)["level"] == "closed"


def test_an_unreadable_collection_beside_open_datasets_makes_the_data_partial_not_open(tiny_hub):
    tiny_hub.hub.add_dataset({"id": "org/known", "cardData": {"license": "mit"}, "tags": ["license:mit"]})
    readme = _card() + "Also [known](https://huggingface.co/datasets/org/known).\n"
    _add_model(tiny_hub.hub, "org/half-known", readme)
    _, score = _crawl_and_score("org/half-known")
    assert _data(score)["level"] == "partial"
    assert "could not be read" in _data(score)["rationale"]


def test_collections_over_the_cap_are_not_fetched_and_say_so(tiny_hub, settings):
    settings.CRAWL_MAX_COLLECTIONS_PER_CARD = 1
    second = "org/second-mix-6751a6e1f0e2b3c4d5e6f7a9"
    _add_collection(tiny_hub.hub, items=[])
    _add_collection(tiny_hub.hub, second, items=[{"id": "org/never-read", "type": "dataset"}])
    readme = _card() + f"And [more](https://huggingface.co/collections/{second}).\n"
    _add_model(tiny_hub.hub, "org/two-mixes", readme)
    before = tiny_hub.stats["collection"]
    result, _ = _crawl_and_score("org/two-mixes")
    assert tiny_hub.stats["collection"] - before == 1
    assert "collections over the cap of 1: 1 not expanded" in result.message
    assert not Dataset.objects.filter(repo_id="org/never-read").exists()


# --- corpora named in plain text, resolved among the organisation's Hub datasets ---------------


def _prose_card(sentence: str) -> str:
    return f"# A model\n\n## Training data\n\n{sentence}\n"


def test_a_corpus_named_in_prose_resolves_to_the_organisations_dataset_of_that_name(tiny_hub):
    tiny_hub.hub.add_dataset(
        {"id": "org/dolma", "tags": ["license:odc-by"], "cardData": {"license": "odc-by"}}
    )
    tiny_hub.hub.add_dataset({"id": "org/dolma-sample", "tags": ["license:odc-by"]})  # a longer name: not it
    tiny_hub.hub.add_dataset({"id": "elsewhere/pile", "tags": ["license:mit"]})  # another organisation
    _add_model(tiny_hub.hub, "org/prose", _prose_card("Pretrained on Dolma and on the Pile."))
    _, score = _crawl_and_score("org/prose")
    linked = dict(
        ModelDataset.objects.filter(model__repo_id="org/prose").values_list(
            "dataset__repo_id", "dataset__status"
        )
    )
    assert linked["org/dolma"] == "available"
    assert "elsewhere/pile" not in linked
    assert any(name.lower().endswith("pile") and status == "external" for name, status in linked.items())
    assert _data(score)["level"] == "partial"  # Dolma obtainable, the Pile named only


def test_an_ambiguous_name_stays_named(tiny_hub):
    tiny_hub.hub.add_dataset({"id": "org/the-pile", "tags": ["license:mit"]})
    tiny_hub.hub.add_dataset({"id": "org/pile", "tags": ["license:mit"]})
    _add_model(tiny_hub.hub, "org/ambiguous", _prose_card("Trained on the Pile."))
    _crawl_and_score("org/ambiguous")
    linked = set(
        ModelDataset.objects.filter(model__repo_id="org/ambiguous").values_list("dataset__repo_id", flat=True)
    )
    assert not linked & {"org/the-pile", "org/pile"}
    assert tiny_hub.stats["list_datasets"] >= 1
