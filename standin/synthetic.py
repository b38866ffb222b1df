"""A synthetic hub of N models, generated on the fly from a seed.

Model ``i`` is a pure function of (seed, i), so a 100,000-model hub needs no storage and a
page costs only the models on it. The mix follows what the real Hub looks like: most
models are derivatives (fine-tunes, quantizations, adapters, merges) of earlier ones;
licenses are mostly permissive with a long tail of custom, non-commercial, missing and
malformed declarations; some repos are gated; some cards name datasets, some of which
do not exist; a few cards carry metadata of the wrong type.

Order: model 0 has the most downloads and the newest lastModified, so "sorted by
downloads" and "sorted by lastModified" both walk the index upwards, except for models
``touch``-ed since start, which move to the front of the lastModified order.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from standin.hub import FileBody, ListQuery, card_front_matter, dataset_matches, matches

EPOCH = datetime(2026, 11, 1, tzinfo=UTC)
PIPELINES = [
    ("text-generation", 40),
    ("text-classification", 8),
    ("feature-extraction", 6),
    ("sentence-similarity", 5),
    ("automatic-speech-recognition", 5),
    ("text-to-image", 8),
    ("image-classification", 5),
    ("text2text-generation", 4),
    ("image-text-to-text", 5),
    ("text-to-speech", 2),
    ("text-to-audio", 2),
    (None, 10),
]
LICENSES: list[tuple[Any, int]] = [
    ("apache-2.0", 30),
    ("mit", 12),
    ("llama3.1", 5),
    ("llama2", 4),
    ("llama3", 3),
    ("gemma", 3),
    ("cc-by-nc-4.0", 4),
    ("openrail", 2),
    ("creativeml-openrail-m", 3),
    ("cc-by-4.0", 3),
    ("gpl-3.0", 1),
    ("bigscience-openrail-m", 1),
    ("cc-by-sa-4.0", 1),
    ("openrail++", 1),
    ("other", 9),
    ("unknown", 2),
    (None, 12),
    (["apache-2.0", "mit"], 1),
    ("Apache 2.0 license", 1),
]
OTHER_LICENSE_NAMES = [
    ("qwen", "https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/LICENSE"),
    ("deepseek", "https://github.com/deepseek-ai/DeepSeek-V3/blob/main/LICENSE-MODEL"),
    ("mrl", "https://mistral.ai/licenses/MRL-0.1.md"),
    (
        "flux-1-dev-non-commercial-license",
        "https://huggingface.co/black-forest-labs/FLUX.1-dev/blob/main/LICENSE.md",
    ),
    (
        "nvidia-open-model-license",
        "https://developer.download.nvidia.com/licenses/nvidia-open-model-license-agreement-june-2024.pdf",
    ),
    ("my-own-license", "LICENSE"),
]
LIBRARIES = [
    ("transformers", 55),
    ("diffusers", 10),
    ("sentence-transformers", 6),
    ("peft", 8),
    ("gguf", 8),
    ("timm", 3),
    (None, 10),
]
RELATIONS = [("finetune", 50), ("quantized", 25), ("adapter", 15), ("merge", 10)]
DATASET_POOL = 500
MISSING_DATASET_FROM = 400  # synth-data/dataset-400 and above do not exist
REPO_POOL = 20000


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    total = sum(weight for _, weight in weighted)
    roll = rng.uniform(0, total)
    for value, weight in weighted:
        roll -= weight
        if roll <= 0:
            return value
    return weighted[-1][0]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _sha(*parts: Any) -> str:
    return hashlib.sha1(":".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()


@dataclass
class SyntheticHub:
    size: int
    seed: int = 7
    orgs: int = 2000
    touched: dict[int, str] = field(default_factory=dict)  # index -> new lastModified
    _touch_order: list[int] = field(default_factory=list)

    # --- generation ------------------------------------------------------------------
    def repo_id(self, index: int) -> str:
        return f"synth-org-{(index * 7919) % self.orgs:04d}/model-{index:06d}"

    def index_of(self, repo_id: str) -> int | None:
        try:
            owner, name = repo_id.split("/", 1)
            index = int(name.removeprefix("model-"))
        except ValueError:
            return None
        if not name.startswith("model-") or not 0 <= index < self.size or self.repo_id(index) != repo_id:
            return None
        return index if owner.startswith("synth-org-") else None

    def record(self, index: int) -> dict[str, Any]:
        rng = random.Random(self.seed * 1_000_003 + index)
        repo_id = self.repo_id(index)
        author = repo_id.split("/", 1)[0]
        pipeline = _pick(rng, PIPELINES)
        library = _pick(rng, LIBRARIES)
        license_value = _pick(rng, LICENSES)
        created = EPOCH - timedelta(seconds=37 * index + 86400)
        modified = EPOCH - timedelta(seconds=37 * index)
        tags: list[str] = []
        card: dict[str, Any] = {}
        if library:
            tags.append(library)
            card["library_name"] = library
        fmt = "gguf" if library == "gguf" else rng.choice(["safetensors", "safetensors", "pytorch", "onnx"])
        tags.append(fmt)
        if pipeline:
            tags.append(pipeline)
            card["pipeline_tag"] = pipeline
        if license_value is not None:
            card["license"] = license_value
            for lic in license_value if isinstance(license_value, list) else [license_value]:
                tags.append(f"license:{str(lic).lower().replace(' ', '-')}")
            if license_value == "other":
                name, link = rng.choice(OTHER_LICENSE_NAMES)
                card["license_name"] = name
                card["license_link"] = link
        if rng.random() < 0.3:
            names = [
                f"synth-data/dataset-{rng.randrange(DATASET_POOL):03d}" for _ in range(rng.randint(1, 3))
            ]
            card["datasets"] = names if rng.random() < 0.9 else names[0]
            tags.extend(f"dataset:{n}" for n in dict.fromkeys(names))
        if index > 10 and rng.random() < 0.45:
            relation = _pick(rng, RELATIONS)
            parents = [rng.randrange(index)]
            if relation == "merge":
                parents.append(rng.randrange(index))
            parent_ids = [self.repo_id(p) for p in dict.fromkeys(parents)]
            card["base_model"] = parent_ids if len(parent_ids) > 1 or rng.random() < 0.3 else parent_ids[0]
            if relation in ("merge", "quantized", "adapter") or rng.random() < 0.5:
                card["base_model_relation"] = relation
            tags.extend(f"base_model:{p}" for p in parent_ids)
            tags.extend(f"base_model:{relation}:{p}" for p in parent_ids)
        if rng.random() < 0.1:
            tags.append(f"arxiv:{2300 + rng.randrange(200)}.{rng.randrange(10000, 20000)}")
        if rng.random() < 0.005:
            card = {"license": 123, "datasets": {"not": "a list"}, "base_model": 5}
        gated_roll = rng.random()
        gated: Any = "manual" if gated_roll < 0.03 else "auto" if gated_roll < 0.11 else False
        modified_iso = self.touched.get(index, _iso(modified))
        return {
            "_id": _sha("id", self.seed, index)[:24],
            "id": repo_id,
            "author": author,
            "sha": _sha("sha", self.seed, index, modified_iso),
            "createdAt": _iso(created),
            "lastModified": modified_iso,
            "private": False,
            "disabled": False,
            "gated": gated,
            "downloads": int(50_000_000 / (index + 1) ** 0.9),
            "likes": int(20_000 / (index + 1) ** 0.8),
            "trendingScore": max(0, 100 - index // 1000),
            "library_name": library,
            "pipeline_tag": pipeline,
            "tags": [*tags, "region:us"],
            "cardData": card,
            "siblings": [
                {"rfilename": ".gitattributes"},
                {"rfilename": "README.md"},
                {"rfilename": "config.json"},
                {"rfilename": "model.gguf" if fmt == "gguf" else "model.safetensors"},
            ],
            "safetensors": {
                "parameters": {"BF16": 1_000_000 * (1 + index % 9000)},
                "total": 1_000_000 * (1 + index % 9000),
            },
        }

    # --- Hub interface ---------------------------------------------------------------
    def _order(self, query: ListQuery) -> Iterator[int]:
        if query.sort in ("lastModified", "last_modified") and self.touched:
            newest_first = sorted(self._touch_order, key=lambda i: self.touched[i], reverse=True)
            yield from newest_first
            touched = set(newest_first)
            yield from (i for i in range(self.size) if i not in touched)
        else:
            yield from range(self.size)

    def list_models(self, query: ListQuery, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        unfiltered = not (
            query.search or query.author or query.filters or query.pipeline_tag or query.gated is not None
        )
        if unfiltered and not (query.sort in ("lastModified", "last_modified") and self.touched):
            for index in range(start, self.size):  # position == index: no scan of earlier models
                yield index, self.record(index)
            return
        position = 0
        for index in self._order(query):
            record = self.record(index)
            if not matches(record, query):
                continue
            if position >= start:
                yield position, record
            position += 1

    def model(self, repo_id: str) -> dict[str, Any] | None:
        index = self.index_of(repo_id)
        return None if index is None else self.record(index)

    def model_file(self, repo_id: str, path: str) -> FileBody | None:
        record = self.model(repo_id)
        if record is None:
            return None
        gated = bool(record["gated"])
        if path == "README.md":
            index = self.index_of(repo_id) or 0
            body = f"# {repo_id}\n\nA synthetic model for load tests.\n"
            if index % 5 == 0:
                body += f"\nTraining code: https://github.com/synth-code/repo-{index % REPO_POOL:05d}\n"
            return FileBody((card_front_matter(record["cardData"]) + body).encode(), gated)
        if path in {s["rfilename"] for s in record["siblings"]}:
            return FileBody(b"", gated)
        return None

    def dataset(self, repo_id: str) -> dict[str, Any] | None:
        if not repo_id.startswith("synth-data/dataset-"):
            return None
        try:
            number = int(repo_id.removeprefix("synth-data/dataset-"))
        except ValueError:
            return None
        if number >= MISSING_DATASET_FROM:
            return None
        rng = random.Random(self.seed * 7 + number)
        license_id = _pick(
            rng, [("cc-by-4.0", 4), ("odc-by", 2), ("apache-2.0", 3), ("cc-by-nc-4.0", 1), (None, 2)]
        )
        gated = "auto" if rng.random() < 0.1 else False
        card = {"license": license_id} if license_id else {}
        tags = [f"license:{license_id}"] if license_id else []
        return {
            "_id": _sha("ds", number)[:24],
            "id": repo_id,
            "author": "synth-data",
            "private": False,
            "disabled": False,
            "gated": gated,
            "sha": _sha("dsha", number),
            "lastModified": _iso(EPOCH),
            "downloads": 100 * (DATASET_POOL - number),
            "likes": number % 50,
            "tags": tags,
            "cardData": card,
        }

    def collection(self, slug: str) -> dict[str, Any] | None:
        return None

    def list_datasets(self, author: str | None, search: str | None) -> list[dict[str, Any]]:
        ids = [f"synth-data/dataset-{n:03d}" for n in range(MISSING_DATASET_FROM)]
        return [r for i in ids if dataset_matches(i, author, search) and (r := self.dataset(i))]

    def redirect(self, kind: str, repo_id: str) -> str | None:
        return None

    def github_gone(self, full_name: str) -> bool:
        """The synthetic world is generated whole: a name it does not generate does not exist."""
        return True

    def github_repo(self, full_name: str) -> dict[str, Any] | None:
        owner, _, name = full_name.lower().partition("/")
        if owner != "synth-code" or not name.startswith("repo-"):
            return None
        try:
            number = int(name.removeprefix("repo-"))
        except ValueError:
            return None
        if not 0 <= number < REPO_POOL:
            return None
        kind = number % 4
        tree = ["README.md", "LICENSE", "requirements.txt"]
        tree += [
            ["train.py", "configs/pretrain.yaml"],
            ["finetune.py", "scripts/sft.sh"],
            ["inference.py", "generate.py"],
            [],
        ][kind]
        return {
            "repo": {
                "full_name": f"synth-code/repo-{number:05d}",
                "html_url": f"https://github.com/synth-code/repo-{number:05d}",
                "default_branch": "main",
                "archived": False,
                "fork": False,
                "private": False,
                "stargazers_count": number % 1000,
                "topics": [],
                "pushed_at": "2026-10-01T00:00:00Z",
                "license": {"key": "apache-2.0", "name": "Apache License 2.0", "spdx_id": "Apache-2.0"},
            },
            "tree": tree,
            "truncated": False,
        }

    def touch(self, repo_ids: list[str], when: str) -> int:
        touched = 0
        for repo_id in repo_ids:
            index = self.index_of(repo_id)
            if index is None:
                continue
            if index not in self.touched:
                self._touch_order.append(index)
            self.touched[index] = when
            touched += 1
        return touched

    def model_ids(self) -> list[str]:
        return [self.repo_id(i) for i in range(self.size)]
