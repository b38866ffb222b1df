"""A GitHub repository the snapshot never captured answers GitHub's 404 plus the stand-in's
marker ("standin": "not in the snapshot"), so that it reads as unread, never as deleted
(methodology v2 §1); a captured one answers 200, and one known to be gone GitHub's plain 404."""

from __future__ import annotations

import httpx2
import pytest

from standin.hub import SnapshotHub
from standin.server import StandinServer

NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}


@pytest.fixture
def github():
    hub = SnapshotHub()
    hub.add_repo({"repo": {"full_name": "Org/Captured", "default_branch": "main"}, "tree": ["train.py"]})
    hub.add_repo({"repo": {"full_name": "Org/Gone"}, "tree": []})
    hub.delete_repo("Org/Gone")
    hub.gone_repos.add("org/listed-gone")  # as github/_gone.json lists a name
    with StandinServer(hub) as server, httpx2.Client(base_url=server.github_url) as client:
        yield server, client


def test_an_uncaptured_repository_answers_404_with_the_marker(github):
    _, client = github
    for path in (
        "/repos/org/uncaptured",
        "/repos/org/uncaptured/git/trees/main",
        "/repos/org/uncaptured/readme",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {**NOT_FOUND, "standin": "not in the snapshot"}
        assert response.headers["x-ratelimit-remaining"].isdigit()


def test_a_captured_repository_answers_200(github):
    _, client = github
    response = client.get("/repos/org/captured")
    assert response.status_code == 200
    assert response.json()["full_name"] == "Org/Captured"
    assert "standin" not in response.json()


def test_a_repository_known_to_be_gone_answers_the_plain_404(github):
    _, client = github
    for path in ("/repos/org/gone", "/repos/org/listed-gone", "/repos/org/listed-gone/license"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == NOT_FOUND


def test_the_bundled_snapshot_lists_the_repositories_known_to_be_gone():
    hub = SnapshotHub.load()
    assert hub.github_gone("Stability-AI/stablediffusion")
    assert hub.github_repo("Stability-AI/stablediffusion") is None
    assert not hub.github_gone("pytorch/pytorch")  # not captured (too large), not gone
    # a repository captured by this session, under the name the cards link (a rename)
    assert hub.github_repo("google/jax") == {"moved_to": "jax-ml/jax"}
