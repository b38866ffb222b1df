"""Crawling linked code repositories through the real GitHub client against the stand-in."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import choices
from catalog.ingest.repositories import repository_crawl, stale_repositories
from catalog.ingest.store import _mark_branches_pending
from catalog.models import AIModel, CodeRepository, CrawlFailure, Evidence, ModelCodeRepository
from catalog.sources.github.client import GitHubRateLimited, GitHubUnavailable
from catalog.sources.github.taxonomy import RULES_VERSION
from catalog.tasks import crawl_repo
from openness.celery import app as celery_app

pytestmark = pytest.mark.django_db

APACHE = {"key": "apache-2.0", "name": "Apache License 2.0", "spdx_id": "Apache-2.0"}
OTHER = {"key": "other", "name": "Other", "spdx_id": "NOASSERTION"}
OLMO_TREE = [
    "LICENSE",
    "README.md",
    "scripts/train.py",
    "configs/official/OLMo-7B.yaml",
    "olmo/model.py",
    "tests/test_train.py",
]


def repo_record(full_name: str, *, tree: list[str] | None = None, **repo: object) -> dict:
    fields = {
        "full_name": full_name,
        "html_url": f"https://github.com/{full_name}",
        "default_branch": "main",
        "archived": False,
        "fork": False,
        "private": False,
        "stargazers_count": 42,
        "topics": ["llm"],
        "pushed_at": "2025-01-02T03:04:05Z",
        "license": APACHE,
    }
    fields.update(repo)
    return {"repo": fields, "tree": OLMO_TREE if tree is None else tree}


def linked(full_name: str) -> CodeRepository:
    return CodeRepository.objects.create(
        full_name=full_name.lower(), html_url=f"https://github.com/{full_name}"
    )


def crawl(repository: CodeRepository) -> str:
    """Crawl a fresh copy of the row, as the task does (the service reads etags/crawled_at from it)."""
    return repository_crawl(repository=CodeRepository.objects.get(pk=repository.pk))


def writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def evidence(repository: CodeRepository) -> dict[str, Evidence]:
    rows = Evidence.objects.filter(subject_type=choices.SubjectType.REPOSITORY, subject_id=repository.pk)
    return {row.fact: row for row in rows}


def test_crawl_records_status_license_classification_and_evidence(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("allenai/OLMo"))
    repo = linked("allenai/OLMo")
    assert crawl(repo) == "crawled"
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.AVAILABLE
    assert repo.license_spdx == "Apache-2.0"
    assert repo.license_name == "Apache License 2.0"
    assert repo.classification == choices.CodeClassification.TRAINING
    assert repo.evidence_paths["pretraining"] == ["scripts/train.py"]
    assert repo.evidence_paths["configs"] == ["configs/official/OLMo-7B.yaml"]
    assert "tests/test_train.py" not in str(repo.evidence_paths)
    assert repo.stars == 42
    assert repo.topics == ["llm"]
    assert repo.default_branch == "main"
    assert repo.crawled_at is not None
    assert repo.crawl_error == ""
    assert not repo.tree_truncated
    assert set(repo.etags) == {"repo", "tree"}
    facts = evidence(repo)
    assert set(facts) == {choices.Fact.REPO_LICENSE, choices.Fact.REPO_CODE, choices.Fact.REPO_DOCS}
    license_row = facts[choices.Fact.REPO_LICENSE]
    assert license_row.value["spdx_id"] == "Apache-2.0"
    assert license_row.source_url == "https://github.com/allenai/OLMo/blob/main/LICENSE"
    code_row = facts[choices.Fact.REPO_CODE]
    assert code_row.value["classification"] == "training"
    assert code_row.value["paths"]["pretraining"] == ["scripts/train.py"]
    assert code_row.value["truncated"] is False
    assert code_row.source_url == f"https://github.com/allenai/OLMo/tree/{repo.tree_sha}"
    assert code_row.revision == repo.tree_sha
    assert not CrawlFailure.objects.exists()


def test_recrawl_of_an_unchanged_repository_writes_nothing(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("allenai/OLMo"))
    repo = linked("allenai/OLMo")
    crawl(repo)
    before = CodeRepository.objects.values().get(pk=repo.pk)
    evidence_before = {f: (e.fetched_at, e.value) for f, e in evidence(repo).items()}
    with CaptureQueriesContext(connection) as queries:
        assert crawl(repo) == "unchanged"
    assert writes(queries) == []
    assert tiny_hub.stats["github_304"] == 1
    assert CodeRepository.objects.values().get(pk=repo.pk) == before
    assert {f: (e.fetched_at, e.value) for f, e in evidence(repo).items()} == evidence_before


def test_recrawl_of_a_changed_repository_updates_it(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/repo", tree=["inference.py"]))
    repo = linked("org/repo")
    crawl(repo)
    tiny_hub.hub.add_repo(
        repo_record("org/repo", tree=["inference.py", "finetune.py"], pushed_at="2025-06-01T00:00:00Z")
    )
    assert crawl(repo) == "crawled"
    repo.refresh_from_db()
    assert repo.classification == choices.CodeClassification.FINETUNING
    assert evidence(repo)[choices.Fact.REPO_CODE].value["paths"]["finetuning"] == ["finetune.py"]
    # licence, code and documentation (README and data docs): one row each
    assert Evidence.objects.filter(subject_type=choices.SubjectType.REPOSITORY).count() == 3


def test_renamed_repository_points_at_the_new_row_which_is_crawled_and_linked(tiny_hub):
    tiny_hub.hub.add_repo({**repo_record("NewOrg/New-Name"), "renamed_from": ["oldorg/old-name"]})
    old = linked("oldorg/old-name")
    models = [AIModel.objects.create(repo_id=f"org/model-{i}", name=f"model-{i}") for i in range(2)]
    for model in models:
        ModelCodeRepository.objects.create(model=model, repository=old, origin=choices.LinkOrigin.README)
    assert crawl(old) == choices.RepoStatus.RENAMED
    old.refresh_from_db()
    new = CodeRepository.objects.get(full_name="neworg/new-name")
    assert old.status == choices.RepoStatus.RENAMED
    assert old.canonical_id == new.pk
    assert "NewOrg/New-Name" in old.crawl_error
    assert new.status == choices.RepoStatus.AVAILABLE
    assert new.classification == choices.CodeClassification.TRAINING
    assert new.html_url == "https://github.com/NewOrg/New-Name"
    assert set(new.model_links.values_list("model_id", flat=True)) == {m.pk for m in models}
    assert set(old.model_links.values_list("model_id", flat=True)) == {m.pk for m in models}  # kept
    assert set(evidence(new)) == {choices.Fact.REPO_LICENSE, choices.Fact.REPO_CODE, choices.Fact.REPO_DOCS}
    # the old name, asked again, is unchanged (304 through the redirect) and writes nothing
    with CaptureQueriesContext(connection) as queries:
        assert crawl(old) == "unchanged"
    assert writes(queries) == []
    # the renamed row leaves the recrawl rotation; the new one is in it
    assert stale_repositories(limit=10) == [new.pk]


def test_renamed_repository_whose_new_name_is_already_known(tiny_hub):
    tiny_hub.hub.add_repo({**repo_record("org/new"), "renamed_from": ["org/old"]})
    old, new = linked("org/old"), linked("org/new")
    model = AIModel.objects.create(repo_id="org/m", name="m")
    ModelCodeRepository.objects.create(model=model, repository=old, origin=choices.LinkOrigin.README)
    ModelCodeRepository.objects.create(model=model, repository=new, origin=choices.LinkOrigin.CARD_METADATA)
    crawl(old)
    assert CodeRepository.objects.count() == 2
    assert CodeRepository.objects.get(pk=old.pk).canonical_id == new.pk
    assert ModelCodeRepository.objects.get(repository=new).origin == choices.LinkOrigin.CARD_METADATA


def test_deleted_repository_is_missing(tiny_hub):
    tiny_hub.hub.delete_repo("ghost/deleted")  # gone from GitHub: its plain 404
    repo = linked("ghost/deleted")
    assert crawl(repo) == choices.RepoStatus.MISSING
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.MISSING
    assert repo.classification == choices.CodeClassification.NONE
    assert "not_found" in repo.crawl_error
    assert "deleted, private" in repo.crawl_error
    assert repo.crawled_at is not None
    assert repo.crawl_failures == 1
    failure = CrawlFailure.objects.get()
    assert failure.subject_type == choices.SubjectType.REPOSITORY
    assert failure.subject_key == "ghost/deleted"
    assert failure.error_code == "not_found"
    assert failure.http_status == 404
    assert failure.final
    assert evidence(repo)[choices.Fact.REPO_CODE].value["status"] == "missing"


def test_private_repository_is_missing(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/secret", private=True))
    repo = linked("org/secret")
    assert crawl(repo) == choices.RepoStatus.MISSING
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.MISSING
    assert "private" in repo.crawl_error
    assert repo.classification == choices.CodeClassification.NONE
    assert CrawlFailure.objects.get().subject_key == "org/secret"


def test_a_repository_not_in_the_snapshot_is_unread_not_deleted(tiny_hub):
    """The stand-in's 404 with "standin": "not in the snapshot" (a repository it never captured):
    could not be checked, so its code is unknown (v2 §1), where a plain 404 means deleted."""
    repo = linked("org/uncaptured")
    assert crawl(repo) == choices.RepoStatus.ERROR
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.ERROR
    assert repo.classification == choices.CodeClassification.UNKNOWN
    assert repo.crawl_error.startswith("not_in_snapshot:")
    evidence = Evidence.objects.get(subject_id=repo.pk, fact=choices.Fact.REPO_CODE)
    assert evidence.value["classification"] == "unknown"
    assert "could not be checked" in evidence.value["reason"]

    tiny_hub.hub.delete_repo("org/uncaptured")  # now GitHub's plain 404: deleted
    assert crawl(repo) == choices.RepoStatus.MISSING
    repo.refresh_from_db()
    assert repo.classification == choices.CodeClassification.NONE
    evidence = Evidence.objects.get(subject_id=repo.pk, fact=choices.Fact.REPO_CODE)
    assert evidence.value["classification"] == "none"


def test_repository_restored_unchanged_after_going_missing_is_available_again(tiny_hub):
    record = repo_record("org/flaky")
    tiny_hub.hub.add_repo(record)
    repo = linked("org/flaky")
    assert crawl(repo) == "crawled"
    tiny_hub.hub.delete_repo("org/flaky")
    assert crawl(repo) == choices.RepoStatus.MISSING
    tiny_hub.hub.add_repo(record)  # back, byte for byte: the old ETag matches again
    assert crawl(repo) == "crawled"
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.AVAILABLE
    assert repo.classification == choices.CodeClassification.TRAINING


def test_a_tree_that_is_not_json_ends_in_error_without_retrying(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/garbled"))
    repo = linked("org/garbled")
    tiny_hub.faults.add(path=r"/git/trees/", mode="invalid_json")
    assert crawl(repo) == choices.RepoStatus.ERROR  # not raised: retrying would not help
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.ERROR
    assert repo.classification == choices.CodeClassification.UNKNOWN
    assert "malformed_response" in repo.crawl_error
    assert CrawlFailure.objects.get().error_code == "malformed_response"
    assert crawl_repo.delay(repo.pk).get() == choices.RepoStatus.ERROR


def test_a_transient_error_on_the_license_writes_nothing(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/odd", license=OTHER))
    repo = linked("org/odd")
    tiny_hub.faults.add(path=r"/license", mode="status", status=503, times=1)
    with pytest.raises(GitHubUnavailable):
        crawl(repo)
    repo.refresh_from_db()
    assert repo.crawled_at is None
    assert repo.status == choices.RepoStatus.UNVERIFIED
    assert not Evidence.objects.exists()
    assert not CrawlFailure.objects.exists()
    assert crawl(repo) == "crawled"


def test_empty_repository(tiny_hub):
    tiny_hub.hub.add_repo({**repo_record("org/empty", tree=[]), "empty": True})
    repo = linked("org/empty")
    assert crawl(repo) == "crawled"
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.EMPTY
    assert repo.classification == choices.CodeClassification.NONE
    assert "empty" in repo.crawl_error
    assert repo.tree_sha == ""
    assert repo.evidence_paths == {}
    assert CrawlFailure.objects.get().error_code == "empty_repository"


def test_truncated_tree_is_classified_and_flagged(tiny_hub):
    tiny_hub.hub.add_repo(
        {**repo_record("org/huge", tree=["src/model.py", "finetune.py"]), "truncated": True}
    )
    repo = linked("org/huge")
    assert crawl(repo) == "crawled"
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.AVAILABLE
    assert repo.tree_truncated is True
    assert repo.classification == choices.CodeClassification.FINETUNING
    assert "truncated" in repo.crawl_error
    failure = CrawlFailure.objects.get()
    assert failure.error_code == "tree_incomplete"
    assert failure.subject_key == "org/huge"
    assert evidence(repo)[choices.Fact.REPO_CODE].value["truncated"] is True


def test_noassertion_license_records_the_license_file(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/odd", license=OTHER, default_branch="trunk"))
    repo = linked("org/odd")
    crawl(repo)
    repo.refresh_from_db()
    assert repo.license_spdx == "NOASSERTION"
    assert repo.license_name == "Other"
    row = evidence(repo)[choices.Fact.REPO_LICENSE]
    assert row.value == {
        "spdx_id": "NOASSERTION",
        "name": "Other",
        "license_file": "LICENSE",
        "license_text_kept": True,
    }
    assert row.source_url == "https://github.com/org/odd/blob/trunk/LICENSE"
    assert any(line.endswith("/repos/org/odd/license") for line in tiny_hub.httpd.recent)


def test_identified_license_needs_no_license_request(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/plain"))
    crawl(linked("org/plain"))
    assert not any("/license" in line for line in tiny_hub.httpd.recent)
    row = evidence(CodeRepository.objects.get())[choices.Fact.REPO_LICENSE]
    assert row.value["license_file"] == ""


def test_rate_limit_mid_crawl_loses_nothing_and_the_rest_crawl_later(tiny_hub):
    names = [f"org/repo-{i}" for i in range(1, 6)]
    for name in names:
        tiny_hub.hub.add_repo(repo_record(name))
    repos = [linked(name) for name in names]
    # the 3rd repository's metadata answers, then GitHub's primary limit is spent for everything after
    tiny_hub.faults.add(
        path=r"/repos/org/(repo-3/git/trees|repo-[45])",
        mode="rate_limit",
        github=True,
        ratelimit_remaining=0,
        status=403,
        retry_after=600,
    )
    outcomes: dict[str, object] = {}
    for repo in repos:
        try:
            outcomes[repo.full_name] = crawl(repo)
        except GitHubRateLimited as exc:
            outcomes[repo.full_name] = exc
    assert outcomes["org/repo-1"] == outcomes["org/repo-2"] == "crawled"
    limited = [outcomes[n] for n in names[2:]]
    assert all(isinstance(exc, GitHubRateLimited) for exc in limited)
    assert all(exc.transient and exc.retry_after > 500 for exc in limited)
    stored = {r.full_name: r for r in CodeRepository.objects.all()}
    for name in names[:2]:
        assert stored[name].status == choices.RepoStatus.AVAILABLE
        assert stored[name].classification == choices.CodeClassification.TRAINING
    for name in names[2:]:  # untouched, not half-written: still first in line for the next pass
        assert stored[name].status == choices.RepoStatus.UNVERIFIED
        assert stored[name].crawled_at is None
        assert stored[name].etags == {}
    assert not CrawlFailure.objects.exists()  # transient: the caller retries
    kept = {n: (stored[n].crawled_at, stored[n].etags) for n in names[:2]}
    assert stale_repositories(limit=3) == [stored[n].pk for n in names[2:]]

    tiny_hub.faults.clear()
    for repo in repos[2:]:
        assert crawl(repo) == "crawled"
    for repo in repos[:2]:
        assert crawl(repo) == "unchanged"
    stored = {r.full_name: r for r in CodeRepository.objects.all()}
    assert all(r.status == choices.RepoStatus.AVAILABLE for r in stored.values())
    assert {n: (stored[n].crawled_at, stored[n].etags) for n in names[:2]} == kept
    assert Evidence.objects.filter(subject_type=choices.SubjectType.REPOSITORY).count() == 15


def test_task_raises_retry_on_a_transient_error(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/busy"))
    repo = linked("org/busy")
    tiny_hub.faults.add(
        path=r"/github-api/",
        mode="rate_limit",
        github=True,
        ratelimit_remaining=0,
        status=403,
        retry_after=30,
    )
    with pytest.raises(Retry) as retry:  # eager with propagation: the first attempt's retry surfaces
        crawl_repo.delay(repo.pk)
    assert isinstance(retry.value.exc, GitHubRateLimited)
    assert 29 <= retry.value.when <= 32  # after the reset GitHub named, not a blind backoff
    assert not CrawlFailure.objects.exists()


def test_task_records_retries_exhausted(settings, tiny_hub):
    settings.CRAWL_MAX_RETRIES = 2
    celery_app.conf.task_eager_propagates = False  # let eager retries run in turn (the fixture resets it)
    tiny_hub.hub.add_repo(repo_record("org/busy"))
    repo = linked("org/busy")
    tiny_hub.faults.add(
        path=r"/github-api/", mode="rate_limit", github=True, ratelimit_remaining=0, status=403, retry_after=1
    )
    crawl_repo.delay(repo.pk)
    assert tiny_hub.stats["faults"] == 3  # the first attempt and two retries
    repo.refresh_from_db()
    assert repo.status == choices.RepoStatus.UNVERIFIED
    assert repo.crawled_at is None
    failure = CrawlFailure.objects.get()
    assert failure.error_code == "retries_exhausted"
    assert failure.attempts == 3
    assert failure.http_status == 403
    assert "rate_limited" in failure.message
    assert repo.crawl_failures == 1
    assert "retries_exhausted" in repo.crawl_error


def test_task_crawls_and_reports_the_status(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/ok"))
    repo = linked("org/ok")
    assert crawl_repo.delay(repo.pk).get() == "crawled"
    assert crawl_repo.delay(repo.pk).get() == "unchanged"
    assert crawl_repo.delay(999_999).get() is None


def test_stale_repositories_never_crawled_first_then_round_robin(tiny_hub):
    crawled = [
        CodeRepository.objects.create(
            full_name=f"org/crawled-{i}",
            crawled_at="2025-01-01T00:00:00Z",
            status=choices.RepoStatus.AVAILABLE,
        )
        for i in range(5)
    ]
    CodeRepository.objects.create(
        full_name="org/renamed", crawled_at="2025-01-01T00:00:00Z", status=choices.RepoStatus.RENAMED
    )
    fresh = [linked(f"org/fresh-{i}") for i in range(2)]
    ids = [r.pk for r in crawled]

    assert stale_repositories(limit=3) == [fresh[0].pk, fresh[1].pk, ids[0]]
    assert stale_repositories(limit=1) == [fresh[0].pk]  # no room: the cursor stays
    for repo in fresh:
        CodeRepository.objects.filter(pk=repo.pk).update(
            crawled_at="2025-01-02T00:00:00Z", status=choices.RepoStatus.AVAILABLE
        )
    ids = sorted(ids + [r.pk for r in fresh])
    seen: list[int] = [ids[0]]
    with CaptureQueriesContext(connection) as queries:
        for _ in range(4):
            batch = stale_repositories(limit=3)
            assert len(batch) == 3
            assert len(set(batch)) == 3
            seen += batch
    assert writes(queries) == []
    # round robin: in id order, wrapping around, every crawled repository in turn
    assert seen == [ids[i % len(ids)] for i in range(13)]
    big = stale_repositories(limit=50)
    assert sorted(big) == ids
    assert len(big) == len(ids)


def test_noassertion_keeps_the_licence_text_and_the_knowledge_base_names_it(tiny_hub):
    from scoring.facts import repo_license_key

    record = repo_record("org/custom", license=OTHER)
    record["license_file_text"] = "Copyright 2024\n\nApache License\n   Version 2.0, January 2004\n"
    tiny_hub.hub.add_repo(record)
    repo = linked("org/custom")
    crawl(repo)
    repo.refresh_from_db()
    assert "Apache License" in repo.license_text
    assert repo_license_key(repo.license_spdx, repo.license_text) == "Apache-2.0"


def test_a_licence_file_that_matches_no_known_licence_stays_unnamed():
    from scoring.facts import repo_license_key

    assert repo_license_key("NOASSERTION", "Use it only on Tuesdays.") == "NOASSERTION"


def test_a_rules_change_reclassifies_the_stored_tree_without_fetching(tiny_hub):
    from catalog.ingest.repositories import repositories_reclassify

    tiny_hub.hub.add_repo(
        repo_record("org/lib", tree=["src/pkg/__init__.py", "src/pkg/lora.py", "README.md"])
    )
    repo = linked("org/lib")
    crawl(repo)
    # as an older rules version classified it: a package module counted as fine-tuning code
    CodeRepository.objects.filter(pk=repo.pk).update(classification="finetuning", rules_version="1")
    requests_before = len(tiny_hub.httpd.recent)
    assert repositories_reclassify() == [repo.pk]
    repo.refresh_from_db()
    assert repo.classification == "inference"
    assert repo.rules_version == RULES_VERSION
    assert len(tiny_hub.httpd.recent) == requests_before  # nothing fetched


def test_a_304_after_a_rules_change_still_reclassifies(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("org/lib2", tree=["src/pkg/__init__.py", "src/pkg/lora.py"]))
    repo = linked("org/lib2")
    crawl(repo)
    CodeRepository.objects.filter(pk=repo.pk).update(classification="finetuning", rules_version="1")
    repo.refresh_from_db()
    assert crawl(repo) == "crawled"  # GitHub answers 304, the rules changed: classified again
    repo.refresh_from_db()
    assert repo.classification == "inference"


# --- rules version 5: the branch a card links is read on that branch's tree ---------------------
def _card_links_branch(repo: CodeRepository, model_id: str, refs: list[str]) -> AIModel:
    from django.utils import timezone

    model = AIModel.objects.create(repo_id=model_id)
    ModelCodeRepository.objects.create(model=model, repository=repo)
    Evidence.objects.create(
        subject_type=choices.SubjectType.MODEL,
        subject_id=model.pk,
        fact=choices.Fact.DOCUMENTATION,
        origin=choices.EvidenceOrigin.CRAWLED,
        value={"model_card": True, "repo_subfolders": {repo.full_name: refs}},
        source_url=f"https://huggingface.co/{model_id}",
        fetched_at=timezone.now(),
    )
    _mark_branches_pending([repo.full_name])  # what reading such a card does (catalog.ingest.store)
    return model


def _fairseq_record() -> dict:
    """The real snapshot record: main's tree, and the nllb branch's tree (branches.nllb)."""
    import json

    from standin.hub import SNAPSHOT_DIR

    path = SNAPSHOT_DIR / "github" / "facebookresearch" / "fairseq.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_branch_the_card_links_is_read_from_githubs_tree_of_that_ref(tiny_hub):
    """facebook/nllb-200-distilled-600M links github.com/facebookresearch/fairseq/tree/nllb: the
    NLLB recipe is on branch nllb, not on main. The crawler asks GitHub's tree of that ref too."""
    tiny_hub.hub.add_repo(_fairseq_record())
    repo = linked("facebookresearch/fairseq")
    _card_links_branch(repo, "facebook/nllb-200-distilled-600M", ["nllb"])
    assert crawl(repo) == "crawled"
    repo.refresh_from_db()
    assert "examples/nllb/modeling/train/train_script.py" not in repo.tree_paths  # main
    nllb = repo.branch_trees["nllb"]
    assert nllb["status"] == "read"
    assert "examples/nllb/modeling/train/train_script.py" in nllb["paths"]
    assert repo.etags["tree:nllb"]
    assert evidence(repo)[choices.Fact.REPO_CODE].value["branches"] == {"nllb": "read"}


