"""Detail crawls of one model and dataset checks, through the real client against the stand-in."""

from __future__ import annotations

import pytest

from catalog import choices
from catalog.ingest import crawl
from catalog.models import (
    AIModel,
    CodeRepository,
    CrawlFailure,
    Dataset,
    Evidence,
    ModelCodeRepository,
    ModelDataset,
    ModelPaper,
)
from catalog.sources.huggingface.client import HubRateLimited, HubUnavailable

pytestmark = pytest.mark.django_db

SHA = "7" * 40
README_WITH_LINKS = """# A model

Training code: [open-instruct](https://github.com/AllenAI/open-instruct/tree/main/scripts), also
git@github.com:allenai/OLMo.git. Paper: https://arxiv.org/abs/2411.15124v2 and arXiv:2402.00838.
Data: [Dolma](https://huggingface.co/datasets/allenai/dolma) and
https://www.kaggle.com/datasets/someone/extra-data. Demo: https://playground.allenai.org/
Base: https://huggingface.co/allenai/OLMo-7B. Site pages: https://github.com/features/copilot
"""


def _row(repo_id: str) -> AIModel:
    return crawl.model_get_or_placeholder(repo_id)


def _add(hub, repo_id: str, readme=None, raw: bool = False, **fields) -> None:
    record = {
        "id": repo_id,
        "sha": SHA,
        "downloads": 10,
        "cardData": {"license": "apache-2.0"},
        "tags": ["transformers", "safetensors", "license:apache-2.0", "arxiv:2402.00838"],
        "siblings": [
            {"rfilename": "README.md"},
            {"rfilename": "model.safetensors"},
            {"rfilename": "training_args.bin"},
        ],
        "safetensors": {"total": 7_000_000_000},
        **fields,
    }
    hub.add_model(record, readme=readme, raw=raw)


def _failures(repo_id: str) -> list[tuple[str, str]]:
    return list(CrawlFailure.objects.filter(subject_key=repo_id).values_list("stage", "error_code"))


def _evidence(model: AIModel, fact: str) -> dict:
    return Evidence.objects.get(subject_type="model", subject_id=model.pk, fact=fact, origin="crawled").value


# --- a detail crawl that works ------------------------------------------------------------------------
def test_readme_links_become_repository_paper_and_dataset_links(tiny_hub):
    _add(
        tiny_hub.hub,
        "org/linked",
        readme=README_WITH_LINKS,
        cardData={"license": "apache-2.0", "datasets": ["org/card-data"]},
    )
    model = _row("org/linked")
    result = crawl.model_crawl(model=model)
    assert result.status == "crawled"
    assert result.message == ""
    model.refresh_from_db()
    assert not model.is_placeholder
    assert model.detail_sha == SHA
    assert model.detail_crawled_at is not None
    assert model.weight_files == ["model.safetensors"]
    assert model.parameters == 7_000_000_000
    assert model.crawl_error == ""

    repos = dict(
        ModelCodeRepository.objects.filter(model=model).values_list("repository__full_name", "origin")
    )
    assert repos == {"allenai/open-instruct": "readme", "allenai/olmo": "readme"}
    assert sorted(result.repository_ids) == sorted(CodeRepository.objects.values_list("id", flat=True))
    assert CodeRepository.objects.get(full_name="allenai/olmo").html_url == "https://github.com/allenai/olmo"

    papers = dict(ModelPaper.objects.filter(model=model).values_list("paper__arxiv_id", "origin"))
    assert papers == {"2402.00838": "tag", "2411.15124": "readme"}

    datasets = {
        (d.dataset.repo_id, d.dataset.source, d.origin)
        for d in ModelDataset.objects.filter(model=model).select_related("dataset")
    }
    assert datasets == {
        ("org/card-data", "huggingface", "card"),
        ("allenai/dolma", "huggingface", "readme"),
        ("https://www.kaggle.com/datasets/someone/extra-data", "external", "readme"),
    }
    external = Dataset.objects.get(source="external")
    assert external.status == choices.DatasetStatus.EXTERNAL
    assert sorted(result.dataset_ids) == sorted(
        Dataset.objects.filter(source="huggingface").values_list("id", flat=True)
    )
    assert model.other_links == [
        "https://playground.allenai.org/",
        "https://www.kaggle.com/datasets/someone/extra-data",
    ]

    facts = _evidence(model, "datasets")
    assert facts["from_readme"] == ["allenai/dolma"]
    assert facts["external"] == ["https://www.kaggle.com/datasets/someone/extra-data"]
    assert _evidence(model, "code_repositories") == {
        "repositories": ["allenai/open-instruct", "allenai/olmo"],
        "dropped_links": 0,
    }
    assert _failures("org/linked") == []
    assert tiny_hub.stats["model"] == 1
    assert tiny_hub.stats["resolve"] == 1


