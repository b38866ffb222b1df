"""Find the links a model card holds: code repositories, papers, datasets, other URLs.

Pure functions over untrusted text. Nothing here fetches anything: GitHub repositories and
Hub datasets are later verified through the configured API endpoints only; every other
URL is kept as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

URL_RE = re.compile(r"""(?:https?://|www\.)[^\s<>"'`\\{}|^\[\]]+""", re.IGNORECASE)
SSH_GITHUB_RE = re.compile(r"git@github\.com:([A-Za-z0-9-]{1,39})/([A-Za-z0-9._-]{1,100})", re.IGNORECASE)
ARXIV_TEXT_RE = re.compile(r"\barxiv[:\s]\s*(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
ARXIV_ID_RE = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?$|^([a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
TRAILING = ".,;:!?)]}'\"`*_>~"
GITHUB_OWNER_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
GITHUB_NAME_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
HUB_ID_PART_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
# github.com/<these> are site pages, not repositories
GITHUB_RESERVED = {
    "about",
    "apps",
    "blog",
    "collections",
    "contact",
    "customer-stories",
    "enterprise",
    "events",
    "explore",
    "features",
    "issues",
    "login",
    "marketplace",
    "new",
    "notifications",
    "orgs",
    "organizations",
    "pricing",
    "pulls",
    "search",
    "security",
    "settings",
    "site",
    "sponsors",
    "topics",
    "trending",
    "users",
    "join",
    "readme",
    "codespaces",
    "team",
    "solutions",
    "resources",
}
HUB_RESERVED = {
    "datasets",
    "spaces",
    "docs",
    "blog",
    "models",
    "papers",
    "join",
    "login",
    "pricing",
    "tasks",
    "learn",
    "api",
    "settings",
    "organizations",
    "collections",
    "posts",
    "chat",
    "new",
    "enterprise",
    "inference-endpoints",
    "huggingface",
    "terms-of-service",
    "privacy",
    "welcome",
    "brand",
}
DATASET_HOSTS = (
    "kaggle.com/datasets",
    "zenodo.org",
    "commoncrawl.org",
    "figshare.com",
    "openml.org",
    "registry.opendata.aws",
    "data.mendeley.com",
    "dataverse",
    "paperswithcode.com/dataset",
    "image-net.org",
    "laion.ai",
    "tensorflow.org/datasets",
    "storage.googleapis.com",
)


@dataclass
class ExtractedLinks:
    github_repos: list[str] = field(default_factory=list)  # "owner/name", lower-cased
    arxiv_ids: list[str] = field(default_factory=list)
    hub_datasets: list[str] = field(default_factory=list)
    hub_models: list[str] = field(default_factory=list)
    dataset_urls: list[str] = field(default_factory=list)  # other dataset hosts, never fetched
    other_urls: list[str] = field(default_factory=list)  # kept as text, never fetched
    dropped: int = 0  # links over the per-card cap

    def total(self) -> int:
        return sum(
            len(v)
            for v in (
                self.github_repos,
                self.arxiv_ids,
                self.hub_datasets,
                self.hub_models,
                self.dataset_urls,
                self.other_urls,
            )
        )


def clean_url(raw: str) -> str:
    url = raw.strip()
    while True:
        trimmed = url.rstrip(TRAILING.replace(")", ""))
        # a closing parenthesis belongs to the URL only when it closes one opened inside it
        if trimmed.endswith(")") and trimmed.count("(") < trimmed.count(")"):
            trimmed = trimmed[:-1]
        if trimmed == url:
            break
        url = trimmed
    if url.lower().startswith("www."):
        url = "https://" + url
    return url


def normalize_github_repo(url: str) -> str | None:
    """'https://github.com/Org/Repo.git/tree/main/x' -> 'org/repo'; None for non-repository URLs."""
    match = SSH_GITHUB_RE.search(url)
    if match:
        owner, name = match.groups()
    else:
        parts = urlsplit(clean_url(url))
        host = (parts.hostname or "").lower()
        if host not in ("github.com", "www.github.com"):
            return None
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if len(segments) < 2:
            return None
        owner, name = segments[0], segments[1]
    name = name.rstrip(TRAILING).removesuffix(".git")
    if owner.lower() in GITHUB_RESERVED or not GITHUB_OWNER_RE.match(owner) or not GITHUB_NAME_RE.match(name):
        return None
    if name in (".", ".."):
        return None
    return f"{owner.lower()}/{name.lower()}"


def normalize_arxiv_id(value: str) -> str | None:
    value = value.strip()
    match = ARXIV_ID_RE.match(value)
    if not match:
        return None
    return match.group(1) or match.group(2)


def _arxiv_from_url(parts) -> str | None:
    path = parts.path
    for prefix in ("/abs/", "/pdf/", "/html/"):
        if path.startswith(prefix):
            return normalize_arxiv_id(path[len(prefix) :].removesuffix(".pdf").strip("/"))
    return None


def _hub_path(parts) -> tuple[str, str] | None:
    """('datasets', 'org/name') or ('models', 'org/name') for huggingface.co URLs."""
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if segments and segments[0] == "datasets":
        if len(segments) >= 3 and HUB_ID_PART_RE.match(segments[1]) and HUB_ID_PART_RE.match(segments[2]):
            return "datasets", f"{segments[1]}/{segments[2]}"
        return None
    if (
        len(segments) >= 2
        and segments[0] not in HUB_RESERVED
        and HUB_ID_PART_RE.match(segments[0])
        and HUB_ID_PART_RE.match(segments[1])
    ):
        return "models", f"{segments[0]}/{segments[1]}"
    return None


def _add(found: ExtractedLinks, bucket: list[str], seen: set[str], value: str, max_links: int) -> None:
    """Keep a new link, or count it as dropped once the card's cap is reached; repeats cost nothing."""
    key = value.lower()
    if key in seen:
        return
    seen.add(key)
    if found.total() >= max_links:
        found.dropped += 1
    else:
        bucket.append(value)


def extract_links(text: str, *, max_links: int = 50) -> ExtractedLinks:
    """Classify every link in ``text``; at most ``max_links`` are kept, the other distinct ones counted."""
    found = ExtractedLinks()
    seen: set[str] = set()
    candidates = [m.group(0) for m in URL_RE.finditer(text)]
    candidates += [m.group(0) for m in SSH_GITHUB_RE.finditer(text)]
    for raw in candidates:
        url = clean_url(raw)
        repo = normalize_github_repo(url)
        if repo:
            _add(found, found.github_repos, seen, repo, max_links)
            continue
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        if not host:
            continue
        if host in ("arxiv.org", "export.arxiv.org"):
            arxiv_id = _arxiv_from_url(parts)
            if arxiv_id:
                _add(found, found.arxiv_ids, seen, arxiv_id, max_links)
                continue
        if host in ("huggingface.co", "hf.co"):
            hub = _hub_path(parts)
            if hub:
                bucket = found.hub_datasets if hub[0] == "datasets" else found.hub_models
                _add(found, bucket, seen, hub[1], max_links)
                continue
        if any(marker in (host + parts.path).lower() for marker in DATASET_HOSTS):
            _add(found, found.dataset_urls, seen, url, max_links)
            continue
        if host == "github.com":
            continue  # site pages of github.com (orgs, topics...) are not references
        _add(found, found.other_urls, seen, url, max_links)
    for match in ARXIV_TEXT_RE.finditer(text):
        _add(found, found.arxiv_ids, seen, match.group(1), max_links)
    return found


def strip_front_matter(text: str) -> str:
    """The README body without its YAML front matter (which may be malformed)."""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            newline = text.find("\n", end + 4)
            return text[newline + 1 :] if newline != -1 else ""
    return text
