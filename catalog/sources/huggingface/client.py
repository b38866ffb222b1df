"""The only module that talks to the Hugging Face Hub.

It uses the real ``huggingface_hub`` client: its shared HTTP session (with our request
budget, host guard and timeout added through ``set_client_factory``), its ``http_backoff``
(which retries 408/5xx, and 429 honouring the Hub's ``RateLimit`` headers only where
``budget.waiting_allowed`` lets this thread wait: the crawl command, never a worker), its
``hf_raise_for_status`` (which tells errors apart by ``X-Error-Code``), its header and URL
builders. Responses are parsed here, defensively, into the typed records below; raw JSON
never leaves this module.

Why not ``HfApi.list_models`` / ``model_info``: they build ``ModelInfo`` objects, and
``ModelInfo`` raises on a single malformed field (a date with ``+00:00``, a sibling
without ``rfilename``, a ``safetensors`` block without ``total``). Inside ``list_models``
that exception ends the generator, so one bad card would stop the whole crawl. We page
with the same primitives ``list_models`` uses and parse each item on its own.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx2
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from huggingface_hub import HfApi, hf_hub_url, set_client_factory
from huggingface_hub import errors as hf_errors
from huggingface_hub.utils import (
    build_hf_headers,
    get_session,
    hf_raise_for_status,
    http_backoff,
    parse_ratelimit_headers,
)

from catalog.sources.base import UpstreamError
from catalog.sources.budget import BudgetExhausted, RequestBudget, may_wait
from lib import netguard
from lib.text import NUL_NOTE, may_hold_nul, without_nul

LIST_EXPAND = [
    "author",
    "createdAt",
    "lastModified",
    "sha",
    "downloads",
    "likes",
    "gated",
    "private",
    "disabled",
    "pipeline_tag",
    "library_name",
    "tags",
    "cardData",
    "trendingScore",
]
DETAIL_EXPAND = [*LIST_EXPAND, "siblings", "safetensors", "gguf", "baseModels", "downloadsAllTime"]
DATASET_EXPAND = [
    "author",
    "sha",
    "lastModified",
    "private",
    "gated",
    "disabled",
    "tags",
    "cardData",
    "downloads",
    "likes",
    "siblings",
]
RELATIONS = ("finetune", "adapter", "quantized", "merge")
WEIGHT_FORMAT_TAGS = {
    "safetensors",
    "pytorch",
    "gguf",
    "onnx",
    "tf",
    "jax",
    "keras",
    "mlx",
    "coreml",
    "openvino",
    "tflite",
    "ctranslate2",
    "nemo",
    "paddlepaddle",
    "rust",
    "joblib",
    "gptq",
    "awq",
    "exl2",
}
WEIGHT_EXTENSIONS = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".gguf",
    ".ggml",
    ".onnx",
    ".h5",
    ".msgpack",
    ".mlmodel",
    ".nemo",
    ".tflite",
    ".pb",
    ".keras",
    ".npz",
)
NON_WEIGHT_BIN = ("training_args.bin", "optimizer.bin", "scheduler.bin", "rng_state.bin")
WEIGHT_DIRS = (
    "ckpt",
    "checkpoint",
)  # raw checkpoint shards (grok-1's ckpt-0/tensor00000_000) carry no extension


LICENSE_FILE_RE = re.compile(r"^(?:license|licence|copying)(?:[._-][\w.-]*)?$", re.IGNORECASE)


def license_file_of(siblings: list[str] | None) -> str | None:
    """The model repository's own licence file at its root (LICENSE, LICENSE.md, LICENSE.txt...)."""
    names = sorted((n for n in siblings or [] if "/" not in n and LICENSE_FILE_RE.match(n)), key=len)
    return names[0] if names else None