def test_a_second_crawl_keeps_the_links_of_the_first(tiny_hub):
    _add(tiny_hub.hub, "org/linked", readme=README_WITH_LINKS)
    model = _row("org/linked")
    crawl.model_crawl(model=model)
    before = ModelDataset.objects.filter(model=model).count()
    crawl.model_crawl(model=AIModel.objects.get(pk=model.pk), force=True)
    assert ModelDataset.objects.filter(model=model).count() == before == 2
    assert ModelCodeRepository.objects.filter(model=model).count() == 2


def test_an_unchanged_sha_is_not_crawled_again(tiny_hub):
    _add(tiny_hub.hub, "org/steady", readme="# steady\nhttps://github.com/org/steady")
    crawl.model_crawl(model=_row("org/steady"))
    crawled_at = AIModel.objects.get(repo_id="org/steady").detail_crawled_at
    result = crawl.model_crawl(model=AIModel.objects.get(repo_id="org/steady"))
    assert result.status == "unchanged"
    assert AIModel.objects.get(repo_id="org/steady").detail_crawled_at == crawled_at
    assert tiny_hub.stats["model"] == 2
    assert tiny_hub.stats["resolve"] == 1
    forced = crawl.model_crawl(model=AIModel.objects.get(repo_id="org/steady"), force=True)
    assert forced.status == "crawled"
    assert tiny_hub.stats["resolve"] == 2
    tiny_hub.hub.touch(["org/steady"], "2027-01-01T00:00:00.000Z")
    changed = crawl.model_crawl(model=AIModel.objects.get(repo_id="org/steady"))
    assert changed.status == "crawled"
    assert (
        AIModel.objects.get(repo_id="org/steady").detail_sha
        == tiny_hub.hub.models["org/steady"]["sha"]
        != SHA
    )


# --- models that went away ----------------------------------------------------------------------------
def test_a_model_that_disappears_is_marked_missing_and_keeps_what_was_known(tiny_hub):
    _add(
        tiny_hub.hub,
        "org/gone",
        readme="# gone\nhttps://github.com/org/gone-code https://arxiv.org/abs/2401.00001",
    )
    _add(tiny_hub.hub, "org/stays", readme="# stays")
    crawl.model_crawl(model=_row("org/gone"))
    crawl.model_crawl(model=_row("org/stays"))
    del tiny_hub.hub.models["org/gone"]

    result = crawl.model_crawl(model=AIModel.objects.get(repo_id="org/gone"), force=True)
    assert result.status == "missing"
    gone = AIModel.objects.get(repo_id="org/gone")
    assert gone.missing_since is not None
    assert gone.crawl_error.startswith("detail: not_found:")
    assert gone.license_declared == ["apache-2.0"]
    assert gone.weight_files == ["model.safetensors"]
    assert gone.detail_sha == SHA
    assert gone.parameters == 7_000_000_000
    assert ModelCodeRepository.objects.filter(model=gone).count() == 1
    assert ModelPaper.objects.filter(model=gone).count() == 2
    assert _evidence(gone, "license")["declared"] == ["apache-2.0"]
    failure = CrawlFailure.objects.get(subject_key="org/gone")
    assert (failure.stage, failure.error_code, failure.http_status) == ("detail", "not_found", 404)
    stays = AIModel.objects.get(repo_id="org/stays")
    assert stays.missing_since is None
    assert stays.crawl_error == ""

    first_missing = gone.missing_since
    crawl.model_crawl(model=gone, force=True)
    assert AIModel.objects.get(repo_id="org/gone").missing_since == first_missing  # the first 404 is kept


def test_a_disabled_model(tiny_hub):
    _add(tiny_hub.hub, "org/off", disabled=True)
    result = crawl.model_crawl(model=_row("org/off"))
    assert result.status == "disabled"
    off = AIModel.objects.get(repo_id="org/off")
    assert off.disabled
    assert "disabled" in off.crawl_error


