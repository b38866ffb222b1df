"""A hub that changes over simulated days: the churn a crawler meets on the real Hub.

``ChurnHub`` holds ``size`` generated models (a ``SnapshotHub``, so every route, redirect
and error behaves as for the snapshot) and ``evolve`` applies one day of change at the
given daily rates, each a fraction of the current models:

* ``new``: models created (the Hub grew from about 1 million models in September 2024 to
  about 2 million in mid-2025: roughly 3,000 a day, 0.3 % of the Hub; estimate);
* ``commits``: models pushed to (a new sha and lastModified);
* ``drift``: download counts that change without a commit (the Hub's ``downloads`` is a
  rolling 30-day count, so most active models move every day), likes too;
* ``gates``: gates switched on without a commit;
* ``renames``, ``deletions``, ``privatisations``: repositories that move or disappear
  (the old id of a renamed repo redirects to the new one, a deleted one answers 404, a
  private one 401).

The rare events' rates are estimates (the Hub publishes no such figures); ``REALISTIC``
documents them, ``STRESS`` multiplies them so a few hundred models see every kind of event
in two weeks. ``truth`` is what an index of the public Hub must hold after the day's passes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from standin.hub import SnapshotHub

REALISTIC = {
    "new": 0.003,
    "commits": 0.01,
    "drift": 0.30,
    "gates": 0.0001,
    "renames": 0.0001,
    "deletions": 0.0005,
    "privatisations": 0.0002,
}
STRESS = {
    "new": 0.02,
    "commits": 0.03,
    "drift": 0.5,
    "gates": 0.01,
    "renames": 0.01,
    "deletions": 0.01,
    "privatisations": 0.01,
}
LICENSES = ["apache-2.0", "mit", "llama3.1", "cc-by-nc-4.0", "other", None]


@dataclass
class DayEvents:
    day: int
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class ChurnHub(SnapshotHub):
    seed: int = 13
    rates: dict[str, float] = field(default_factory=lambda: dict(REALISTIC))
    next_number: int = 0
    renamed: dict[str, str] = field(default_factory=dict)  # every old id -> its current id
    deleted: set[str] = field(default_factory=set)
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def generate(
        cls, size: int, *, seed: int = 13, rates: dict[str, float] | None = None, now: float = 0.0
    ) -> ChurnHub:
        hub = cls(seed=seed, rates=dict(rates or REALISTIC))
        hub.rng = random.Random(seed)
        for _ in range(size):
            hub._create(now)
        return hub

    @staticmethod
    def _iso(moment: float) -> str:
        return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def _create(self, now: float) -> str:
        number = self.next_number
        self.next_number += 1
        repo_id = f"org{number % 97:02d}/model-{number:06d}"
        licence = self.rng.choice(LICENSES)
        self.add_model(
            {
                "id": repo_id,
                "downloads": int(self.rng.paretovariate(1.2) * 50),
                "likes": int(self.rng.paretovariate(1.5) * 2),
                "lastModified": self._iso(now),
                "createdAt": self._iso(now),
                "pipeline_tag": "text-generation",
                "tags": ["transformers", *([f"license:{licence}"] if licence else [])],
                "cardData": {"license": licence} if licence else {},
            }
        )
        return repo_id

    def _pick(self, rate: float, pool: list[str]) -> list[str]:
        count = int(len(pool) * rate)
        if self.rng.random() < len(pool) * rate - count:  # the fraction, on average
            count += 1
        return self.rng.sample(pool, min(count, len(pool)))

    def public_ids(self) -> list[str]:
        return sorted(r["id"] for r in self.models.values() if not r.get("private"))

    def evolve(self, day: int, now: float) -> DayEvents:
        """One day of change at ``self.rates``; ``now`` is the stand-in clock's time."""
        events = DayEvents(day)
        when = self._iso(now)
        public = self.public_ids()
        drifted = self._pick(self.rates["drift"], public)
        for repo_id in drifted:  # counts move, the sha does not
            record = self.models[repo_id]
            scaled = int(record["downloads"] * self.rng.uniform(0.6, 1.6))
            record["downloads"] = max(0, scaled + self.rng.randint(0, 30))
            if self.rng.random() < 0.1:
                record["likes"] += self.rng.randint(1, 5)
        events.counts["drift"] = len(drifted)
        touched = self._pick(self.rates["commits"], public)
        self.touch(touched, when)
        events.counts["commits"] = len(touched)
        ungated = [i for i in public if not self.models[i].get("gated")]
        gated = self._pick(self.rates["gates"], ungated)
        for repo_id in gated:
            self.models[repo_id]["gated"] = self.rng.choice(["auto", "manual"])
        events.counts["gates"] = len(gated)
        candidates = [i for i in public if i not in set(touched) | set(gated)]
        renamed = self._pick(self.rates["renames"], candidates)
        for old in renamed:
            name = old.split("/")[1]
            new = f"{old}-v2" if self.rng.random() < 0.5 else f"moved{self.next_number % 13}/{name}"
            if new in self.models or new in self.model_redirects:
                new = f"{new}-{self.next_number}"
            self.rename_model(old, new)
            for source, target in list(self.renamed.items()):
                if target == old:
                    self.renamed[source] = new
            self.renamed[old] = new
        events.counts["renames"] = len(renamed)
        remaining = [i for i in candidates if i not in set(renamed)]
        deleted = self._pick(self.rates["deletions"], remaining)
        for repo_id in deleted:
            self.delete_model(repo_id)
            self.deleted.add(repo_id)
            for source, target in list(self.model_redirects.items()):
                if target == repo_id:  # the Hub does not redirect to a deleted repository
                    del self.model_redirects[source]
        events.counts["deletions"] = len(deleted)
        remaining = [i for i in remaining if i not in set(deleted)]
        hidden = self._pick(self.rates["privatisations"], remaining)
        for repo_id in hidden:
            self.make_private(repo_id)
        events.counts["privatisations"] = len(hidden)
        created = [self._create(now) for _ in range(len(self._pick(self.rates["new"], public)))]
        events.counts["new"] = len(created)
        return events

    def current_id(self, repo_id: str) -> str | None:
        """Where an id now lives: itself, its rename target, or None (deleted)."""
        target = self.renamed.get(repo_id, repo_id)
        return target if target in self.models else None

    def record(self, repo_id: str) -> dict[str, Any]:
        return self.models[repo_id]