def test_an_unchanged_repository_sends_no_branch_request_and_a_changed_one_a_conditional_one(tiny_hub):
    tiny_hub.hub.add_repo(_fairseq_record())
    repo = linked("facebookresearch/fairseq")
    _card_links_branch(repo, "facebook/nllb-200-distilled-600M", ["nllb"])
    crawl(repo)
    stored = CodeRepository.objects.get(pk=repo.pk).branch_trees
    assert crawl(repo) == "unchanged"  # the repository's 304 covers every branch (pushed_at)
    assert tiny_hub.stats["github_304"] == 1
    record = _fairseq_record()
    record["repo"]["pushed_at"] = "2026-01-01T00:00:00Z"
    tiny_hub.hub.add_repo(record)
    assert crawl(repo) == "crawled"
    # the repository changed, the branch did not: its tree answers 304 and the stored paths stand
    assert tiny_hub.stats["github_304"] == 2
    assert CodeRepository.objects.get(pk=repo.pk).branch_trees == stored


def test_a_branch_linked_after_the_crawl_is_read_though_github_says_304(tiny_hub):
    tiny_hub.hub.add_repo(_fairseq_record())
    repo = linked("facebookresearch/fairseq")
    crawl(repo)
    assert CodeRepository.objects.get(pk=repo.pk).branch_trees is None
    _card_links_branch(repo, "facebook/nllb-200-distilled-600M", ["nllb/examples/nllb"])
    assert crawl(repo) == "crawled"
    assert CodeRepository.objects.get(pk=repo.pk).branch_trees["nllb"]["status"] == "read"