def test_a_renamed_model_follows_the_redirect(snapshot_hub):
    old_name, new_name = "ibm-granite/granite-20b-code-instruct", "ibm-granite/granite-20b-code-instruct-8k"
    assert snapshot_hub.hub.redirect("models", old_name) == new_name
    old = _row(old_name)
    result = crawl.model_crawl(model=old)
    assert result.status == "renamed"
    old.refresh_from_db()
    assert old.missing_since is not None
    assert new_name in old.crawl_error
    new = AIModel.objects.get(repo_id=new_name)
    assert not new.is_placeholder
    assert new.detail_crawled_at is not None
    assert new.missing_since is None
    assert new.sha == snapshot_hub.hub.models[new_name]["sha"]


def test_a_renamed_model_onto_a_known_row(tiny_hub):
    _add(tiny_hub.hub, "org/new-name", readme="# new")
    tiny_hub.hub.model_redirects["org/old-name"] = "org/new-name"
    known = _row("org/new-name")
    result = crawl.model_crawl(model=_row("org/old-name"))
    assert result.status == "renamed"
    assert AIModel.objects.filter(repo_id="org/new-name").count() == 1
    assert AIModel.objects.get(pk=known.pk).detail_sha == SHA


# --- README problems ----------------------------------------------------------------------------------
def test_a_gated_model_card_is_read_like_any_other(tiny_hub):
    _add(tiny_hub.hub, "org/gated", readme="# gated\nhttps://github.com/org/secret", gated="manual")
    result = crawl.model_crawl(model=_row("org/gated"))
    assert result.status == "crawled"
    assert result.message == ""
    model = AIModel.objects.get(repo_id="org/gated")
    assert model.gated == "manual"
    assert model.weight_files == ["model.safetensors"]
    assert CodeRepository.objects.filter(full_name="org/secret").exists()
    assert _evidence(model, "documentation")["model_card"] is True


def test_a_card_the_snapshot_lacks_keeps_the_api_metadata_and_says_unread(tiny_hub):
    _add(tiny_hub.hub, "org/uncaptured", readme=None)
    tiny_hub.hub.notes["org/uncaptured"] = {"card": "unretrieved"}
    result = crawl.model_crawl(model=_row("org/uncaptured"))
    assert result.status == "crawled"
    assert "README unreadable" in result.message
    model = AIModel.objects.get(repo_id="org/uncaptured")
    assert model.license_declared == ["apache-2.0"]
    documentation = _evidence(model, "documentation")
    assert documentation["model_card"] is False
    assert documentation["readme_unavailable"]


