"""Models that leave the Hub: deleted, privatised and renamed ones, checked after a complete pass.

The stand-in answers like the Hub: a deleted id 404 (RepoNotFound), a private one 401, a
renamed one a 307 to its new id (followed by the real huggingface_hub session).
"""

from __future__ import annotations

import pytest

from catalog import choices
from catalog.ingest import crawl
from catalog.models import AIModel, CrawlFailure, LineageEdge, ModelAlias
from scoring.models import Score, ScoreChange
from scoring.services import rescore

pytestmark = pytest.mark.django_db


def _hub_with(hub, *ids: str) -> None:
    for repo_id in ids:
        hub.add_model({"id": repo_id, "cardData": {"license": "mit"}, "downloads": 10})


def _full_pass(**kwargs):
    changed: list[int] = []
    run = crawl.discover(mode=crawl.FULL, hooks=crawl.DiscoverHooks(on_changed=changed.extend), **kwargs)
    return run, changed


def test_deleted_and_privatised_models_are_retired_after_a_complete_pass(tiny_hub):
    hub = tiny_hub.hub
    _hub_with(hub, "org/stays", "org/deleted", "org/hidden")
    _full_pass()
    rescore(model_ids=None)
    hub.delete_model("org/deleted")
    hub.make_private("org/hidden")
    run, changed = _full_pass()
    deleted = AIModel.objects.get(repo_id="org/deleted")
    hidden = AIModel.objects.get(repo_id="org/hidden")
    assert (deleted.retired_reason, hidden.retired_reason) == ("deleted", "private")
    assert deleted.retired_at is not None
    assert hidden.retired_at is not None
    assert AIModel.objects.get(repo_id="org/stays").retired_at is None
    assert set(changed) >= {deleted.pk, hidden.pk}
    rescore(model_ids=changed)
    listed = set(Score.objects.filter(is_listed=True).values_list("repo_id", flat=True))
    assert listed == {"org/stays"}
    assert run.status == choices.CrawlStatus.SUCCEEDED


def test_a_limited_or_failed_pass_retires_nothing(tiny_hub):
    hub = tiny_hub.hub
    _hub_with(hub, "org/a", "org/b", "org/c")
    _full_pass()
    hub.delete_model("org/c")
    _full_pass(limit=1)  # a partial walk proves nothing about what it did not reach
    assert not AIModel.objects.filter(retired_at__isnull=False).exists()
    tiny_hub.faults.add(path=r"^/api/models\?", mode="status", status=500)
    with pytest.raises(Exception):  # noqa: B017,PT011 - the pass fails on the listing
        _full_pass()
    assert not AIModel.objects.filter(retired_at__isnull=False).exists()
    tiny_hub.faults.clear()
    _full_pass()
    assert list(AIModel.objects.filter(retired_at__isnull=False).values_list("repo_id", flat=True)) == [
        "org/c"
    ]


def test_a_model_listed_again_comes_back(tiny_hub):
    hub = tiny_hub.hub
    _hub_with(hub, "org/a", "org/flaky")
    _full_pass()
    hub.make_private("org/flaky")
    _full_pass()
    assert AIModel.objects.get(repo_id="org/flaky").retired_reason == "private"
    hub.make_private("org/flaky", private=False)
    _run, changed = _full_pass()
    model = AIModel.objects.get(repo_id="org/flaky")
    assert (model.retired_at, model.retired_reason, model.private) == (None, "", False)
    assert model.pk in changed


def test_a_transient_error_during_the_check_retires_nothing_and_the_pass_stands(tiny_hub):
    hub = tiny_hub.hub
    _hub_with(hub, "org/a", "org/gone")
    _full_pass()
    hub.delete_model("org/gone")
    tiny_hub.faults.add(path=r"^/api/models/org/gone", mode="status", status=503)
    run, _ = _full_pass()
    assert run.status == choices.CrawlStatus.SUCCEEDED
    assert AIModel.objects.get(repo_id="org/gone").retired_at is None
    assert CrawlFailure.objects.filter(
        subject_key=f"run {run.pk}", error_code="upstream_unavailable"
    ).exists()
    tiny_hub.faults.clear()
    _full_pass()
    assert AIModel.objects.get(repo_id="org/gone").retired_reason == "deleted"