def is_weight_file(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    if base in NON_WEIGHT_BIN:
        return False
    if name.lower().endswith(WEIGHT_EXTENSIONS):
        return True
    folders = name.lower().split("/")[:-1]
    return "." not in base and any(folder.startswith(WEIGHT_DIRS) for folder in folders)


HUB_ID_RE = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
CARD_KEYS_KEPT = (
    "license",
    "license_name",
    "license_link",
    "datasets",
    "base_model",
    "base_model_relation",
    "language",
    "pipeline_tag",
    "library_name",
    "tags",
    "new_version",
    "model_name",
    "finetuned_from",
    "inference",
    "extra_gated_heading",
)
MAX_CARD_BYTES = 16_000
# The Hub's createdAt for every repository older than the field itself: the earliest stored
# value, shared by all pre-2022 repositories (shared/reference/hub-api-and-licenses.md 1.6;
# e.g. bert-base-uncased and gpt2 both answer 2022-03-02T23:29:04.000Z). Not a release date.
CREATED_AT_SENTINEL = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)
# raised into the middle of an HTTP call to stop the work, never an upstream error: the
# clients let them through (KeyboardInterrupt and SystemExit are not Exceptions anyway)
CONTROL_FLOW: tuple[type[BaseException], ...] = (SoftTimeLimitExceeded,)
# huggingface_hub's http_backoff retries these; 429 only where waiting in place is allowed
RETRY_STATUS = (408, 500, 502, 503, 504)


# --- errors ------------------------------------------------------------------------------
class HubError(UpstreamError):
    """A Hub request that failed; ``code`` is short and stable, ``transient`` says retry."""

    code = "hub_error"


class HubNotFound(HubError):
    code = "not_found"


class HubGated(HubError):
    code = "gated"


class HubDisabled(HubError):
    code = "disabled"


class HubRevisionNotFound(HubError):
    code = "revision_not_found"


class HubNotInSnapshot(HubError):
    """The stand-in hub has no copy of something the real Hub holds: unreadable, not absent."""

    code = "not_in_snapshot"


class HubRateLimited(HubError):
    code = "rate_limited"
    transient = True


class HubUnavailable(HubError):
    code = "upstream_unavailable"
    transient = True


class HubMalformedResponse(HubError):
    code = "malformed_response"
    transient = True  # a cut-off page usually reads fine the next time


class HubRefused(HubError):
    code = "host_refused"


class HubBadToken(HubError):
    """HF_TOKEN is invalid or expired: a configuration error, not a per-model one."""

    code = "bad_token"


BAD_TOKEN_MESSAGE = "the Hub refused HF_TOKEN (invalid or expired): set a valid token or unset it"  # noqa: S105


# --- records -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BaseModelRef:
    repo_id: str
    relation: str  # finetune / adapter / quantized / merge / unknown
    origin: str  # card / tag / api


@dataclass(slots=True)
class ModelRecord:
    repo_id: str
    author: str = ""
    sha: str = ""
    created_at: datetime | None = None
    last_modified: datetime | None = None
    private: bool = False
    disabled: bool = False
    gated: str = ""
    downloads: int = 0
    downloads_all_time: int | None = None
    likes: int = 0
    trending_score: float | None = None
    pipeline_tag: str = ""
    library_name: str = ""
    tags: list[str] = field(default_factory=list)
    card_data: dict[str, Any] = field(default_factory=dict)
    license_declared: list[str] = field(default_factory=list)
    license_name: str = ""
    license_link: str = ""
    datasets: list[str] = field(default_factory=list)
    base_models: list[BaseModelRef] = field(default_factory=list)
    arxiv_ids: list[str] = field(default_factory=list)
    weight_formats: list[str] = field(default_factory=list)
    parameters: int | None = None
    siblings: list[str] | None = None  # None: not requested (listing); [] : repository is empty
    problems: list[str] = field(default_factory=list)  # what was malformed, in plain words

    @property
    def weight_files(self) -> list[str] | None:
        if self.siblings is None:
            return None
        return [name for name in self.siblings if is_weight_file(name)]


@dataclass(slots=True)
class DatasetRecord:
    repo_id: str
    sha: str = ""
    private: bool = False
    disabled: bool = False
    gated: str = ""
    license_declared: list[str] = field(default_factory=list)
    license_name: str = ""
    size_category: str = ""
    tags: list[str] = field(default_factory=list)
    last_modified: datetime | None = None
    problems: list[str] = field(default_factory=list)
    files: list[str] | None = None  # the repository's file names; None when the Hub sent none

    @property
    def has_data_files(self) -> bool | None:
        """Does the repository hold anything but its card and git metadata? None: unknown."""
        if self.files is None:
            return None
        return any(not is_dataset_paperwork(name) for name in self.files)


def is_dataset_paperwork(name: str) -> bool:
    """Files every dataset repository may hold without holding any data."""
    base = name.rsplit("/", 1)[-1].lower()
    return (
        base in {".gitattributes", ".gitignore"}
        or base.endswith((".md", ".txt", ".cff"))
        or base.startswith(("license", "licence", "notice", "citation"))
    )