def test_a_model_without_readme(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/bare", "sha": SHA})
    result = crawl.model_crawl(model=_row("org/bare"))
    assert result.status == "crawled"
    assert result.message == "no README in the repository"
    assert _failures("org/bare") == [("readme", "readme_unavailable")]


def test_a_10_mb_readme_is_recorded_as_too_large(settings, tiny_hub):
    body = b"# huge\nhttps://github.com/org/huge-code\n" + b"x" * (10 * 1024 * 1024)
    _add(tiny_hub.hub, "org/huge", readme=body, raw=True)
    result = crawl.model_crawl(model=_row("org/huge"))
    assert result.status == "crawled"
    assert f"larger than {settings.README_MAX_BYTES} bytes" in result.message
    assert _failures("org/huge") == [("readme", "readme_too_large")]
    model = AIModel.objects.get(repo_id="org/huge")
    assert _evidence(model, "documentation")["readme_truncated"] is True
    assert ModelCodeRepository.objects.filter(model=model, repository__full_name="org/huge-code").exists()


def test_a_readme_that_is_not_utf8(tiny_hub):
    body = "# Modèle\nhttps://github.com/org/latin-code\n".encode("latin-1")
    _add(tiny_hub.hub, "org/latin", readme=body, raw=True)
    result = crawl.model_crawl(model=_row("org/latin"))
    assert result.status == "crawled"
    assert "not valid UTF-8" in result.message
    assert _failures("org/latin") == [("readme", "readme_not_utf8")]
    assert CodeRepository.objects.filter(full_name="org/latin-code").exists()


def test_a_card_with_hundreds_of_urls_is_capped(settings, tiny_hub):
    settings.CRAWL_MAX_LINKS_PER_CARD = 25
    readme = "# links\n" + "\n".join(f"- https://github.com/org/repo-{i:03d}" for i in range(300))
    _add(tiny_hub.hub, "org/linky", readme=readme)
    result = crawl.model_crawl(model=_row("org/linky"))
    assert result.status == "crawled"
    assert result.message == "card links over the cap of 25: 275 ignored"
    model = AIModel.objects.get(repo_id="org/linky")
    assert ModelCodeRepository.objects.filter(model=model).count() == 25
    assert CodeRepository.objects.count() == 25
    assert _failures("org/linky") == [("readme", "card_links_capped")]
    assert _evidence(model, "code_repositories")["dropped_links"] == 275


def test_the_readme_is_read_at_the_crawled_revision(tiny_hub):
    _add(tiny_hub.hub, "org/pinned", readme="# pinned")
    crawl.model_crawl(model=_row("org/pinned"))
    assert any(f"/org/pinned/resolve/{SHA}/README.md" in line for line in tiny_hub.httpd.recent)


# --- transient errors ---------------------------------------------------------------------------------
def test_transient_errors_raise_for_the_task_to_retry(settings, tiny_hub):
    settings.HUB_HTTP_MAX_RETRIES = 0
    _add(tiny_hub.hub, "org/busy", readme="# busy")
    model = _row("org/busy")
    tiny_hub.faults.add(path="/api/models/org/busy", mode="rate_limit", retry_after=30, times=1)
    with pytest.raises(HubRateLimited) as limited:
        crawl.model_crawl(model=model)
    assert limited.value.retry_after == 30
    tiny_hub.faults.add(path="/org/busy/resolve/", mode="status", status=503, times=1)
    with pytest.raises(HubUnavailable):
        crawl.model_crawl(model=model)
    model.refresh_from_db()
    assert model.detail_crawled_at is None
    assert model.missing_since is None
    assert not CrawlFailure.objects.exists()
    assert crawl.model_crawl(model=model).status == "crawled"


def test_a_permanent_error_is_recorded_and_does_not_raise(tiny_hub):
    _add(tiny_hub.hub, "org/odd")
    tiny_hub.faults.add(path="/api/models/org/odd", mode="status", status=400)
    result = crawl.model_crawl(model=_row("org/odd"))
    assert result.status == "failed"
    model = AIModel.objects.get(repo_id="org/odd")
    assert model.crawl_failures == 1
    assert model.crawl_error.startswith("detail: hub_error:")
    assert _failures("org/odd") == [("detail", "hub_error")]


# --- datasets -----------------------------------------------------------------------------------------
def _dataset(repo_id: str) -> Dataset:
    return Dataset.objects.create(source="huggingface", repo_id=repo_id)


def _status(repo_id: str) -> tuple[str, str]:
    return Dataset.objects.values_list("status", "resolution_error").get(repo_id=repo_id)


def test_dataset_crawl(snapshot_hub):
    assert crawl.dataset_crawl(dataset=_dataset("allenai/dolma")) == choices.DatasetStatus.AVAILABLE
    dolma = Dataset.objects.get(repo_id="allenai/dolma")
    assert dolma.license_declared
    assert dolma.crawled_at is not None
    assert dolma.sha
    facts = Evidence.objects.get(subject_type="dataset", subject_id=dolma.pk, fact="dataset_access").value
    assert facts["status"] == "available"

    assert crawl.dataset_crawl(dataset=_dataset("bigcode/the-stack")) == choices.DatasetStatus.GATED
    assert Dataset.objects.get(repo_id="bigcode/the-stack").gated == "auto"

    assert crawl.dataset_crawl(dataset=_dataset("nobody/no-such-data")) == choices.DatasetStatus.MISSING
    status, reason = _status("nobody/no-such-data")
    assert status == "missing"
    assert reason == "the Hub has no public dataset by this name (404)"


def test_a_subset_path_is_not_a_dataset_id(snapshot_hub):
    requests = snapshot_hub.stats["requests"]
    assert crawl.dataset_crawl(dataset=_dataset("allenai/c4/en")) == choices.DatasetStatus.MISSING
    status, reason = _status("allenai/c4/en")
    assert status == "missing"
    assert "subset path" in reason
    assert crawl.dataset_crawl(dataset=_dataset("not a dataset!")) == choices.DatasetStatus.MISSING
    assert _status("not a dataset!")[1] == "not a Hub dataset id"
    assert snapshot_hub.stats["requests"] == requests  # neither was asked of the Hub


def test_a_legacy_bare_name_is_resolved_through_the_redirect(snapshot_hub):
    assert crawl.dataset_crawl(dataset=_dataset("c4")) == choices.DatasetStatus.AVAILABLE
    c4 = Dataset.objects.get(repo_id="c4")
    assert c4.license_declared == ["odc-by"]
    assert c4.size_category == "10B<n<100B"
    assert c4.resolution_error == "the Hub serves this name as allenai/c4"
    assert crawl.dataset_crawl(dataset=_dataset("wikipedia")) == choices.DatasetStatus.AVAILABLE


def test_gated_and_disabled_datasets_through_errors(tiny_hub):
    tiny_hub.hub.add_dataset({"id": "org/off", "disabled": True})
    tiny_hub.hub.add_dataset({"id": "org/locked"})
    tiny_hub.faults.add(path="/api/datasets/org/locked", status=401, error_code="GatedRepo")
    assert crawl.dataset_crawl(dataset=_dataset("org/off")) == choices.DatasetStatus.MISSING
    assert _status("org/off")[1].startswith("disabled on the Hub")
    assert crawl.dataset_crawl(dataset=_dataset("org/locked")) == choices.DatasetStatus.GATED


def test_an_external_dataset_is_never_fetched(tiny_hub):
    external = Dataset.objects.create(
        source="external", repo_id="https://zenodo.org/records/1", status=choices.DatasetStatus.EXTERNAL
    )
    assert crawl.dataset_crawl(dataset=external) == choices.DatasetStatus.EXTERNAL
    assert tiny_hub.stats["requests"] == 0


def test_a_transient_dataset_error_raises_and_changes_nothing(tiny_hub):
    tiny_hub.hub.add_dataset({"id": "org/data"})
    tiny_hub.faults.add(path="/api/datasets/org/data", status=503)
    with pytest.raises(HubUnavailable):
        crawl.dataset_crawl(dataset=_dataset("org/data"))
    assert _status("org/data") == ("unverified", "")


def test_nul_characters_in_the_detail_and_the_readme_are_removed(tiny_hub):
    readme = "# Model\x00 card\nCode: https://github.com/org/nul-code\x00\n"
    _add(tiny_hub.hub, "org/nul-detail", readme=readme, library_name="transformers\x00")
    result = crawl.model_crawl(model=_row("org/nul-detail"))
    assert result.status == "crawled"
    model = AIModel.objects.get(repo_id="org/nul-detail")
    assert model.library_name == "transformers"
    assert "NUL characters removed from the metadata" in model.crawl_error
    assert "\x00" not in model.card_html
    assert "Model card" in model.card_html
    assert CodeRepository.objects.filter(full_name="org/nul-code").exists()


def test_a_renamed_base_is_followed_and_its_derivatives_point_at_the_new_id(tiny_hub):
    from catalog.ingest.pipeline import InlineDispatch
    from catalog.models import LineageEdge

    hub = tiny_hub.hub
    _add(hub, "new-org/base")
    _add(hub, "org/child", cardData={"license": "apache-2.0", "base_model": "old-org/base"})
    hub.model_redirects["old-org/base"] = "new-org/base"  # the Hub answers the old id with the new one
    dispatch = InlineDispatch()
    dispatch.details([_row("org/child").pk])
    dispatch.run()
    child = AIModel.objects.get(repo_id="org/child")
    parents = list(LineageEdge.objects.filter(child=child).values_list("parent__repo_id", flat=True))
    assert parents == ["new-org/base"]
    assert AIModel.objects.get(repo_id="old-org/base").missing_since is not None


def test_a_deleted_base_leaves_the_base_part_unknown(tiny_hub):
    from catalog.ingest.pipeline import InlineDispatch

    _add(tiny_hub.hub, "org/orphan", cardData={"license": "apache-2.0", "base_model": "gone/base"})
    dispatch = InlineDispatch()
    dispatch.details([_row("org/orphan").pk])
    dispatch.run()
    assert AIModel.objects.get(repo_id="gone/base").missing_since is not None


def test_a_dataset_page_without_data_files_is_named_but_not_obtainable(tiny_hub):
    # methodology v2: "a dataset page that exists but cannot be downloaded (files removed)"
    tiny_hub.hub.add_dataset(
        {
            "id": "org/taken-down",
            "tags": ["license:mit"],
            "siblings": [{"rfilename": "README.md"}, {"rfilename": ".gitattributes"}],
        }
    )
    tiny_hub.hub.add_dataset(
        {
            "id": "org/with-data",
            "tags": ["license:mit"],
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "data/train-00000.parquet"}],
        }
    )
    tiny_hub.hub.add_dataset({"id": "org/files-unknown", "tags": ["license:mit"]})
    for repo_id in ("org/taken-down", "org/with-data", "org/files-unknown"):
        dataset = Dataset.objects.create(repo_id=repo_id, source="huggingface")
        crawl.dataset_crawl(dataset=dataset)
    status = dict(Dataset.objects.values_list("repo_id", "status"))
    assert status["org/taken-down"] == choices.DatasetStatus.NO_FILES
    assert status["org/with-data"] == choices.DatasetStatus.AVAILABLE
    assert status["org/files-unknown"] == choices.DatasetStatus.AVAILABLE  # no list: nothing proves absence
    # the evidence of the judgment keeps the file list that shows the absence, as the Hub sent it
    access = Evidence.objects.get(
        subject_type=choices.SubjectType.DATASET,
        subject_id=Dataset.objects.get(repo_id="org/taken-down").pk,
        fact=choices.Fact.DATASET_ACCESS,
    )
    assert access.value["files"] == ["README.md", ".gitattributes"]
    unknown = Evidence.objects.get(
        subject_type=choices.SubjectType.DATASET,
        subject_id=Dataset.objects.get(repo_id="org/files-unknown").pk,
        fact=choices.Fact.DATASET_ACCESS,
    )
    assert "files" not in unknown.value