def test_a_renamed_model_keeps_its_row_history_and_an_alias(tiny_hub, client):
    hub = tiny_hub.hub
    _hub_with(hub, "org/old-name", "org/child")
    hub.models["org/child"]["cardData"]["base_model"] = "org/old-name"
    _full_pass()
    rescore(model_ids=None)
    model = AIModel.objects.get(repo_id="org/old-name")
    history_before = ScoreChange.objects.filter(model=model).count()
    assert history_before >= 1
    hub.rename_model("org/old-name", "neworg/new-name")
    _run, changed = _full_pass()  # lists neworg/new-name as new, then finds org/old-name redirected
    rescore(model_ids=changed)
    renamed = AIModel.objects.get(pk=model.pk)
    assert renamed.repo_id == "neworg/new-name"
    assert renamed.retired_at is None
    assert not AIModel.objects.filter(repo_id="org/old-name").exists()
    assert AIModel.objects.filter(repo_id="neworg/new-name").count() == 1  # folded, not duplicated
    assert ModelAlias.objects.get(repo_id="org/old-name").model_id == model.pk
    assert ScoreChange.objects.filter(model=model).count() >= history_before  # history carried over
    listed = list(Score.objects.filter(is_listed=True).values_list("repo_id", flat=True))
    assert sorted(listed) == ["neworg/new-name", "org/child"]  # never both names
    # the child named its base by the old id: its edge still points at the same row
    assert LineageEdge.objects.filter(child__repo_id="org/child", parent=model).exists()
    page = client.get("/models/org/old-name/")
    assert (page.status_code, page["Location"]) == (301, "/models/neworg/new-name/")
    api = client.get("/api/v1/models/org/old-name/?format=json")
    assert (api.status_code, api["Location"]) == (301, "/api/v1/models/neworg/new-name/?format=json")
    history = client.get("/api/v1/models/org/old-name/history/")
    assert (history.status_code, history["Location"]) == (301, "/api/v1/models/neworg/new-name/history/")
    detail = client.get("/api/v1/models/neworg/new-name/").json()
    assert detail["hub"]["former_ids"] == ["org/old-name"]
    # the next pass sees one model, no alias listed, nothing to check
    run, _ = _full_pass()
    assert run.new_count == 0
    assert AIModel.objects.count() == 2


def test_a_retired_model_page_and_api_say_so(tiny_hub, client):
    hub = tiny_hub.hub
    _hub_with(hub, "org/a", "org/gone")
    _full_pass()
    hub.delete_model("org/gone")
    _run, _changed = _full_pass()
    rescore(model_ids=None)
    page = client.get("/models/org/gone/")
    assert page.status_code == 200
    assert "Retired on" in page.content.decode()
    assert "deleted from the Hub" in page.content.decode()
    body = client.get("/api/v1/models/org/gone/").json()
    assert body["hub"]["retired_reason"] == "deleted"
    assert body["hub"]["retired_at"]
    board = client.get("/").content.decode()
    assert "org/gone" not in board


def test_folding_a_listed_new_name_keeps_a_correction_made_on_it(tiny_hub):
    from corrections.models import Correction

    hub = tiny_hub.hub
    _hub_with(hub, "org/old")
    _full_pass()
    old = AIModel.objects.get(repo_id="org/old")
    hub.rename_model("org/old", "org/new")
    # the new name is listed first (a limited pass reaches it) and a maintainer corrects it
    _full_pass(limit=5)
    new = AIModel.objects.get(repo_id="org/new")
    correction = Correction.objects.create(
        model=new, fact="license", value=["mit"], evidence_url="https://example.org/licence"
    )
    _full_pass()
    assert list(AIModel.objects.values_list("pk", "repo_id")) == [(old.pk, "org/new")]
    correction.refresh_from_db()
    assert correction.model_id == old.pk


def test_a_time_limit_during_the_check_leaves_the_pass_finished_and_the_rest_for_the_next(
    tiny_hub, monkeypatch
):
    from celery.exceptions import SoftTimeLimitExceeded

    from catalog.ingest import store

    hub = tiny_hub.hub
    _hub_with(hub, "org/a", "org/gone-1", "org/gone-2")
    _full_pass()
    hub.delete_model("org/gone-1")
    hub.delete_model("org/gone-2")
    real_retire = store.model_retire
    calls = []

    def retire_then_time_out(**kwargs):
        calls.append(kwargs["model"].repo_id)
        if len(calls) == 2:
            raise SoftTimeLimitExceeded()
        real_retire(**kwargs)

    monkeypatch.setattr(store, "model_retire", retire_then_time_out)
    changed: list[int] = []
    with pytest.raises(SoftTimeLimitExceeded):
        crawl.discover(mode=crawl.FULL, hooks=crawl.DiscoverHooks(on_changed=changed.extend))
    run = crawl.CrawlRun.objects.order_by("-pk").first()
    assert run.status == choices.CrawlStatus.SUCCEEDED  # the listing was complete
    first = AIModel.objects.get(repo_id=calls[0])
    assert first.retired_reason == "deleted"
    assert changed == [first.pk]  # announced before the cut: it leaves the board
    monkeypatch.setattr(store, "model_retire", real_retire)
    _full_pass()
    assert AIModel.objects.filter(retired_reason="deleted").count() == 2