@dataclass
class CollectionRecord:
    """A Hub collection: the datasets and models it groups (papers and Spaces are not kept)."""

    slug: str
    dataset_ids: list[str]
    model_ids: list[str]
    problems: list[str] = field(default_factory=list)


def parse_collection(raw: Any, slug: str) -> CollectionRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("items", []), list):
        raise ValueError("collection: expected an object with a list of items")
    datasets: list[str] = []
    models_: list[str] = []
    problems: list[str] = []
    for item in raw.get("items") or []:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append("collection item without an id skipped")
            continue
        if item.get("type") == "dataset":
            datasets.append(item["id"])
        elif item.get("type") == "model":
            models_.append(item["id"])
    return CollectionRecord(str(raw.get("slug") or slug), _dedupe(datasets), _dedupe(models_), problems)


@dataclass(slots=True)
class ListPage:
    url: str  # the page's own URL (resume point if ingesting it fails)
    next_url: str | None
    models: list[ModelRecord]
    rejected: list[tuple[str, str]]  # (id or position, reason) for items that were not models at all


@dataclass(slots=True)
class Readme:
    text: str
    revision: str
    truncated: bool  # larger than README_MAX_BYTES: only the start was read
    decoding_errors: bool  # not valid UTF-8: undecodable bytes were replaced


