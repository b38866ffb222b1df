"""The Hub client: tolerant parsing, and the real huggingface_hub session against the stand-in.

Nothing is mocked: errors come from the stand-in's routes and its fault rules, over a socket.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx2
import pytest

from catalog.sources.budget import waiting_allowed
from catalog.sources.huggingface import client as hf
from catalog.sources.huggingface.client import (
    BaseModelRef,
    HubClient,
    HubDisabled,
    HubError,
    HubGated,
    HubMalformedResponse,
    HubNotFound,
    HubRateLimited,
    HubRefused,
    HubRevisionNotFound,
    HubUnavailable,
    parse_dataset,
    parse_model,
)

SHA = "5" * 40


# --- parse_model ---------------------------------------------------------------------------------
def test_a_complete_item_is_parsed():
    record = parse_model(
        {
            "_id": "x",
            "id": "allenai/OLMo-7B",
            "author": "allenai",
            "sha": SHA,
            "createdAt": "2024-01-09T17:13:27.000Z",
            "lastModified": "2024-07-16T18:02:48.000Z",
            "private": False,
            "disabled": False,
            "gated": False,
            "downloads": 12345,
            "likes": 650,
            "trendingScore": 3,
            "library_name": "transformers",
            "pipeline_tag": "text-generation",
            "tags": [
                "transformers",
                "safetensors",
                "pytorch",
                "dataset:allenai/dolma",
                "arxiv:2402.00838",
                "license:apache-2.0",
                "region:us",
            ],
            "cardData": {
                "license": "apache-2.0",
                "datasets": ["allenai/dolma"],
                "language": ["en"],
                "widget": [1],
            },
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
            "safetensors": {"parameters": {"F32": 6888095744}, "total": 6888095744},
        }
    )
    assert record.repo_id == "allenai/OLMo-7B"
    assert record.sha == SHA
    assert record.problems == []
    assert record.created_at == datetime(2024, 1, 9, 17, 13, 27, tzinfo=UTC)
    assert record.license_declared == ["apache-2.0"]
    assert record.datasets == ["allenai/dolma"]
    assert record.arxiv_ids == ["2402.00838"]
    assert record.weight_formats == ["pytorch", "safetensors"]
    assert record.parameters == 6888095744
    assert record.trending_score == 3.0
    assert record.card_data == {"license": "apache-2.0", "datasets": ["allenai/dolma"], "language": ["en"]}
    assert record.weight_files == ["model.safetensors"]


def test_license_as_a_list_and_datasets_as_a_string():
    record = parse_model(
        {"id": "o/m", "cardData": {"license": ["apache-2.0", "MIT", "mit"], "datasets": "o/data"}}
    )
    assert record.license_declared == ["apache-2.0", "MIT"]  # deduplicated, first spelling kept
    assert record.datasets == ["o/data"]
    assert record.problems == []


def test_license_falls_back_to_the_tags():
    record = parse_model({"id": "o/m", "tags": ["license:llama3.1"], "cardData": {}})
    assert record.license_declared == ["llama3.1"]


@pytest.mark.parametrize("base_model", ["o/base", ["o/base"]])
def test_base_model_as_a_string_or_a_list(base_model):
    record = parse_model(
        {"id": "o/m", "cardData": {"base_model": base_model, "base_model_relation": "adapter"}}
    )
    assert record.base_models == [BaseModelRef("o/base", "adapter", "card")]


def test_several_bases_without_a_relation_are_a_merge():
    record = parse_model({"id": "o/m", "cardData": {"base_model": ["o/a", "o/b"]}})
    assert [(b.repo_id, b.relation) for b in record.base_models] == [("o/a", "merge"), ("o/b", "merge")]
    single = parse_model({"id": "o/m", "cardData": {"base_model": "o/a"}})
    assert [(b.repo_id, b.relation) for b in single.base_models] == [("o/a", "unknown")]


def test_base_model_relation_tags():
    record = parse_model(
        {
            "id": "o/m",
            "tags": [
                "base_model:o/base",
                "base_model:quantized:o/base",
                "base_model:finetune:o/other",
                "base_model:weird:o/x",
            ],
        }
    )
    assert [(b.repo_id, b.relation, b.origin) for b in record.base_models] == [
        ("o/base", "quantized", "tag"),
        ("o/other", "finetune", "tag"),
    ]


def test_base_models_from_the_api_as_a_dict_or_a_list():
    as_dict = parse_model(
        {"id": "o/m", "baseModels": {"relation": "quantized", "models": [{"id": "o/a"}, "junk"]}}
    )
    assert as_dict.base_models == [BaseModelRef("o/a", "quantized", "api")]
    as_list = parse_model({"id": "o/m", "baseModels": ["o/a", {"id": "o/b", "relation": "adapter"}, 5]})
    assert [(b.repo_id, b.relation) for b in as_list.base_models] == [("o/a", "merge"), ("o/b", "adapter")]


@pytest.mark.parametrize(
    "api_value",
    [
        {"relation": "finetune", "models": 7},
        {"models": "o/a"},
        12,
        "o/a",
        None,
        {"relation": ["x"], "models": [{"id": 5}]},
    ],
)
def test_odd_base_model_api_values_never_raise(api_value):
    record = parse_model({"id": "o/m", "baseModels": api_value})
    assert all(isinstance(b, BaseModelRef) for b in record.base_models)


def test_base_models_that_are_not_a_list_are_a_problem():
    record = parse_model({"id": "o/m", "baseModels": {"relation": "finetune", "models": 7}})
    assert record.base_models == []
    assert record.problems == ["baseModels.models is int, not a list"]


def test_unknown_keys_are_ignored():
    record = parse_model(
        {"id": "o/m", "spaces": ["x"], "mystery": {"a": 1}, "cardData": {"co2": 1, "license": "mit"}}
    )
    assert record.problems == []
    assert record.card_data == {"license": "mit"}


def test_wrong_types_are_recorded_as_problems_and_never_raise():
    record = parse_model(
        {
            "id": "o/m",
            "createdAt": 20240101,
            "lastModified": "yesterday",
            "gated": "sometimes",
            "tags": ["ok", 5],
            "downloads": "many",
            "likes": -3,
            "trendingScore": True,
            "private": "yes",
            "cardData": {
                "license": 42,
                "datasets": {"a": 1},
                "base_model": 7,
                "base_model_relation": "cloned",
                "pipeline_tag": ["x"],
            },
            "siblings": "README.md",
            "safetensors": [1],
            "gguf": "x",
        }
    )
    problems = " | ".join(record.problems)
    for expected in (
        "createdAt is int",
        "lastModified 'yesterday' is not a date",
        "gated has the unknown value",
        "license is int",
        "datasets is dict",
        "base_model is int",
        "base_model_relation 'cloned'",
    ):
        assert expected in problems
    assert record.gated == "manual"
    assert record.created_at is None
    assert record.last_modified is None
    assert record.downloads == 0
    assert record.likes == 0
    assert record.trending_score is None
    assert not record.private
    assert record.tags == ["ok"]
    assert record.license_declared == []
    assert record.datasets == []
    assert record.siblings is None
    assert record.parameters is None
    assert record.pipeline_tag == ""


def test_card_data_that_is_not_an_object():
    record = parse_model({"id": "o/m", "cardData": "license: mit"})
    assert record.problems == ["cardData is str, not an object"]
    assert record.card_data == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-09T17:13:27.000Z", datetime(2024, 1, 9, 17, 13, 27, tzinfo=UTC)),
        ("2024-01-09T17:13:27.000+00:00", datetime(2024, 1, 9, 17, 13, 27, tzinfo=UTC)),
        ("2024-01-09T17:13:27", datetime(2024, 1, 9, 17, 13, 27, tzinfo=UTC)),
        ("2024-01-09T19:13:27+02:00", datetime(2024, 1, 9, 17, 13, 27, tzinfo=UTC)),
        (" 2024-01-09 ", datetime(2024, 1, 9, tzinfo=UTC)),
    ],
)
def test_dates_with_or_without_a_zone(value, expected):
    record = parse_model({"id": "o/m", "createdAt": value})
    assert record.created_at == expected
    assert record.created_at.tzinfo is not None
    assert record.problems == []


@pytest.mark.parametrize("value", ["2024-13-45T00:00:00Z", "Z", "not a date", "2024-01-09T25:00:00Z"])
def test_invalid_dates_are_problems(value):
    record = parse_model({"id": "o/m", "lastModified": value})
    assert record.last_modified is None
    assert record.problems == [f"lastModified {value!r} is not a date"]


@pytest.mark.parametrize(
    ("value", "gate", "problem"),
    [
        (False, "", False),
        (None, "", False),
        ("false", "", False),
        ("auto", "auto", False),
        ("manual", "manual", False),
        (True, "manual", True),
        ("MANUAL", "manual", True),
        (3, "manual", True),
    ],
)
def test_gated_values(value, gate, problem):
    record = parse_model({"id": "o/m", "gated": value})
    assert record.gated == gate
    assert bool(record.problems) is problem


def test_siblings_without_rfilename_and_safetensors_without_total():
    record = parse_model(
        {
            "id": "o/m",
            "siblings": [{"rfilename": "a.safetensors"}, {"size": 3}, "b.bin", {"rfilename": 4}],
            "safetensors": {"parameters": {"BF16": 10}},
        }
    )
    assert record.siblings == ["a.safetensors"]
    assert record.parameters is None
    gguf = parse_model({"id": "o/m", "gguf": {"total": 7_000, "architecture": "llama"}})
    assert gguf.parameters == 7_000
    empty = parse_model({"id": "o/m", "siblings": []})
    assert empty.siblings == []
    assert empty.weight_files == []
    assert parse_model({"id": "o/m"}).weight_files is None  # listing items carry no siblings


def test_weight_files_exclude_training_state():
    record = parse_model(
        {
            "id": "o/m",
            "siblings": [
                {"rfilename": n}
                for n in (
                    "pytorch_model.bin",
                    "training_args.bin",
                    "ckpt/optimizer.bin",
                    "scheduler.bin",
                    "rng_state.bin",
                    "model-00001-of-00002.safetensors",
                    "Q4_K_M.GGUF",
                    "config.json",
                    "README.md",
                    "onnx/model.onnx",
                )
            ],
        }
    )
    assert record.weight_files == [
        "pytorch_model.bin",
        "model-00001-of-00002.safetensors",
        "Q4_K_M.GGUF",
        "onnx/model.onnx",
    ]


@pytest.mark.parametrize(
    "raw", [None, [], "o/m", {"id": ""}, {"id": "bad id"}, {"id": 5}, {"id": "a/b/c"}, {"id": "-x/y"}]
)
def test_items_without_a_usable_id_raise_value_error(raw):
    with pytest.raises(ValueError, match=r"not an object|no valid repository id"):
        parse_model(raw)


def test_model_id_is_accepted_when_id_is_absent():
    assert parse_model({"modelId": "gpt2"}).repo_id == "gpt2"


def test_oversized_card_keeps_only_the_license_fields():
    record = parse_model({"id": "o/m", "cardData": {"license": "mit", "tags": ["x" * 100] * 300}})
    assert record.card_data == {"license": "mit"}
    assert "card metadata over 16 kB" in record.problems[0]


# --- parse_dataset -------------------------------------------------------------------------------
def test_parse_dataset():
    record = parse_dataset(
        {
            "id": "allenai/dolma",
            "sha": SHA,
            "gated": "auto",
            "lastModified": "2024-04-17T00:00:00Z",
            "tags": ["license:odc-by", "size_categories:n>1T", 3],
            "cardData": {"license": ["odc-by"], "license_name": "ODC-BY"},
        }
    )
    assert record.repo_id == "allenai/dolma"
    assert record.sha == SHA
    assert record.gated == "auto"
    assert record.license_declared == ["odc-by"]
    assert record.license_name == "ODC-BY"
    assert record.size_category == "n>1T"
    assert record.tags == ["license:odc-by", "size_categories:n>1T"]
    assert record.last_modified == datetime(2024, 4, 17, tzinfo=UTC)
    fallback = parse_dataset(
        {"id": "c4", "tags": ["license:odc-by"], "cardData": "oops", "lastModified": "never"}
    )
    assert fallback.license_declared == ["odc-by"]
    assert fallback.problems == ["lastModified 'never' is not a date"]
    with pytest.raises(ValueError, match="no id"):
        parse_dataset({"name": "x"})


# --- the client against the stand-in ---------------------------------------------------------------
def _seed(hub) -> None:
    for i, downloads in enumerate((900, 800, 700, 600, 500)):
        hub.add_model({"id": f"org/m{i}", "downloads": downloads, "cardData": {"license": "mit"}})
    hub.models["bad id with spaces"] = {
        "id": "bad id with spaces",
        "downloads": 650,
        "lastModified": "2026-01-01T00:00:00.000Z",
    }


def test_iter_pages_follows_the_link_header(tiny_hub):
    _seed(tiny_hub.hub)
    client = HubClient()
    pages = list(client.iter_pages(client.first_page_url(sort="downloads", page_size=2)))
    assert [[m.repo_id for m in p.models] for p in pages] == [
        ["org/m0", "org/m1"],
        ["org/m2"],
        ["org/m3", "org/m4"],
    ]
    assert pages[1].rejected == [
        ("bad id with spaces", "listing item has no valid repository id ('bad id with spaces')")
    ]
    assert [p.next_url is not None for p in pages] == [True, True, False]
    assert pages[1].url == pages[0].next_url
    assert pages[2].url == pages[1].next_url
    assert pages[0].next_url.startswith(f"{tiny_hub.url}/api/models?")
    assert "cursor=" in pages[0].next_url
    assert "expand=cardData" in pages[0].next_url  # the listing parameters survive the cursor
    assert pages[0].models[0].license_declared == ["mit"]
    assert pages[0].models[0].sha
    assert tiny_hub.stats["list"] == 3


def test_iter_pages_resumes_from_a_stored_cursor_url(tiny_hub):
    _seed(tiny_hub.hub)
    client = HubClient()
    first = next(client.iter_pages(client.first_page_url(sort="downloads", page_size=4)))
    resumed = list(client.iter_pages(first.next_url))
    assert [m.repo_id for m in first.models] == ["org/m0", "org/m1", "org/m2"]  # and the rejected item
    assert [m.repo_id for p in resumed for m in p.models] == ["org/m3", "org/m4"]


def test_first_page_url_quotes_parameters(tiny_hub):
    url = HubClient().first_page_url(sort="lastModified", author="a b", search="x&y", page_size=10)
    assert "author=a%20b" in url
    assert "search=x%26y" in url
    assert "limit=10" in url
    assert "sort=lastModified" in url


def test_model_detail(tiny_hub):
    tiny_hub.hub.add_model(
        {
            "id": "org/m",
            "sha": SHA,
            "siblings": [{"rfilename": "model.safetensors"}],
            "safetensors": {"total": 99},
            "baseModels": {"relation": "adapter", "models": [{"id": "o/b"}]},
        }
    )
    record = HubClient().model("org/m")
    assert record.repo_id == "org/m"
    assert record.sha == SHA
    assert record.parameters == 99
    assert record.weight_files == ["model.safetensors"]
    assert record.base_models == [BaseModelRef("o/b", "adapter", "api")]


def test_model_errors_map_to_hub_errors(tiny_hub):
    hub = tiny_hub.hub
    hub.add_model({"id": "org/private", "private": True})
    hub.add_model({"id": "org/off", "disabled": True})
    hub.add_model({"id": "org/gated"})
    hub.add_model({"id": "org/moved-on"})
    client = HubClient()
    with pytest.raises(HubNotFound) as unknown:
        client.model("nobody/nothing")
    assert unknown.value.http_status == 404
    assert not unknown.value.transient
    with pytest.raises(HubNotFound) as private:
        client.model("org/private")
    assert private.value.http_status == 401
    with pytest.raises(HubDisabled):
        client.model("org/off")
    tiny_hub.faults.add(path="/api/models/org/gated", status=401, error_code="GatedRepo")
    with pytest.raises(HubGated):
        client.model("org/gated")
    tiny_hub.faults.add(path="/api/models/org/moved-on", status=404, error_code="RevisionNotFound")
    with pytest.raises(HubRevisionNotFound):
        client.model("org/moved-on")


def test_dataset_and_its_errors(tiny_hub):
    hub = tiny_hub.hub
    hub.add_dataset({"id": "org/data", "gated": "auto", "tags": ["license:cc-by-4.0"]})
    hub.add_dataset({"id": "org/off", "disabled": True})
    hub.add_dataset({"id": "org/private", "private": True})
    client = HubClient()
    record = client.dataset("org/data")
    assert record.repo_id == "org/data"
    assert record.gated == "auto"
    assert record.license_declared == ["cc-by-4.0"]
    with pytest.raises(HubNotFound):
        client.dataset("nobody/nothing")
    with pytest.raises(HubNotFound) as private:
        client.dataset("org/private")
    assert private.value.http_status == 401
    with pytest.raises(HubDisabled):
        client.dataset("org/off")
    tiny_hub.faults.add(path="/api/datasets/org/data", status=401, error_code="GatedRepo", times=1)
    with pytest.raises(HubGated):
        client.dataset("org/data")


def test_a_429_storm_ends_in_hub_rate_limited(settings, tiny_hub):
    settings.HUB_HTTP_MAX_RETRIES = 1  # each retry of a 429 sleeps the reset time + 1 s
    tiny_hub.hub.add_model({"id": "org/m"})
    rule = tiny_hub.faults.add(path="/api/models/org/m", mode="rate_limit", retry_after=0, times=10)
    with pytest.raises(HubRateLimited) as limited, waiting_allowed(60):  # the crawl command
        HubClient().model("org/m")
    assert limited.value.transient
    assert limited.value.http_status == 429
    assert limited.value.retry_after == 0
    assert rule.applied == 2  # the first try and one retry
    assert tiny_hub.stats["model"] == 0


def test_rate_limited_carries_the_reset_time_of_the_rate_limit_header(settings, tiny_hub):
    settings.HUB_HTTP_MAX_RETRIES = 0
    tiny_hub.hub.add_model({"id": "org/m"})
    tiny_hub.faults.add(path="/api/models/org/m", mode="rate_limit", retry_after=42)
    with pytest.raises(HubRateLimited) as limited:
        HubClient().model("org/m")
    assert limited.value.retry_after == 42


def test_a_429_that_clears_is_retried_by_http_backoff(settings, tiny_hub):
    settings.HUB_HTTP_MAX_RETRIES = 2
    tiny_hub.hub.add_model({"id": "org/m", "sha": SHA})
    rule = tiny_hub.faults.add(path="/api/models/org/m", mode="rate_limit", retry_after=0, times=1)
    with waiting_allowed(60):  # the crawl command waits in place; a worker retries its task
        assert HubClient().model("org/m").sha == SHA
    assert rule.applied == 1
    assert tiny_hub.stats["model"] == 1


def test_server_errors_become_hub_unavailable_after_the_retries(settings, tiny_hub):
    tiny_hub.hub.add_model({"id": "org/m"})
    rule = tiny_hub.faults.add(path="/api/models/org/m", mode="status", status=502)
    with pytest.raises(HubUnavailable) as unavailable:
        HubClient().model("org/m")
    assert unavailable.value.http_status == 502
    assert unavailable.value.transient
    assert rule.applied == settings.HUB_HTTP_MAX_RETRIES + 1


def test_a_500_that_clears_is_retried(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/m"})
    tiny_hub.faults.add(path="/api/models/org/m", mode="status", status=503, times=2)
    assert HubClient().model("org/m").repo_id == "org/m"


def test_a_timeout_becomes_hub_unavailable(settings, tiny_hub):
    settings.HUB_HTTP_TIMEOUT = 0.3
    settings.HUB_HTTP_MAX_RETRIES = 1
    tiny_hub.hub.add_model({"id": "org/m"})
    rule = tiny_hub.faults.add(path="/api/models/org/m", mode="slow", delay=1.0)
    with pytest.raises(HubUnavailable, match="timed out"):
        HubClient().model("org/m")
    assert rule.applied == 2


def test_a_truncated_page_is_a_malformed_response(tiny_hub):
    _seed(tiny_hub.hub)
    tiny_hub.faults.add(path=r"^/api/models\?", mode="truncate")
    client = HubClient()
    with pytest.raises(HubMalformedResponse) as malformed:
        list(client.iter_pages(client.first_page_url(sort="downloads")))
    assert malformed.value.transient


def test_a_truncated_detail_is_a_malformed_response(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/m"})
    tiny_hub.faults.add(path="/api/models/org/m", mode="truncate")
    with pytest.raises(HubMalformedResponse):
        HubClient().model("org/m")


def test_invalid_json_is_a_malformed_response(tiny_hub):
    _seed(tiny_hub.hub)
    tiny_hub.faults.add(path=r"^/api/", mode="invalid_json")
    client = HubClient()
    with pytest.raises(HubMalformedResponse, match="not JSON"):
        list(client.iter_pages(client.first_page_url(sort="downloads")))
    with pytest.raises(HubMalformedResponse, match="not JSON"):
        client.model("org/m0")


def test_a_listing_that_is_not_a_list_is_malformed(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/m"})
    with pytest.raises(HubMalformedResponse, match="not a list"):
        list(HubClient().iter_pages(f"{tiny_hub.url}/api/models/org/m"))


# --- README --------------------------------------------------------------------------------------
def test_a_huge_readme_is_cut_at_the_limit(settings, tiny_hub):
    settings.README_MAX_BYTES = 64 * 1024
    tiny_hub.hub.add_model({"id": "org/big", "sha": SHA}, readme=b"x" * (10 * 1024 * 1024), raw=True)
    readme = HubClient().readme("org/big", SHA)
    assert readme.truncated
    assert not readme.decoding_errors
    assert len(readme.text) == 64 * 1024
    assert readme.revision == SHA
    assert tiny_hub.stats["resolve"] == 1


def test_max_bytes_argument_overrides_the_setting(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/big"}, readme=b"y" * 5000, raw=True)
    readme = HubClient().readme("org/big", "main", max_bytes=1000)
    assert readme.truncated
    assert readme.text == "y" * 1000


def test_a_readme_of_exactly_the_limit_is_not_truncated(settings, tiny_hub):
    settings.README_MAX_BYTES = 4096
    tiny_hub.hub.add_model({"id": "org/exact"}, readme=b"z" * 4096, raw=True)
    readme = HubClient().readme("org/exact", "main")
    assert not readme.truncated
    assert len(readme.text) == 4096


def test_a_cut_inside_a_multibyte_character_is_not_a_decoding_error(settings, tiny_hub):
    settings.README_MAX_BYTES = 4096
    body = ("é" * 3000).encode()  # two bytes each: the limit falls inside no character, then inside one
    tiny_hub.hub.add_model({"id": "org/utf8"}, readme=b"a" + body, raw=True)
    readme = HubClient().readme("org/utf8", "main")
    assert readme.truncated
    assert not readme.decoding_errors
    assert readme.text == "a" + "é" * 2047
    assert "\ufffd" not in readme.text


def test_a_readme_that_is_not_utf8(tiny_hub):
    tiny_hub.hub.add_model(
        {"id": "org/latin"}, readme="Modèle entraîné sur des données".encode("latin-1"), raw=True
    )
    readme = HubClient().readme("org/latin", "main")
    assert readme.decoding_errors
    assert not readme.truncated
    assert readme.text.startswith("Mod\ufffdle")


def test_readme_errors(tiny_hub):
    hub = tiny_hub.hub
    hub.add_model({"id": "org/gated", "gated": "auto", "sha": SHA}, readme="# secret")
    hub.add_model({"id": "org/no-card"})
    hub.add_model({"id": "org/pinned", "sha": SHA}, readme="# pinned")
    client = HubClient()
    # a gated repository's card is public on the Hub: it is read, not refused
    assert client.readme("org/gated", SHA).text.endswith("# secret")
    with pytest.raises(HubNotFound, match="file does not exist"):
        client.readme("org/no-card", "main")
    with pytest.raises(HubNotFound):
        client.readme("nobody/nothing", "main")
    assert client.readme("org/pinned", SHA).text == "# pinned"
    with pytest.raises(HubRevisionNotFound):
        client.readme("org/pinned", "6" * 40)


def test_a_readme_the_snapshot_lacks_is_unreadable_not_absent(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/uncaptured", "sha": SHA, "_snapshot": {"card": "unretrieved"}})
    with pytest.raises(HubError) as caught:
        HubClient().readme("org/uncaptured", SHA)
    assert caught.value.code == "not_in_snapshot"
    assert not isinstance(caught.value, HubNotFound)
    assert not caught.value.transient


def test_readme_of_a_model_that_changed_since_the_crawl(tiny_hub):
    hub = tiny_hub.hub
    hub.add_model({"id": "org/m"}, readme="# v1")
    crawled = hub.models["org/m"]["sha"]
    hub.touch(["org/m"], "2027-01-01T00:00:00.000Z")
    with pytest.raises(HubRevisionNotFound):
        HubClient().readme("org/m", crawled)


# --- request budget -------------------------------------------------------------------------------
def test_the_request_budget_stops_the_fourth_request_before_it_is_sent(settings, tiny_hub):
    settings.HUB_REQUEST_BUDGET = 3
    settings.HUB_RESOLVER_BUDGET = 1
    tiny_hub.hub.add_model({"id": "org/m", "sha": SHA}, readme="# m")
    client = HubClient()
    client.model("org/m")
    client.model("org/m")
    client.readme("org/m", SHA)  # charged to the resolvers bucket, not the API's
    client.model("org/m")
    with pytest.raises(HubRateLimited) as limited:
        client.model("org/m")
    assert limited.value.transient
    assert limited.value.http_status is None
    assert 0 < limited.value.retry_after <= settings.HUB_REQUEST_WINDOW_SECONDS * 1.02 + 1  # + jitter
    assert "budget" in str(limited.value)
    with pytest.raises(HubRateLimited, match="hub-resolvers"):
        client.readme("org/m", SHA)
    assert tiny_hub.stats["requests"] == 4
    assert tiny_hub.stats["model"] == 3


def test_the_hubs_own_ratelimit_headers_stop_the_client_until_the_reset(settings, tiny_hub):
    settings.HUB_REQUEST_BUDGET = 900  # ours would allow more: the Hub's count decides
    settings.CRAWL_UPSTREAM_RESERVE = 0
    tiny_hub.hub.add_model({"id": "org/m", "sha": SHA}, readme="# m")
    tiny_hub.httpd.hub_limits.quotas["api"] = (3, 6)  # anonymous: 3 API calls per window
    client = HubClient()
    for _ in range(3):
        client.model("org/m")
    client.readme("org/m", SHA)  # the resolvers bucket is apart: still open
    sent = tiny_hub.stats["requests"]
    with pytest.raises(HubRateLimited) as limited:
        client.model("org/m")
    assert tiny_hub.stats["requests"] == sent  # the Hub said r=0: nothing more was sent
    assert 290 < limited.value.retry_after < 300 + 7  # the Hub's t (300 s window) plus jitter
    observed = hf.hub_budget().observed()
    assert observed is not None
    assert observed[0] == 0


def test_every_answer_carries_the_callers_ratelimit_and_a_spent_bucket_answers_429(tiny_hub):
    from huggingface_hub.utils import parse_ratelimit_headers

    tiny_hub.hub.add_model({"id": "org/m", "sha": SHA}, readme="# m")
    limits = tiny_hub.httpd.hub_limits
    limits.enforce = True
    limits.quotas["api"] = (2, 4)
    tiny_hub.httpd.clock.freeze()
    anonymous = httpx2.Client(base_url=tiny_hub.url)
    first = anonymous.get("/api/models/org/m")
    info = parse_ratelimit_headers(first.headers)
    assert (info.resource_type, info.remaining, info.limit, info.window_seconds) == ("api", 1, 2, 300)
    assert first.headers["RateLimit-Policy"] == '"fixed window";"api";q=2;w=300'
    tiny_hub.httpd.clock.advance(100)
    anonymous.get("/api/models/org/m")
    spent = anonymous.get("/api/models/org/m")
    assert spent.status_code == 429
    assert spent.headers["RateLimit"] == '"api";r=0;t=200'  # the real reset of this window
    resolve = anonymous.get(f"/org/m/resolve/{SHA}/README.md")
    assert resolve.status_code == 200
    assert resolve.headers["RateLimit"].startswith('"resolvers";r=2999;')
    token = anonymous.get("/api/models/org/m", headers={"Authorization": "Bearer hf_other"})
    assert token.status_code == 200  # a token has its own count
    assert token.headers["RateLimit"].startswith('"api";r=3;')
    tiny_hub.httpd.clock.advance(200)  # the window has passed
    assert anonymous.get("/api/models/org/m").status_code == 200


def test_requests_are_paced_across_the_window_not_sent_in_one_burst(settings, tiny_hub):
    import time

    settings.HUB_REQUEST_BUDGET = 300  # 300 per 300 s: one per 1 s slice, never 300 at once
    settings.CRAWL_PACE_SECONDS = 1
    tiny_hub.hub.add_model({"id": "org/m", "sha": SHA})
    client = HubClient()
    client.model("org/m")
    client.model("org/m")  # waits for the next slice (up to 1 s)
    started = time.monotonic()
    client.model("org/m")  # waits a whole slice
    assert time.monotonic() - started >= 0.95
    assert tiny_hub.stats["model"] == 3


def test_a_slices_share_is_spaced_inside_the_slice(settings, tiny_hub):
    import time

    settings.HUB_REQUEST_BUDGET = 600  # two per 1 s slice: half a second apart
    settings.CRAWL_PACE_SECONDS = 1
    tiny_hub.hub.add_model({"id": "org/m", "sha": SHA})
    client = HubClient()
    client.model("org/m")
    client.model("org/m")  # fills the slice
    client.model("org/m")  # first of the next slice
    started = time.monotonic()
    client.model("org/m")  # second of that slice: half a slice after its start
    assert time.monotonic() - started >= 0.45


def test_the_budget_is_shared_by_clients_and_counts_retries(settings, tiny_hub):
    settings.HUB_REQUEST_BUDGET = 3
    tiny_hub.hub.add_model({"id": "org/m"})
    tiny_hub.faults.add(path="/api/models/org/m", mode="status", status=503, times=2)
    HubClient().model("org/m")  # three requests: two 503s and the answer
    with pytest.raises(HubRateLimited):
        HubClient().model("org/m")
    assert tiny_hub.stats["requests"] == 3


def test_requests_made_counts_this_threads_requests(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/m"})
    before = hf.requests_made()
    HubClient().model("org/m")
    assert hf.requests_made() - before == 1


@pytest.mark.parametrize(
    ("name", "is_weight"),
    [
        ("model-00001-of-00003.safetensors", True),
        ("ckpt-0/tensor00000_000", True),  # grok-1: raw shards without an extension
        ("checkpoints/step1000/shard_0", True),
        ("ckpt-0/README.md", False),
        ("training_args.bin", False),
        ("tokenizer.json", False),
        ("adapter_model.bin", True),
    ],
)
def test_weight_files_are_recognised_by_extension_or_checkpoint_folder(name, is_weight):
    from catalog.sources.huggingface.client import is_weight_file

    assert is_weight_file(name) is is_weight


# --- README through the Hub's download CDN --------------------------------------------------------
def test_a_readme_redirected_to_a_configured_cdn_host_is_read(settings, tiny_hub):
    settings.HUB_RESOLVER_BUDGET = 10
    port = tiny_hub.httpd.server_address[1]
    settings.HUB_CDN_HOSTS = [f"http://localhost:{port}"]
    tiny_hub.hub.add_model(
        {"id": "org/lfs-card", "sha": SHA, "_standin_files_via_cdn": True}, readme="# via the CDN"
    )
    readme = HubClient().readme("org/lfs-card", SHA)
    assert "# via the CDN" in readme.text
    assert tiny_hub.stats["status:302"] == 1
    assert hf.resolver_budget().used() == 1  # the CDN hop is not charged again


def test_a_readme_redirected_elsewhere_is_refused(settings, tiny_hub):
    settings.HUB_CDN_HOSTS = ["cdn-lfs.hf.co"]  # the real CDN only: localhost is not it
    tiny_hub.hub.add_model({"id": "org/lfs-card", "sha": SHA, "_standin_files_via_cdn": True}, readme="# x")
    with pytest.raises(HubRefused):
        HubClient().readme("org/lfs-card", SHA)


def test_the_pre_2022_created_at_placeholder_is_not_a_release_date():
    old = parse_model({"id": "google-bert/bert-base-uncased", "createdAt": "2022-03-02T23:29:04.000Z"})
    assert old.created_at is None
    assert old.problems == []
    new = parse_model({"id": "org/new", "createdAt": "2022-03-02T23:29:05.000Z"})
    assert new.created_at is not None
