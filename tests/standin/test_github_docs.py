"""The stand-in's GitHub documentation routes behave as GitHub's REST API documents them
(docs.github.com, "Repository contents": get a repository README, get repository content)."""

from __future__ import annotations

import base64

import httpx2
import pytest

from standin.hub import SnapshotHub
from standin.server import StandinServer

RAW = {"Accept": "application/vnd.github.raw+json"}


@pytest.fixture
def github():
    hub = SnapshotHub()
    hub.add_repo(
        {
            "repo": {"full_name": "Org/Repo", "default_branch": "main"},
            "tree": ["README.md", "data/sources.md", "big.md"],
            "docs": {
                "README.md": "# Repo\n",
                "data/sources.md": "| corpus |\n",
                "big.md": "z" * (1024 * 1024 + 10),
            },
        }
    )
    hub.add_repo({"repo": {"full_name": "org/uncaptured"}, "tree": ["README.md"]})
    hub.add_repo({**hub.repos["org/repo"], "repo": {"full_name": "new/home"}, "renamed_from": ["old/home"]})
    with StandinServer(hub) as server, httpx2.Client(base_url=server.github_url) as client:
        yield server, client


def test_readme_raw_and_as_a_base64_content_object(github):
    _, client = github
    raw = client.get("/repos/org/repo/readme", headers=RAW)
    assert raw.status_code == 200
    assert raw.text == "# Repo\n"
    assert raw.headers["ETag"].startswith('W/"')
    assert raw.headers["x-ratelimit-remaining"].isdigit()
    obj = client.get("/repos/org/repo/readme", headers={"Accept": "application/vnd.github+json"}).json()
    assert (obj["type"], obj["path"], obj["encoding"]) == ("file", "README.md", "base64")
    assert base64.b64decode(obj["content"]) == b"# Repo\n"
    assert obj["size"] == 7


def test_contents_of_a_path_and_a_conditional_request(github):
    _, client = github
    first = client.get("/repos/org/repo/contents/data/sources.md", headers=RAW)
    assert first.text == "| corpus |\n"
    again = client.get(
        "/repos/org/repo/contents/data/sources.md", headers={**RAW, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_absent_documents_are_404(github):
    _, client = github
    assert client.get("/repos/org/repo/contents/nope.md", headers=RAW).status_code == 404
    assert client.get("/repos/org/missing/readme", headers=RAW).status_code == 404
    uncaptured = client.get("/repos/org/uncaptured/readme", headers=RAW)
    assert uncaptured.status_code == 404
    assert uncaptured.json()["message"] == "Not Found"  # GitHub's answer, with the snapshot's note
    assert uncaptured.json()["standin"] == "not in the snapshot"


def test_a_file_over_1_mb_is_raw_only(github):
    _, client = github
    obj = client.get("/repos/org/repo/contents/big.md").json()
    assert (obj["encoding"], obj["content"]) == ("none", "")
    assert obj["size"] == 1024 * 1024 + 10
    assert len(client.get("/repos/org/repo/contents/big.md", headers=RAW).content) == 1024 * 1024 + 10


def test_a_renamed_repositorys_readme_redirects(github):
    _, client = github
    moved = client.get("/repos/old/home/readme", headers=RAW)
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/readme")
    assert client.get(moved.headers["Location"], headers=RAW).text == "# Repo\n"
