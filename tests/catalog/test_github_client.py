"""The GitHub client against the stand-in's GitHub routes: parsing, ETags, renames, limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.sources.github import client as github
from catalog.sources.github.client import (
    GitHubClient,
    GitHubEmpty,
    GitHubNotFound,
    GitHubNotInSnapshot,
    GitHubRateLimited,
    GitHubRefused,
)

APACHE = {"key": "apache-2.0", "name": "Apache License 2.0", "spdx_id": "Apache-2.0"}
OTHER = {"key": "other", "name": "Other", "spdx_id": "NOASSERTION"}


def repo_record(full_name: str, *, tree: list[str] | None = None, **repo: object) -> dict:
    fields = {
        "full_name": full_name,
        "html_url": f"https://github.com/{full_name}",
        "default_branch": "main",
        "archived": False,
        "fork": False,
        "private": False,
        "stargazers_count": 10,
        "topics": [],
        "pushed_at": "2025-03-04T05:06:07Z",
        "license": APACHE,
    }
    fields.update(repo)
    return {"repo": fields, "tree": tree if tree is not None else ["LICENSE", "README.md", "train.py"]}


def github_requests(server) -> list[str]:
    return [line for line in server.httpd.recent if "/github-api/" in line]


def test_repository_is_parsed(tiny_hub):
    tiny_hub.hub.add_repo(
        repo_record(
            "allenai/OLMo",
            default_branch="dev",
            archived=True,
            stargazers_count=5321,
            topics=["llm", "pretraining", 7],
        )
    )
    fetched = GitHubClient().repository("allenai/OLMo")
    info = fetched.value
    assert not fetched.not_modified
    assert not fetched.moved
    assert fetched.etag.startswith('W/"')
    assert info.full_name == "allenai/OLMo"
    assert info.html_url == "https://github.com/allenai/OLMo"
    assert info.license_spdx == "Apache-2.0"
    assert info.license_name == "Apache License 2.0"
    assert info.archived is True
    assert info.fork is False
    assert info.private is False
    assert info.default_branch == "dev"
    assert info.stars == 5321
    assert info.topics == ["llm", "pretraining"]  # non-strings dropped
    assert info.pushed_at == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_repository_without_license_or_dates(tiny_hub):
    tiny_hub.hub.add_repo(
        repo_record("org/bare", license=None, pushed_at=None, stargazers_count=-3, topics=None)
    )
    info = GitHubClient().repository("org/bare").value
    assert info.license_spdx == ""
    assert info.license_name == ""
    assert info.pushed_at is None
    assert info.stars == 0
    assert info.topics == []


def test_second_call_with_the_etag_is_a_free_304_when_authorised(settings, tiny_hub):
    settings.GITHUB_REQUEST_BUDGET = 100
    settings.GITHUB_TOKEN = "ghp_standin"
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    client = GitHubClient()
    budget = github.github_budget()
    first = client.repository("org/repo")
    assert budget.used() == 1
    limits = tiny_hub.httpd.github_limits
    remaining = limits.remaining("token:ghp_standin", True)
    assert remaining == 4999
    second = client.repository("org/repo", etag=first.etag)
    assert second.not_modified
    assert second.value is None
    assert second.etag == first.etag
    assert tiny_hub.stats["github_304"] == 1
    assert limits.remaining("token:ghp_standin", True) == remaining  # GitHub does not count it
    assert budget.used() == 1  # and neither do we


def test_an_anonymous_304_counts(settings, tiny_hub):
    settings.GITHUB_REQUEST_BUDGET = 100
    settings.GITHUB_TOKEN = None
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    client = GitHubClient()
    budget = github.github_budget()
    first = client.repository("org/repo")
    second = client.repository("org/repo", etag=first.etag)
    assert second.not_modified
    assert tiny_hub.httpd.github.remaining == 58  # 60 an hour anonymously; both counted
    assert budget.used() == 2


def test_github_own_remaining_count_stops_the_client_until_its_reset(settings, tiny_hub):
    settings.GITHUB_REQUEST_BUDGET = 100  # ours would allow more: GitHub's count decides
    settings.GITHUB_TOKEN = None
    settings.CRAWL_UPSTREAM_RESERVE = 0
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    limits = tiny_hub.httpd.github_limits
    limits.quotas = (3, 5000)
    client = GitHubClient()
    for _ in range(3):
        client.repository("org/repo")
    sent = tiny_hub.stats["github"]
    with pytest.raises(github.GitHubRateLimited) as limited:
        client.repository("org/repo")
    assert tiny_hub.stats["github"] == sent  # not sent at all
    assert 3500 < limited.value.retry_after < 3700  # GitHub's reset (an hour), plus jitter


def test_a_stale_etag_gets_the_new_record(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    client = GitHubClient()
    first = client.repository("org/repo")
    tiny_hub.hub.add_repo(repo_record("org/repo", stargazers_count=11))
    second = client.repository("org/repo", etag=first.etag)
    assert not second.not_modified
    assert second.value.stars == 11
    assert second.etag != first.etag


def test_renamed_repository_is_followed(tiny_hub):
    tiny_hub.hub.add_repo({**repo_record("neworg/new-name"), "renamed_from": ["oldorg/old-name"]})
    fetched = GitHubClient().repository("oldorg/old-name")
    assert fetched.moved is True
    assert fetched.value.full_name == "neworg/new-name"
    assert tiny_hub.stats["status:301"] == 1


def test_renamed_repository_answers_304_after_the_redirect(tiny_hub):
    tiny_hub.hub.add_repo({**repo_record("neworg/new-name"), "renamed_from": ["oldorg/old-name"]})
    client = GitHubClient()
    first = client.repository("oldorg/old-name")
    second = client.repository("oldorg/old-name", etag=first.etag)
    assert second.not_modified
    assert second.moved


def test_tree_and_license_of_a_renamed_repository_follow_the_redirect(tiny_hub):
    tiny_hub.hub.add_repo(
        {**repo_record("neworg/new-name", tree=["finetune.py"]), "renamed_from": ["oldorg/old-name"]}
    )
    client = GitHubClient()
    tree = client.tree("oldorg/old-name", "main")
    assert tree.moved
    assert tree.value.paths == ["finetune.py"]
    license_file = client.license("oldorg/old-name")
    assert license_file.moved
    assert license_file.value.spdx_id == "Apache-2.0"


def test_unknown_repository_is_not_found(tiny_hub):
    tiny_hub.hub.delete_repo("nobody/nothing")  # GitHub's plain 404
    with pytest.raises(GitHubNotFound) as failure:
        GitHubClient().repository("nobody/nothing")
    assert failure.value.http_status == 404
    assert not failure.value.transient
    assert "deleted, private" in str(failure.value)


def test_a_repository_not_in_the_snapshot_is_not_read_as_deleted(tiny_hub):
    """The stand-in's 404 with "standin": "not in the snapshot" is its own error, not GitHubNotFound."""
    with pytest.raises(GitHubNotInSnapshot) as failure:
        GitHubClient().repository("uncaptured/repo")
    assert not isinstance(failure.value, GitHubNotFound)
    assert failure.value.http_status == 404
    assert failure.value.code == "not_in_snapshot"
    assert "could not be checked" in str(failure.value)