def test_the_snapshot_serves_a_dataset_file_list_only_when_it_was_captured_whole(snapshot_data):
    from standin.hub import SnapshotHub

    hub = SnapshotHub()
    hub.add_dataset({"id": "a/partial", "siblings": [{"rfilename": "README.md"}]}, from_snapshot=True)
    hub.add_dataset(
        {"id": "a/whole", "siblings": [{"rfilename": "README.md"}], "_snapshot": {"files": "complete"}},
        from_snapshot=True,
    )
    assert "siblings" not in hub.dataset("a/partial")
    assert hub.dataset("a/whole")["siblings"] == [{"rfilename": "README.md"}]
    assert all("siblings" not in r for r in snapshot_data.datasets.values())  # none captured whole yet


# --- the model repository's own LICENSE file (methodology v2: metadata, LICENSE file, card text) --


def _licensed(hub, repo_id: str, license_text: str | None, declared=("other",), **fields) -> None:
    siblings = [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}]
    if license_text is not None:
        siblings.append({"rfilename": "LICENSE.md"})
    card = {"license": list(declared)} if declared else {}
    _add(
        hub,
        repo_id,
        readme="# A model\n\nWeights for research.\n",
        cardData=card,
        tags=["safetensors"],
        siblings=siblings,
        **fields,
    )


