"""The openness dimensions: the one list of what a model is judged on.

Everything that used to write the dimensions out one by one reads them from ``ALL`` below:
the rubric's keys, labels and methodology weights, and the loop that calls the judges; the
Score columns the selectors rank and the badge reads; the leaderboard's and the API's level
filters and sorts; the API's ``levels`` object; the download and dump columns; the badge
letters; the admin columns; the leaderboard, model, compare and methodology pages; the
score history. ``tests/scoring/test_dimensions.py`` checks that every entry has its column,
filter, API field, export column and page section. Adding a dimension:
docs/adding-a-dimension.md.

The order of ``ALL`` is the order everywhere (columns, judgments, badge segments, CSV).

This module imports nothing from the project: the rubric imports it, so each judge is
looked up in ``scoring.rubric`` by name the first time it is called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from typing import Any

# The rubric's keys (judgments, methodology weights, score history, overrides).
WEIGHTS = "weights"
DATA = "training_data"
CODE = "training_code"
LICENSE = "license"


@dataclass(frozen=True)
class Dimension:
    key: str  # the rubric's key; also the sort parameter
    label: str  # model page, compare page, methodology weights table
    letter: str  # badge segments and the score history ("W open, D closed, ...")
    heading: str  # the leaderboard's column heading
    column: str  # the Score column holding the level (schema: needs a migration)
    api_field: str  # the key in the API's "levels" object
    export_column: str  # the column of the CSV/JSON downloads and the dump
    filter_name: str  # the level filter's parameter (leaderboard, downloads, API)
    filter_label: str  # the level filter's label on the leaderboard form
    judge_name: str  # the judge in scoring.rubric: judge(facts, bases, lineage_problem)

    @property
    def sort_key(self) -> str:
        """The ``sort`` value that orders by this level (most open first)."""
        return self.key

    @property
    def rank(self) -> str:
        """The annotation a level sort orders by (levels sort by openness, not alphabetically)."""
        return f"{self.column}_rank"

    @cached_property
    def judge(self) -> Callable[..., Any]:
        """The rubric's judge: a ``Judgment``, or for the license ``(Judgment, license_key, conflict)``."""
        return getattr(import_module("scoring.rubric"), self.judge_name)


ALL: tuple[Dimension, ...] = (
    Dimension(
        key=WEIGHTS,
        label="Weights",
        letter="W",
        heading="Weights",
        column="weights",
        api_field="weights",
        export_column="weights",
        filter_name="weights",
        filter_label="Weights",
        judge_name="judge_weights",
    ),
    Dimension(
        key=DATA,
        label="Training data",
        letter="D",
        heading="Data",
        column="training_data",
        api_field="training_data",
        export_column="training_data",
        filter_name="training_data",
        filter_label="Training data",
        judge_name="judge_data",
    ),
    Dimension(
        key=CODE,
        label="Training code",
        letter="C",
        heading="Code",
        column="training_code",
        api_field="training_code",
        export_column="training_code",
        filter_name="training_code",
        filter_label="Training code",
        judge_name="judge_code",
    ),
    Dimension(
        key=LICENSE,
        label="License",
        letter="L",
        heading="License",
        column="license",
        api_field="license",
        # "license" is taken in both places by the effective license key
        export_column="license_grade",
        filter_name="license_grade",
        filter_label="License grade",
        judge_name="judge_license",
    ),
)

KEYS: tuple[str, ...] = tuple(d.key for d in ALL)
COLUMNS: tuple[str, ...] = tuple(d.column for d in ALL)
BY_KEY: dict[str, Dimension] = {d.key: d for d in ALL}


def _check() -> None:
    """Every name a dimension gives must be its own (two dimensions sharing one would silently
    overwrite each other's column, filter, API field or export column)."""
    for attribute in ("key", "letter", "column", "api_field", "export_column", "filter_name", "judge_name"):
        values = [getattr(d, attribute) for d in ALL]
        if len(set(values)) != len(values):
            raise ValueError(f"scoring.dimensions: two dimensions share a {attribute}: {values}")


_check()