# --- parsing helpers -----------------------------------------------------------------------
def parse_hub_datetime(value: Any, problems: list[str], name: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        problems.append(f"{name} is {type(value).__name__}, not a date string")
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{name} {value!r} is not a date")
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _string_list(value: Any, problems: list[str], name: str) -> list[str]:
    """A card field that should be a string or a list of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list | tuple):
        out = [item.strip() for item in value if isinstance(item, str) and item.strip()]
        if len(out) != len(value):
            problems.append(f"{name} holds non-string items")
        return out
    problems.append(f"{name} is {type(value).__name__}, expected a string or a list")
    return []


def _dedupe(values: list[str]) -> list[str]:
    """Keep the first spelling of each value, case-insensitively."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = value.lower()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def parse_gate(value: Any, problems: list[str]) -> str:
    if value in (False, None, "", "false", "False"):
        return ""
    if value in ("auto", "manual"):
        return value
    problems.append(f"gated has the unknown value {value!r}; treated as manual")
    return "manual"


def _json_safe_card(card: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    kept = {key: card[key] for key in CARD_KEYS_KEPT if key in card}
    try:
        encoded = json.dumps(kept)  # the API sent JSON, so this only fails on absurd nesting
    except (TypeError, ValueError, RecursionError):
        problems.append("card metadata is not serialisable")
        return {}
    if len(encoded) > MAX_CARD_BYTES:
        problems.append("card metadata over 16 kB; only license fields kept")
        kept = {key: kept[key] for key in ("license", "license_name", "license_link") if key in kept}
    return kept


def _same_model(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    # "gpt2" next to "openai-community/gpt2": a legacy one-part id and its namespaced home
    return ("/" in a) != ("/" in b) and a.rsplit("/", 1)[-1] == b.rsplit("/", 1)[-1]


def parse_base_models(
    card: dict[str, Any], tags: list[str], api_value: Any, problems: list[str]
) -> list[BaseModelRef]:
    relation_by_id: dict[str, str] = {}
    order: list[str] = []
    origin_by_id: dict[str, str] = {}

    def note(repo_id: str, relation: str | None, origin: str) -> None:
        if not HUB_ID_RE.match(repo_id):
            problems.append(f"base model {repo_id!r} is not a hub id")
            return
        # one base spelled two ways is one base: ids match case-insensitively, and a legacy
        # one-part id ("gpt2") is the same model as its namespaced form ("openai-community/gpt2")
        key = next((k for k in order if _same_model(k, repo_id)), repo_id)
        if "/" in repo_id and "/" not in key:  # keep the namespaced spelling
            relation_by_id[repo_id] = relation_by_id.pop(key)
            origin_by_id[repo_id] = origin_by_id.pop(key)
            order[order.index(key)] = repo_id
            key = repo_id
        if key not in relation_by_id:
            order.append(key)
            relation_by_id[key] = relation or "unknown"
            origin_by_id[key] = origin
        elif relation and relation_by_id[key] == "unknown":
            relation_by_id[key] = relation

    for tag in tags:
        if tag.startswith("base_model:"):
            rest = tag[len("base_model:") :]
            head, _, tail = rest.partition(":")
            if tail and head in RELATIONS:
                note(tail, head, "tag")
            elif not tail:
                note(rest, None, "tag")
    card_relation = card.get("base_model_relation")
    if card_relation is not None and card_relation not in RELATIONS:
        problems.append(f"base_model_relation {card_relation!r} is not one of {', '.join(RELATIONS)}")
        card_relation = None
    for repo_id in _string_list(card.get("base_model"), problems, "base_model"):
        note(repo_id, card_relation, "card")
    if isinstance(api_value, dict):
        relation = api_value.get("relation") if api_value.get("relation") in RELATIONS else None
        models = api_value.get("models") or []
        if not isinstance(models, list):
            problems.append(f"baseModels.models is {type(models).__name__}, not a list")
            models = []
        for item in models:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                note(item["id"], relation, "api")
    elif isinstance(api_value, list):
        for item in api_value:
            if isinstance(item, str):
                note(item, None, "api")
            elif isinstance(item, dict) and isinstance(item.get("id"), str):
                note(item["id"], item.get("relation") if item.get("relation") in RELATIONS else None, "api")
    if len(order) > 1:  # several bases without a stated relation: the Hub calls that a merge
        for key in order:
            if relation_by_id[key] == "unknown":
                relation_by_id[key] = "merge"
    return [BaseModelRef(key, relation_by_id[key], origin_by_id[key]) for key in order]


DATASET_URL_RE = re.compile(r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/datasets/([^/?#\s]+/[^/?#\s]+)")


def _dataset_id(value: str) -> str:
    """A dataset written as its Hub URL counts as its Hub id."""
    match = DATASET_URL_RE.match(value.strip())
    return match.group(1) if match else value.strip()


def parse_model(raw: Any) -> ModelRecord:
    """One /api/models item or detail object -> ModelRecord. Raises ValueError if it has no usable id."""
    if not isinstance(raw, dict):
        raise ValueError(f"listing item is {type(raw).__name__}, not an object")
    repo_id = raw.get("id") or raw.get("modelId")
    if not isinstance(repo_id, str) or not HUB_ID_RE.match(repo_id):
        raise ValueError(f"listing item has no valid repository id ({repo_id!r})")
    problems: list[str] = []
    card = raw.get("cardData")
    if card is None:
        card = {}
    elif not isinstance(card, dict):
        problems.append(f"cardData is {type(card).__name__}, not an object")
        card = {}
    tags = (
        [t for t in raw.get("tags") or [] if isinstance(t, str)] if isinstance(raw.get("tags"), list) else []
    )
    record = ModelRecord(repo_id=repo_id, problems=problems)
    record.author = _str(raw.get("author")) or (repo_id.split("/", 1)[0] if "/" in repo_id else "")
    record.sha = _str(raw.get("sha"))
    record.created_at = parse_hub_datetime(raw.get("createdAt"), problems, "createdAt")
    if record.created_at == CREATED_AT_SENTINEL:  # "created on or before", not a release date
        record.created_at = None
    record.last_modified = parse_hub_datetime(raw.get("lastModified"), problems, "lastModified")
    record.private = raw.get("private") is True
    record.disabled = raw.get("disabled") is True
    record.gated = parse_gate(raw.get("gated"), problems)
    record.downloads = _int(raw.get("downloads"))
    record.downloads_all_time = _int(raw.get("downloadsAllTime")) if "downloadsAllTime" in raw else None
    record.likes = _int(raw.get("likes"))
    trending = raw.get("trendingScore")
    record.trending_score = (
        float(trending) if isinstance(trending, int | float) and not isinstance(trending, bool) else None
    )
    record.pipeline_tag = _str(raw.get("pipeline_tag")) or _str(card.get("pipeline_tag"))
    record.library_name = _str(raw.get("library_name")) or _str(card.get("library_name"))
    record.tags = tags
    record.card_data = _json_safe_card(card, problems)

    licenses = _string_list(card.get("license"), problems, "license")
    if not licenses:
        licenses = [t[len("license:") :] for t in tags if t.startswith("license:")]
    record.license_declared = _dedupe(licenses)
    record.license_name = _str(card.get("license_name"))[:200]
    record.license_link = _str(card.get("license_link"))[:500]

    datasets = [_dataset_id(d) for d in _string_list(card.get("datasets"), problems, "datasets")]
    datasets += [t[len("dataset:") :] for t in tags if t.startswith("dataset:")]
    record.datasets = _dedupe([d for d in datasets if len(d) <= 300])
    record.base_models = parse_base_models(card, tags, raw.get("baseModels"), problems)
    record.arxiv_ids = _dedupe([t[len("arxiv:") :] for t in tags if t.startswith("arxiv:")])
    record.weight_formats = sorted({t for t in tags if t in WEIGHT_FORMAT_TAGS})

    safetensors = raw.get("safetensors")
    if isinstance(safetensors, dict) and isinstance(safetensors.get("total"), int):
        record.parameters = safetensors["total"]
    elif isinstance(raw.get("gguf"), dict) and isinstance(raw["gguf"].get("total"), int):
        record.parameters = raw["gguf"]["total"]
    siblings = raw.get("siblings")
    if isinstance(siblings, list):
        record.siblings = [
            s["rfilename"] for s in siblings if isinstance(s, dict) and isinstance(s.get("rfilename"), str)
        ]
    return record


def parse_dataset(raw: Any) -> DatasetRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise ValueError("dataset object has no id")
    problems: list[str] = []
    card: Any = raw.get("cardData") if isinstance(raw.get("cardData"), dict) else {}
    tags = (
        [t for t in raw.get("tags") or [] if isinstance(t, str)] if isinstance(raw.get("tags"), list) else []
    )
    licenses = _string_list(card.get("license"), problems, "license")
    if not licenses:
        licenses = [t[len("license:") :] for t in tags if t.startswith("license:")]
    size = next((t[len("size_categories:") :] for t in tags if t.startswith("size_categories:")), "")
    return DatasetRecord(
        repo_id=raw["id"],
        sha=_str(raw.get("sha")),
        private=raw.get("private") is True,
        disabled=raw.get("disabled") is True,
        gated=parse_gate(raw.get("gated"), problems),
        license_declared=_dedupe(licenses),
        license_name=_str(card.get("license_name"))[:200],
        size_category=size[:64],
        tags=tags[:100],
        last_modified=parse_hub_datetime(raw.get("lastModified"), problems, "lastModified"),
        problems=problems,
        files=_sibling_names(raw.get("siblings")),
    )


def _sibling_names(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [s["rfilename"] for s in value if isinstance(s, dict) and isinstance(s.get("rfilename"), str)]


# --- session -----------------------------------------------------------------------------
_session_lock = threading.Lock()
_installed_for: tuple[Any, ...] | None = None


def hub_budget() -> RequestBudget:
    """The Hub's ``api`` bucket (listing, model and dataset info, whoami)."""
    return RequestBudget(
        "hub",
        settings.HUB_REQUEST_BUDGET,
        settings.HUB_REQUEST_WINDOW_SECONDS,
        settings.CRAWL_UPSTREAM_RESERVE,
    )


def resolver_budget() -> RequestBudget:
    """The Hub's ``resolvers`` bucket: file downloads (``/resolve/``), counted apart and larger."""
    return RequestBudget(
        "hub-resolvers",
        settings.HUB_RESOLVER_BUDGET,
        settings.HUB_REQUEST_WINDOW_SECONDS,
        settings.CRAWL_UPSTREAM_RESERVE,
    )


def _bucket_of(url: httpx2.URL) -> str:
    return "resolvers" if "/resolve/" in url.path else "api"


def _take_from_bucket(request: httpx2.Request) -> None:
    if request.url.host != httpx2.URL(settings.HF_ENDPOINT or "").host:
        return  # a download's CDN hop: the Hub charged the /resolve/ request that sent us there
    (resolver_budget() if _bucket_of(request.url) == "resolvers" else hub_budget()).take()


def _observe_ratelimit(response: httpx2.Response) -> None:
    """Every Hub response says what is left in its bucket (``RateLimit`` / ``RateLimit-Policy``,
    parsed by huggingface_hub's ``parse_ratelimit_headers``): remember it for every worker."""
    info = parse_ratelimit_headers(response.headers)
    if info is None:
        return
    budget = {"api": hub_budget(), "resolvers": resolver_budget()}.get(info.resource_type)
    if budget is not None:
        budget.observe(remaining=info.remaining, reset_in=info.reset_in_seconds)


def _counting_hook(request: httpx2.Request) -> None:
    _counter.requests += 1


class _Counter(threading.local):
    requests = 0


_counter = _Counter()


def requests_made() -> int:
    """Requests this thread has sent to the Hub (for crawl summaries)."""
    return _counter.requests


def _client_factory() -> httpx2.Client:
    from huggingface_hub.utils._http import hf_request_event_hook  # the hook the default factory installs

    return httpx2.Client(
        event_hooks={
            "request": [
                netguard.request_hook,
                _take_from_bucket,
                _counting_hook,
                hf_request_event_hook,
            ],
            "response": [_observe_ratelimit],
        },
        follow_redirects=True,
        timeout=httpx2.Timeout(settings.HUB_HTTP_TIMEOUT),
        transport=netguard.pinned_transport(),  # connects only to the addresses it checked
        trust_env=False,  # no proxy from the environment: the guard must see the connection
        headers={"User-Agent": settings.CRAWL_USER_AGENT},  # type: ignore[arg-type]  # env_str: str | None
    )


def install_session() -> None:
    """Make huggingface_hub's shared session ours (budget, host guard, timeout). Idempotent."""
    global _installed_for
    key = (
        settings.HF_ENDPOINT,
        settings.HUB_REQUEST_BUDGET,
        settings.HUB_RESOLVER_BUDGET,
        settings.HUB_REQUEST_WINDOW_SECONDS,
        settings.HUB_HTTP_TIMEOUT,
        settings.GITHUB_API_URL,
        tuple(settings.CRAWL_EXTRA_ALLOWED_HOSTS),
        tuple(settings.HUB_CDN_HOSTS),
    )
    with _session_lock:
        if _installed_for != key:
            set_client_factory(_client_factory)
            _installed_for = key


def _translate(exc: Exception) -> HubError:
    """huggingface_hub / httpx2 exceptions -> our HubError family."""
    if isinstance(exc, HubError):
        return exc
    if isinstance(exc, BudgetExhausted):
        return HubRateLimited(str(exc), retry_after=exc.retry_after)
    if isinstance(exc, netguard.HostNotAllowed):
        return HubRefused(str(exc))
    response: Any = getattr(exc, "response", None)
    status = response.status_code if response is not None else None
    if response is not None and response.headers.get("X-Error-Code") == "NotInSnapshot":
        # only the local stand-in says this: the file exists upstream but was not captured
        return HubNotInSnapshot("the stand-in's snapshot does not hold this file", http_status=status)
    if isinstance(exc, hf_errors.GatedRepoError):  # subclass of RepositoryNotFoundError: first
        return HubGated(
            "the repository is gated; its files need an accepted access request", http_status=status
        )
    if isinstance(exc, hf_errors.RevisionNotFoundError):
        return HubRevisionNotFound("the revision no longer exists", http_status=status)
    if isinstance(exc, hf_errors.DisabledRepoError):
        return HubDisabled("the repository is disabled", http_status=status)
    if isinstance(exc, hf_errors.RemoteEntryNotFoundError):
        return HubNotFound("the file does not exist at this revision", http_status=status)
    if isinstance(exc, hf_errors.RepositoryNotFoundError):
        return HubNotFound("the repository does not exist or is private", http_status=status)
    if isinstance(exc, hf_errors.HfHubHTTPError) and status == 429:
        info = parse_ratelimit_headers(response.headers)
        retry_after = info.reset_in_seconds if info else _retry_after(response)
        return HubRateLimited("the Hub rate-limited the crawler", http_status=429, retry_after=retry_after)
    if isinstance(exc, hf_errors.HfHubHTTPError) and status == 401:
        # not a repository answer (those are RepositoryNotFoundError above): the token was refused
        return HubBadToken(BAD_TOKEN_MESSAGE, http_status=401)
    if isinstance(exc, hf_errors.HfHubHTTPError) and status is not None and status >= 500:
        return HubUnavailable(f"the Hub answered {status}", http_status=status)
    if isinstance(exc, hf_errors.HfHubHTTPError):
        return HubError(f"the Hub answered {status}: {str(exc).splitlines()[0]}", http_status=status)
    if isinstance(exc, httpx2.TimeoutException):
        return HubUnavailable(f"timed out talking to the Hub ({type(exc).__name__})")
    if isinstance(exc, httpx2.TransportError):
        return HubMalformedResponse(f"the connection broke mid-response ({type(exc).__name__})")
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        return HubMalformedResponse("the Hub sent a body that is not JSON (cut off?)")
    return HubError(f"{type(exc).__name__}: {exc}")


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


# --- the client ----------------------------------------------------------------------------
class HubClient:
    def __init__(self, *, endpoint: str | None = None, token: str | bool | None = None) -> None:
        install_session()
        self.endpoint = (endpoint or settings.HF_ENDPOINT).rstrip("/")  # type: ignore[union-attr]
        token = settings.HF_TOKEN if token is None else token
        self.token: str | bool = token or False
        self.headers = build_hf_headers(token=self.token, library_name="openness-index")

    @property
    def retry(self) -> dict[str, Any]:
        """http_backoff's arguments. A 429 is waited out in place only where this thread may
        wait (the crawl command); a worker raises ``HubRateLimited`` and its task retries."""
        return {
            "max_retries": settings.HUB_HTTP_MAX_RETRIES,
            "base_wait_time": settings.HUB_HTTP_BACKOFF_BASE,
            "max_wait_time": settings.HUB_HTTP_BACKOFF_MAX,
            "retry_on_status_codes": (*RETRY_STATUS, 429) if may_wait() else RETRY_STATUS,
        }

    def check_token(self) -> None:
        """Raise ``HubBadToken`` when the configured token is refused; nothing without a token.

        One ``whoami`` (huggingface_hub's ``HfApi.whoami``: GET /api/whoami-v2, 401 for a bad
        token) before a pass, so a bad token stops it with one clear error.
        """
        if not isinstance(self.token, str):
            return
        try:
            HfApi(endpoint=self.endpoint, library_name="openness-index").whoami(token=self.token)
        except CONTROL_FLOW:
            raise
        except Exception as exc:
            raise _translate(exc) from exc

    # listing
    def first_page_url(
        self, *, sort: str, author: str | None = None, search: str | None = None, page_size: int | None = None
    ) -> str:
        params: list[tuple[str, str]] = [
            ("sort", sort),
            ("limit", str(page_size or settings.HUB_LIST_PAGE_SIZE)),
        ]
        if author:
            params.append(("author", author))
        if search:
            params.append(("search", search))
        params += [("expand", name) for name in LIST_EXPAND]
        query = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in params)
        return f"{self.endpoint}/api/models?{query}"

    def iter_pages(self, start_url: str) -> Iterator[ListPage]:
        """Pages of the listing from ``start_url`` (a first-page URL or a stored cursor URL)."""
        url: str | None = start_url
        while url:
            try:
                response = http_backoff("GET", url, headers=self.headers, **self.retry)
                hf_raise_for_status(response)
                items = response.json()
            except CONTROL_FLOW:
                raise
            except Exception as exc:
                raise _translate(exc) from exc
            if not isinstance(items, list):
                raise HubMalformedResponse(f"the listing page is {type(items).__name__}, not a list")
            next_url = response.links.get("next", {}).get("url")
            check_nul = may_hold_nul(response.content)
            models, rejected = [], []
            for position, item in enumerate(items):
                try:
                    cleaned = without_nul(item) if check_nul else item
                    models.append(parse_model(cleaned))
                    if cleaned is not item:
                        models[-1].problems.append(NUL_NOTE)
                except ValueError as exc:
                    rejected.append((str(item.get("id") if isinstance(item, dict) else position), str(exc)))
            yield ListPage(url=url, next_url=next_url, models=models, rejected=rejected)
            url = next_url

    # detail
    def _get_json(self, url: str, params: list[tuple[str, str]] | None = None) -> tuple[Any, bool]:
        """The decoded body, and whether NUL characters had to be removed from it."""
        try:
            response = http_backoff("GET", url, headers=self.headers, params=params, **self.retry)
            hf_raise_for_status(response)
            raw = response.json()
        except CONTROL_FLOW:
            raise
        except Exception as exc:
            raise _translate(exc) from exc
        if not may_hold_nul(response.content):
            return raw, False
        cleaned = without_nul(raw)
        return cleaned, cleaned is not raw

    def _record(self, url: str, expand: list[str], parse):
        raw, cleaned = self._get_json(url, [("expand", e) for e in expand])
        try:
            record = parse(raw)
        except ValueError as exc:
            raise HubMalformedResponse(str(exc)) from exc
        if cleaned:
            record.problems.append(NUL_NOTE)
        return record

    def model(self, repo_id: str) -> ModelRecord:
        return self._record(f"{self.endpoint}/api/models/{repo_id}", DETAIL_EXPAND, parse_model)

    def dataset(self, repo_id: str) -> DatasetRecord:
        return self._record(f"{self.endpoint}/api/datasets/{repo_id}", DATASET_EXPAND, parse_dataset)

    def dataset_ids(self, *, author: str, search: str, limit: int = 50) -> list[str]:
        """Ids of the public datasets of ``author`` whose id contains ``search`` (GET
        /api/datasets, huggingface_hub ``list_datasets(author=, search=)``): one page only."""
        raw, _ = self._get_json(
            f"{self.endpoint}/api/datasets", [("author", author), ("search", search), ("limit", str(limit))]
        )
        if not isinstance(raw, list):
            raise HubMalformedResponse("dataset listing: expected a list")
        return [item["id"] for item in raw if isinstance(item, dict) and isinstance(item.get("id"), str)]

    def model_ids(self, *, author: str, search: str, limit: int = 50) -> list[str]:
        """Ids of the public models of ``author`` whose id contains ``search``: GET /api/models,
        what huggingface_hub's ``list_models(author=, search=)`` sends. ``search`` is "a string
        that will be contained in the returned model ids" (hf_api.py docstring), matched without
        regard to case (huggingface_hub tests/test_hf_api.py ``test_list_models_search`` checks
        ``"bert" in model.modelId.lower()``). One page only."""
        raw, _ = self._get_json(
            f"{self.endpoint}/api/models", [("author", author), ("search", search), ("limit", str(limit))]
        )
        if not isinstance(raw, list):
            raise HubMalformedResponse("model listing: expected a list")
        return [item["id"] for item in raw if isinstance(item, dict) and isinstance(item.get("id"), str)]

    def collection(self, slug: str) -> CollectionRecord:
        """GET /api/collections/{slug} (huggingface_hub's ``get_collection`` URL). A private or
        deleted collection answers 404 to us: ``HubNotFound``."""
        try:
            raw, _ = self._get_json(f"{self.endpoint}/api/collections/{slug}")
        except HubNotInSnapshot:
            raise
        except HubError as exc:
            if exc.http_status == 404:
                raise HubNotFound("the collection does not exist or is private", http_status=404) from exc
            raise
        try:
            return parse_collection(raw, slug)
        except ValueError as exc:
            raise HubMalformedResponse(str(exc)) from exc

    def readme(
        self, repo_id: str, revision: str, *, max_bytes: int | None = None, filename: str = "README.md"
    ) -> Readme:
        """README.md (or another text file of the repository) at ``revision``, reading at most
        ``max_bytes`` (the rest is never downloaded)."""
        limit = max_bytes or settings.README_MAX_BYTES
        url = hf_hub_url(repo_id, filename, revision=revision or "main", endpoint=self.endpoint)
        chunks: list[bytes] = []
        size = 0
        truncated = False
        try:
            with get_session().stream("GET", url, headers=self.headers) as response:
                if response.status_code >= 400:
                    response.read()
                    hf_raise_for_status(response)
                commit = response.headers.get("X-Repo-Commit", revision)
                # only the local stand-in sends this: its copy of the card is incomplete, which
                # is read exactly like a README cut at the size cap (absence proves nothing)
                truncated = response.headers.get("X-Standin-Partial") == "1"
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= limit:
                        truncated = (
                            truncated
                            or size > limit
                            or response.headers.get("Content-Length", str(size)) != str(size)
                        )
                        break
        except CONTROL_FLOW:
            raise
        except Exception as exc:
            raise _translate(exc) from exc
        data = b"".join(chunks)[:limit]
        try:
            text = data.decode("utf-8")
            bad = False
        except UnicodeDecodeError as exc:
            if truncated and exc.start >= len(data) - 4:  # cut inside a multi-byte character
                text, bad = data[: exc.start].decode("utf-8", errors="replace"), False
            else:
                text, bad = data.decode("utf-8", errors="replace"), True
        # binary junk in a README: PostgreSQL text cannot hold NUL
        return Readme(
            text=without_nul(text), revision=commit or revision, truncated=truncated, decoding_errors=bad
        )

    def model_url(self, repo_id: str) -> str:
        return f"{self.endpoint}/{repo_id}"

    def api_url(self, repo_id: str) -> str:
        return f"{self.endpoint}/api/models/{repo_id}"

    def dataset_url(self, repo_id: str) -> str:
        return f"{self.endpoint}/datasets/{repo_id}"