def test_a_licence_file_decides_when_the_metadata_says_other(tiny_hub):
    from scoring.models import Score
    from scoring.services import rescore

    _licensed(tiny_hub.hub, "org/opt-like", "OPT-175B")
    tiny_hub.hub.add_file(
        "org/opt-like", "LICENSE.md", b"OPT-175B LICENSE AGREEMENT\n\nThis License Agreement ..."
    )
    model = _row("org/opt-like")
    crawl.model_crawl(model=model)
    documentation = _evidence(model, "documentation")
    assert documentation["license_file"]["path"] == "LICENSE.md"
    assert "OPT-175B" in documentation["license_file"]["text"]
    rescore(model_ids=[model.pk])
    score = Score.objects.select_related("detail").get(model=model)
    assert score.license_key == "LicenseRef-openness-opt-175b"
    assert "LICENSE.md" in score.detail.judgments["license"]["rationale"]


def test_a_declared_licence_is_not_second_guessed_by_a_file_and_no_file_is_fetched(tiny_hub):
    _licensed(tiny_hub.hub, "org/mit", "whatever", declared=("mit",))
    tiny_hub.hub.add_file("org/mit", "LICENSE.md", b"OPT-175B LICENSE AGREEMENT")
    model = _row("org/mit")
    before = tiny_hub.stats["resolve"]
    crawl.model_crawl(model=model)
    assert tiny_hub.stats["resolve"] - before == 1  # the README only
    assert _evidence(model, "documentation")["license_file"] is None


def test_an_unreadable_licence_file_is_recorded_not_guessed(tiny_hub):
    # a snapshot record lists the file, but its content was never captured
    _licensed(tiny_hub.hub, "org/uncaptured", "x", _snapshot={"card": "retrieved"})
    model = _row("org/uncaptured")
    crawl.model_crawl(model=model)
    assert _evidence(model, "documentation")["license_file"] == {
        "path": "LICENSE.md",
        "text": "",
        "problem": "not_in_snapshot",
    }