def test_tree_of_an_empty_repository_is_409(tiny_hub):
    tiny_hub.hub.add_repo({**repo_record("org/empty", tree=[]), "empty": True})
    client = GitHubClient()
    assert client.repository("org/empty").value.full_name == "org/empty"
    with pytest.raises(GitHubEmpty) as failure:
        client.tree("org/empty", "main")
    assert failure.value.http_status == 409
    assert failure.value.code == "empty_repository"


def test_tree_lists_blobs_only(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/repo", tree=["README.md", "scripts/train.py", "configs/a/b.yaml"]))
    tree = GitHubClient().tree("org/repo", "main").value
    assert sorted(tree.paths) == [
        "README.md",
        "configs/a/b.yaml",
        "scripts/train.py",
    ]  # no "scripts", "configs/a"
    assert len(tree.sha) == 40
    assert tree.truncated is False


def test_truncated_tree_stays_truncated(tiny_hub):
    tiny_hub.hub.add_repo({**repo_record("org/huge", tree=["a/train.py", "b/x.py"]), "truncated": True})
    tree = GitHubClient().tree("org/huge", "main").value
    assert tree.truncated is True
    assert "a/train.py" in tree.paths


def test_license_noassertion(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/odd", license=OTHER))
    client = GitHubClient()
    info = client.repository("org/odd").value
    assert info.license_spdx == "NOASSERTION"
    assert info.license_name == "Other"
    license_file = client.license("org/odd").value
    assert license_file.path == "LICENSE"
    assert license_file.spdx_id == "NOASSERTION"


def test_license_of_a_repository_without_one_is_not_found(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/nolicense", license=None))
    with pytest.raises(GitHubNotFound):
        GitHubClient().license("org/nolicense")


def test_primary_rate_limit_waits_until_the_reset(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    tiny_hub.faults.add(
        path=r"/github-api/",
        mode="rate_limit",
        github=True,
        ratelimit_remaining=0,
        status=403,
        retry_after=120,
        times=1,
    )
    with pytest.raises(GitHubRateLimited) as failure:
        GitHubClient().repository("org/repo")
    exc = failure.value
    assert exc.transient
    assert exc.http_status == 403
    assert exc.code == "rate_limited"
    # the stand-in sets x-ratelimit-reset = int(now) + 120
    assert 118 <= exc.retry_after <= 120.5
    assert "primary" in str(exc)
    assert GitHubClient().repository("org/repo").value.full_name == "org/repo"  # the fault is spent


def test_secondary_rate_limit_uses_retry_after(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    tiny_hub.faults.add(
        path=r"/github-api/",
        mode="rate_limit",
        github=True,
        ratelimit_remaining=1,
        status=429,
        retry_after=37,
    )
    with pytest.raises(GitHubRateLimited) as failure:
        GitHubClient().tree("org/repo", "main")
    assert failure.value.retry_after == 37.0
    assert failure.value.http_status == 429
    assert "secondary" in str(failure.value)


def test_secondary_rate_limit_as_403(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    tiny_hub.faults.add(
        path=r"/github-api/",
        mode="rate_limit",
        github=True,
        ratelimit_remaining=12,
        status=403,
        retry_after=5,
    )
    with pytest.raises(GitHubRateLimited) as failure:
        GitHubClient().repository("org/repo")
    assert failure.value.retry_after == 5.0
    assert failure.value.http_status == 403


def test_own_budget_exhausted_sends_nothing(settings, tiny_hub):
    settings.GITHUB_REQUEST_BUDGET = 2
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    client = GitHubClient()
    client.repository("org/repo")
    client.tree("org/repo", "main")
    sent = tiny_hub.stats["requests"]
    with pytest.raises(GitHubRateLimited) as failure:
        client.repository("org/repo")
    assert tiny_hub.stats["requests"] == sent  # refused before any request went out
    assert failure.value.transient
    assert 0 < failure.value.retry_after <= settings.GITHUB_REQUEST_WINDOW_SECONDS + 1
    assert failure.value.http_status is None


def test_host_that_is_not_configured_is_refused(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    with pytest.raises(GitHubRefused) as failure:
        GitHubClient(base_url="https://api.github.com").repository("org/repo")
    assert "not a configured crawl endpoint" in str(failure.value)
    assert tiny_hub.stats["requests"] == 0


def test_server_errors_are_transient(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/repo"))
    tiny_hub.faults.add(path=r"/github-api/", mode="status", status=502, times=1)
    with pytest.raises(github.GitHubUnavailable) as failure:
        GitHubClient().repository("org/repo")
    assert failure.value.transient
    assert failure.value.http_status == 502


def test_nul_characters_from_github_are_removed(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/nul", topics=["a\x00b"], default_branch="ma\x00in"))
    info = GitHubClient().repository("org/nul").value
    assert info.topics == ["ab"]
    assert info.default_branch == "main"