def test_a_branch_the_snapshot_did_not_capture_is_recorded_unread(tiny_hub):
    tiny_hub.hub.add_repo(repo_record("allenai/OLMo"))
    repo = linked("allenai/OLMo")
    # tree/Muennighoff/MoE: a branch name with a slash; only its first segment is tried. The
    # stand-in has no tree for it and says so beside GitHub's 404: unread, not missing
    _card_links_branch(repo, "allenai/OLMoE-1B-7B-0924", ["Muennighoff/MoE"])
    assert crawl(repo) == "crawled"
    repo.refresh_from_db()
    assert repo.branch_trees["Muennighoff"]["status"] == "error"
    assert repo.branch_trees["Muennighoff"]["error"].startswith("not_in_snapshot:")
    assert repo.classification == choices.CodeClassification.TRAINING  # main's tree stands
    assert "tree:Muennighoff" not in repo.etags


def test_a_304_costs_no_query_unless_a_card_read_since_links_a_folder_or_ref(tiny_hub):
    """GitHub's 304 is the cheap path of every daily re-crawl: no database work. Only a card read
    since, linking the repository with a folder or ref, makes it ask which branches cards name."""
    tiny_hub.hub.add_repo(_fairseq_record())
    repo = linked("facebookresearch/fairseq")
    crawl(repo)
    repo.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        assert repository_crawl(repository=repo) == "unchanged"
    assert [q["sql"] for q in queries.captured_queries] == []
    _card_links_branch(repo, "facebook/nllb-200-distilled-600M", ["nllb"])
    repo.refresh_from_db()
    assert repo.branches_pending
    assert crawl(repo) == "crawled"  # the branch is read behind the 304
    repo.refresh_from_db()
    assert not repo.branches_pending
    assert repo.branch_trees["nllb"]["status"] == "read"


def test_reading_a_card_that_links_a_repository_folder_marks_the_repository(tiny_hub):
    from catalog.ingest import crawl as model_crawls

    tiny_hub.hub.add_repo(_fairseq_record())
    tiny_hub.hub.add_model(
        {"id": "facebook/nllb-like", "sha": "7" * 40, "siblings": [{"rfilename": "README.md"}]},
        readme="# A model\n\nTraining code: https://github.com/facebookresearch/fairseq/tree/nllb\n",
    )
    model_crawls.model_crawl(model=model_crawls.model_get_or_placeholder("facebook/nllb-like"))
    assert CodeRepository.objects.get(full_name="facebookresearch/fairseq").branches_pending