def test_an_incremental_pass_that_lists_a_renamed_model_folds_it_at_once(tiny_hub):
    from datetime import UTC, datetime

    hub = tiny_hub.hub
    _hub_with(hub, "org/old-name", "org/other")
    hub.add_model({"id": "org/copy-a", "sha": "c" * 40, "cardData": {"license": "mit"}})
    _full_pass()
    model = AIModel.objects.get(repo_id="org/old-name")
    hub.rename_model("org/old-name", "org/new-name")
    hub.add_model({"id": "org/copy-b", "sha": "c" * 40, "cardData": {"license": "mit"}})  # same commit
    changed: list[int] = []
    crawl.discover(
        mode=crawl.INCREMENTAL,
        since=datetime(2000, 1, 1, tzinfo=UTC),
        hooks=crawl.DiscoverHooks(on_changed=changed.extend),
    )
    assert AIModel.objects.get(pk=model.pk).repo_id == "org/new-name"
    assert not AIModel.objects.filter(repo_id="org/old-name").exists()
    assert ModelAlias.objects.get(repo_id="org/old-name").model_id == model.pk
    assert model.pk in changed
    # a copy under another name (same commit, both served) stays two models
    assert (
        AIModel.objects.filter(repo_id__in=["org/copy-a", "org/copy-b"], retired_at__isnull=True).count() == 2
    )


def test_a_private_repo_read_with_its_owners_token_is_retired_as_private(tiny_hub, settings):
    hub = tiny_hub.hub
    _hub_with(hub, "org/a", "mine/secret")
    _full_pass()
    tiny_hub.httpd.tokens["hf_mine"] = "mine"
    settings.HF_TOKEN = "hf_mine"
    hub.make_private("mine/secret")
    hub.delete_model("org/a")
    _full_pass()
    secret = AIModel.objects.get(repo_id="mine/secret")
    assert (secret.private, secret.retired_reason) == (True, "private")
    assert AIModel.objects.get(repo_id="org/a").retired_reason == "deleted"


# --- datasets and repositories that leave their hosts ------------------------------------------
def test_a_deleted_dataset_and_repository_turn_missing_on_their_recrawl_and_the_model_is_rescored(
    tiny_hub, django_capture_on_commit_callbacks
):
    """The scheduled recrawls (beat: recrawl-stale-datasets, recrawl-stale-repos) see that a
    dataset and a repository a card names are gone: each keeps its row (the model's rationale
    still names it) with status missing, and the model's judgments are recomputed."""
    from datetime import timedelta

    from django.utils import timezone

    from catalog import tasks
    from catalog.models import CodeRepository, Dataset

    hub = tiny_hub.hub
    hub.add_dataset({"id": "org/corpus", "cardData": {"license": "cc-by-4.0"}, "tags": ["license:cc-by-4.0"]})
    hub.add_repo(
        {
            "repo": {"full_name": "org/trainer", "default_branch": "main", "license": {"key": "mit"}},
            "tree": ["LICENSE", "train.py", "configs/model.yaml"],
        }
    )
    hub.add_model(
        {"id": "org/model", "cardData": {"license": "mit", "datasets": ["org/corpus"]}, "downloads": 10},
        readme="# Model\n\n## Training\n\nTraining code: https://github.com/org/trainer\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        tasks.discover.delay(crawl.FULL).get()
    before = Score.objects.get(repo_id="org/model")
    assert before.training_data == "open"
    assert before.training_code in ("open", "partial")  # the repository's code counted

    hub.delete_dataset("org/corpus")
    hub.delete_repo("org/trainer")
    week_ago = timezone.now() - timedelta(days=8)
    Dataset.objects.update(crawled_at=week_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recrawl_stale_datasets.delay().get() == 1
        assert tasks.recrawl_stale_repos.delay().get() >= 1

    dataset = Dataset.objects.get(repo_id="org/corpus")
    repository = CodeRepository.objects.get(full_name="org/trainer")
    assert dataset.status == choices.DatasetStatus.MISSING
    assert repository.status == choices.RepoStatus.MISSING
    score = Score.objects.get(repo_id="org/model")
    assert score.training_data != "open"
    assert score.training_code not in ("open", "partial")
    # the first score, then one change per vanished source (each recrawl rescored the model)
    assert ScoreChange.objects.filter(model__repo_id="org/model").count() == 3
