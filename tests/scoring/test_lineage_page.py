"""The lineage a model page shows: bases nearest first, each once, loops told from diamonds."""

from __future__ import annotations

import itertools

import pytest

from catalog.models import AIModel, LineageEdge
from scoring.selectors import MAX_LINEAGE_DEPTH, _lineage_chain

pytestmark = pytest.mark.django_db


def models(*names: str) -> dict[str, AIModel]:
    return {n: AIModel.objects.create(repo_id=f"org/{n}", name=n) for n in names}


def edge(child: AIModel, parent: AIModel, relation: str = "finetune") -> None:
    LineageEdge.objects.create(child=child, parent=parent, relation=relation, origin="card")


def names(chain) -> list[tuple[str, str]]:
    return [(base.name, relation) for base, relation in chain]


def test_a_chain_is_listed_nearest_first_in_one_query(django_assert_num_queries):
    m = models("q", "ft", "base", "root")
    edge(m["q"], m["ft"], "quantized")
    edge(m["ft"], m["base"])
    edge(m["base"], m["root"], "adapter")
    with django_assert_num_queries(1):
        chain, cycle = _lineage_chain(m["q"].pk)
    assert names(chain) == [("ft", "quantized"), ("base", "finetune"), ("root", "adapter")]
    assert cycle is False


def test_a_merge_lists_its_parents_by_name_then_theirs():
    m = models("merged", "zeta", "alpha", "grand")
    edge(m["merged"], m["zeta"], "merge")
    edge(m["merged"], m["alpha"], "merge")
    edge(m["zeta"], m["grand"])
    assert names(_lineage_chain(m["merged"].pk)[0]) == [
        ("alpha", "merge"),
        ("zeta", "merge"),
        ("grand", "finetune"),
    ]


def test_a_diamond_shows_the_shared_base_once_and_is_not_a_loop():
    m = models("top", "left", "right", "shared")
    edge(m["top"], m["left"], "merge")
    edge(m["top"], m["right"], "merge")
    edge(m["left"], m["shared"])
    edge(m["right"], m["shared"])
    chain, cycle = _lineage_chain(m["top"].pk)
    assert names(chain) == [("left", "merge"), ("right", "merge"), ("shared", "finetune")]
    assert cycle is False


@pytest.mark.parametrize(
    "loop",
    [
        [("a", "b"), ("b", "a")],  # through the model itself
        [("a", "b"), ("b", "c"), ("c", "b")],  # above the model
    ],
)
def test_a_loop_is_reported_and_listing_ends(loop):
    m = models("a", "b", "c")
    for child, parent in loop:
        edge(m[child], m[parent])
    chain, cycle = _lineage_chain(m["a"].pk)
    assert cycle is True
    shown = [base.name for base, _ in chain]
    assert len(shown) == len(set(shown))  # nobody twice, however long the loop runs


def test_depth_is_bounded():
    chain_models = [AIModel.objects.create(repo_id=f"org/m{i:02d}", name=f"m{i:02d}") for i in range(20)]
    for child, parent in itertools.pairwise(chain_models):
        edge(child, parent)
    chain, cycle = _lineage_chain(chain_models[0].pk)
    assert len(chain) == MAX_LINEAGE_DEPTH
    assert [b.name for b, _ in chain][:2] == ["m01", "m02"]
    assert cycle is False


def test_a_model_without_bases():
    m = models("alone")
    assert _lineage_chain(m["alone"].pk) == ([], False)
