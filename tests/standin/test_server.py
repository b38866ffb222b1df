"""The stand-in hub over its real loopback socket: Hub routes, faults, control routes, GitHub routes.

Everything here talks HTTP to a running ``StandinServer`` through httpx2; the only in-process
access is to add records and fault rules, and to read the counters the server keeps.
"""

from __future__ import annotations

import json
import time
from itertools import islice
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from standin.github import repo_number
from standin.hub import ListQuery, SnapshotHub
from standin.ratelimits import GITHUB_QUOTAS
from standin.server import MAX_PAGE, StandinServer, decode_cursor
from standin.synthetic import SyntheticHub

SHA_ALPHA = "a" * 40


def _populate(hub: SnapshotHub) -> None:
    hub.add_model(
        {
            "id": "org/alpha",
            "sha": SHA_ALPHA,
            "downloads": 500,
            "likes": 5,
            "lastModified": "2026-01-01T00:00:00.000Z",
            "pipeline_tag": "text-generation",
            "tags": ["transformers", "safetensors", "license:mit"],
            "cardData": {"license": "mit"},
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
            "baseModels": {"relation": "finetune", "models": [{"id": "org/base"}]},
        },
        readme="# Alpha\n\nSee https://github.com/org/alpha\n",
    )
    hub.add_model(
        {
            "id": "org/beta",
            "downloads": 300,
            "likes": 50,
            "lastModified": "2026-03-01T00:00:00.000Z",
            "tags": ["gguf", "license:apache-2.0"],
        }
    )
    hub.add_model(
        {
            "id": "other/gamma",
            "downloads": 100,
            "likes": 20,
            "lastModified": "2026-02-01T00:00:00.000Z",
            "tags": ["transformers", "license:mit"],
        }
    )
    hub.add_model({"id": "other/Gamma-Large", "downloads": 50, "likes": 1, "tags": ["transformers"]})
    hub.add_model({"id": "org/hidden", "private": True, "downloads": 10_000})
    hub.add_model({"id": "org/switched-off", "disabled": True, "downloads": 1})
    hub.add_model(
        {
            "id": "org/locked",
            "gated": "manual",
            "downloads": 2,
            "cardData": {"license": "other"},
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "LICENSE"}, {"rfilename": "config.json"}],
        },
        readme="# Locked\n",
    )


@pytest.fixture
def server() -> StandinServer:
    hub = SnapshotHub()
    _populate(hub)
    with StandinServer(hub) as running:
        yield running


@pytest.fixture
def http(server):
    with httpx2.Client(base_url=server.url, timeout=5.0) as client:
        yield client


def _ids(response: httpx2.Response) -> list[str]:
    return [item["id"] for item in response.json()]


# --- listing ---------------------------------------------------------------------------------
def test_listing_is_a_json_array_with_a_link_header_that_keeps_every_parameter(server, http):
    response = http.get(
        "/api/models",
        params=[
            ("limit", "2"),
            ("sort", "downloads"),
            ("filter", "transformers"),
            ("expand", "downloads"),
            ("expand", "sha"),
        ],
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert isinstance(response.json(), list)
    assert _ids(response) == ["org/alpha", "other/gamma"]
    next_url = response.links["next"]["url"]
    parts = urlsplit(next_url)
    assert f"{parts.scheme}://{parts.netloc}" == server.url
    assert parts.path == "/api/models"
    query = parse_qs(parts.query)
    assert query["limit"] == ["2"]
    assert query["sort"] == ["downloads"]
    assert query["filter"] == ["transformers"]
    assert query["expand"] == ["downloads", "sha"]
    assert decode_cursor(query["cursor"][0]) == 2

    last = http.get(next_url)
    assert _ids(last) == ["other/Gamma-Large"]
    assert "next" not in last.links
    assert "Link" not in last.headers
    assert set(last.json()[0]) == {"id", "downloads", "sha"}  # these records have no _id


def test_walking_the_cursor_lists_every_public_model_once_and_never_the_private_one(http):
    url, seen = "/api/models?limit=2", []
    while url:
        response = http.get(url)
        seen += _ids(response)
        url = response.links.get("next", {}).get("url")
    assert seen == [
        "org/alpha",
        "org/beta",
        "other/gamma",
        "other/Gamma-Large",
        "org/locked",
        "org/switched-off",
    ]
    assert "org/hidden" not in seen


@pytest.mark.parametrize("synthetic_hub", [1500], indirect=True)
def test_pages_hold_at_most_1000_models_and_limit_is_honoured(synthetic_hub):
    with httpx2.Client(base_url=synthetic_hub.url, timeout=10.0) as http:
        default = http.get("/api/models", params={"expand": "sha"})
        huge = http.get("/api/models", params={"limit": "5000", "expand": "sha"})
        small = http.get("/api/models", params={"limit": "7", "expand": "sha"})
        second = http.get(small.links["next"]["url"])
    assert len(default.json()) == MAX_PAGE == len(huge.json())
    assert parse_qs(urlsplit(huge.links["next"]["url"]).query)["limit"] == ["5000"]
    assert len(small.json()) == 7
    assert _ids(second)[0] == synthetic_hub.hub.repo_id(7)


@pytest.mark.parametrize("query", ["limit=0", "limit=-3", "limit=many", "cursor=not-a-cursor"])
def test_bad_limits_and_cursors_are_refused_with_400(http, query):
    response = http.get(f"/api/models?{query}")
    assert response.status_code == 400
    assert "error" in response.json()


def test_an_organisations_models_searched_by_name_as_the_crawler_asks(http):
    """What base-name resolution sends (huggingface_hub ``list_models(author=, search=)``): the
    author's models whose id contains the search string, in any case; other authors never."""
    params = {"author": "other", "search": "GAMMA-l", "limit": "100"}
    assert _ids(http.get("/api/models", params=params)) == ["other/Gamma-Large"]
    assert _ids(http.get("/api/models", params={"author": "org", "search": "gamma"})) == []


def test_author_search_filter_and_sort(http):
    assert _ids(http.get("/api/models", params={"author": "other"})) == ["other/gamma", "other/Gamma-Large"]
    assert _ids(http.get("/api/models", params={"search": "GAMMA"})) == ["other/gamma", "other/Gamma-Large"]
    assert _ids(http.get("/api/models", params=[("filter", "transformers"), ("filter", "license:mit")])) == [
        "org/alpha",
        "other/gamma",
    ]
    assert _ids(http.get("/api/models", params={"filter": "no-such-tag"})) == []
    assert _ids(http.get("/api/models", params={"sort": "likes", "limit": "3"})) == [
        "org/beta",
        "other/gamma",
        "org/alpha",
    ]
    newest = _ids(http.get("/api/models", params={"sort": "lastModified", "limit": "3"}))
    assert newest == [
        "org/locked",
        "org/switched-off",
        "other/Gamma-Large",
    ]  # default date 2026-11-01 is newest
    assert _ids(http.get("/api/models", params={"gated": "true"})) == ["org/locked"]


def test_expand_returns_only_the_listed_properties(http):
    items = http.get("/api/models", params=[("expand", "downloads"), ("expand", "lastModified")]).json()
    assert items
    assert all(set(item) <= {"_id", "id", "downloads", "lastModified"} for item in items)
    assert {"id", "downloads", "lastModified"} <= set(items[0])
    bracketed = http.get("/api/models", params=[("expand[]", "likes")]).json()
    assert all(set(item) <= {"_id", "id", "likes"} for item in bracketed)


def test_default_full_and_card_data_listings(http):
    plain = http.get("/api/models", params={"limit": "1"}).json()[0]
    assert {"id", "downloads", "likes", "tags", "modelId"} <= set(plain)
    assert "sha" not in plain
    assert "cardData" not in plain
    assert "siblings" not in plain
    full = http.get("/api/models", params={"limit": "1", "full": "true", "cardData": "true"}).json()[0]
    assert full["sha"] == SHA_ALPHA
    assert full["siblings"][1]["rfilename"] == "model.safetensors"
    assert full["cardData"] == {"license": "mit"}


@pytest.mark.parametrize("param", ["expand", "expand[]"])
@pytest.mark.parametrize("name", ["baseModels", "childrenModelCount", "usedStorage"])
def test_detail_only_expand_keys_are_refused_on_the_listing(http, param, name):
    response = http.get("/api/models", params=[(param, "downloads"), (param, name)])
    assert response.status_code == 400
    assert name in response.json()["error"]


# --- one model ---------------------------------------------------------------------------------
def test_model_detail_and_revision(http):
    detail = http.get("/api/models/org/alpha")
    assert detail.status_code == 200
    body = detail.json()
    assert body["id"] == "org/alpha"
    assert body["sha"] == SHA_ALPHA
    assert body["baseModels"]["models"] == [{"id": "org/base"}]
    expanded = http.get("/api/models/org/alpha", params=[("expand", "baseModels"), ("expand", "sha")]).json()
    assert set(expanded) <= {"_id", "id", "baseModels", "sha"}
    assert expanded["sha"] == SHA_ALPHA
    for revision in (SHA_ALPHA, "main"):
        pinned = http.get(f"/api/models/org/alpha/revision/{revision}")
        assert pinned.status_code == 200
        assert pinned.json()["sha"] == SHA_ALPHA
    wrong = http.get(f"/api/models/org/alpha/revision/{'b' * 40}")
    assert wrong.status_code == 404
    assert wrong.headers["X-Error-Code"] == "RevisionNotFound"


def test_unknown_private_and_disabled_models(http):
    unknown = http.get("/api/models/nobody/nothing")
    assert unknown.status_code == 404
    assert unknown.headers["X-Error-Code"] == "RepoNotFound"
    private = http.get("/api/models/org/hidden")
    assert private.status_code == 401
    assert private.headers["X-Error-Code"] == "RepoNotFound"
    assert "org/hidden" not in private.text
    disabled = http.get("/api/models/org/switched-off")
    assert disabled.status_code == 403
    assert disabled.headers["X-Error-Message"] == "Access to this resource is disabled."
    assert disabled.json() == {"error": "Access to this resource is disabled."}
    assert "X-Error-Code" not in disabled.headers
    gated = http.get("/api/models/org/locked")
    assert gated.status_code == 200
    assert gated.json()["gated"] == "manual"


def test_unknown_route_is_a_plain_404(http):
    response = http.get("/no/such/page")
    assert response.status_code == 404
    assert "X-Error-Code" not in response.headers


# --- files -------------------------------------------------------------------------------------
def test_resolve_head_and_get_carry_the_commit_and_an_etag(http):
    head = http.head("/org/alpha/resolve/main/README.md")
    get = http.get("/org/alpha/resolve/main/README.md")
    assert head.status_code == get.status_code == 200
    assert head.headers["X-Repo-Commit"] == get.headers["X-Repo-Commit"] == SHA_ALPHA
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["ETag"].startswith('"')
    assert head.content == b""
    assert int(head.headers["Content-Length"]) == len(get.content)
    assert get.text.startswith("---\nlicense: mit\n---\n# Alpha")  # front matter written from cardData
    at_sha = http.get(f"/org/alpha/resolve/{SHA_ALPHA}/README.md")
    assert at_sha.status_code == 200
    assert at_sha.content == get.content


def test_resolve_errors(http):
    missing_file = http.get("/org/alpha/resolve/main/no-such-file.txt")
    assert missing_file.status_code == 404
    assert missing_file.headers["X-Error-Code"] == "EntryNotFound"
    no_readme = http.get("/org/beta/resolve/main/README.md")  # neither README body nor cardData
    assert no_readme.status_code == 404
    assert no_readme.headers["X-Error-Code"] == "EntryNotFound"
    wrong_revision = http.get(f"/org/alpha/resolve/{'c' * 40}/README.md")
    assert wrong_revision.status_code == 404
    assert wrong_revision.headers["X-Error-Code"] == "RevisionNotFound"
    unknown = http.get("/nobody/nothing/resolve/main/README.md")
    assert unknown.status_code == 404
    assert unknown.headers["X-Error-Code"] == "RepoNotFound"
    private = http.get("/org/hidden/resolve/main/README.md")
    assert private.status_code == 401
    assert private.headers["X-Error-Code"] == "RepoNotFound"
    # the Hub serves a gated repository's card and licence to anyone (transformers PR #26257,
    # hub-docs PR #1274); every other file answers 401 GatedRepo without a granted token
    gated_card = http.get("/org/locked/resolve/main/README.md")
    assert gated_card.status_code == 200
    assert "# Locked" in gated_card.text
    assert http.get("/org/locked/resolve/main/LICENSE").status_code == 200
    gated = http.get("/org/locked/resolve/main/config.json")
    assert gated.status_code == 401
    assert gated.headers["X-Error-Code"] == "GatedRepo"
    sibling = http.get("/org/alpha/resolve/main/model.safetensors")
    assert sibling.status_code == 200


def test_raw_readmes_are_served_byte_for_byte(server, http):
    server.hub.add_model(
        {"id": "org/raw", "cardData": {"license": "mit"}}, readme=b"\xff\xfe no front matter", raw=True
    )
    assert http.get("/org/raw/resolve/main/README.md").content == b"\xff\xfe no front matter"


# --- redirects -----------------------------------------------------------------------------------
def test_renamed_models_and_legacy_dataset_names_answer_307(snapshot_hub):
    with httpx2.Client(base_url=snapshot_hub.url, timeout=5.0) as http:
        moved = http.get("/api/models/ibm-granite/granite-20b-code-instruct?expand=sha")
        assert moved.status_code == 307
        assert moved.headers["Location"] == (
            f"{snapshot_hub.url}/api/models/ibm-granite/granite-20b-code-instruct-8k?expand=sha"
        )
        followed = http.get("/api/models/ibm-granite/granite-20b-code-instruct", follow_redirects=True)
        assert followed.status_code == 200
        assert followed.json()["id"] == "ibm-granite/granite-20b-code-instruct-8k"
        pinned = http.get("/api/models/ibm-granite/granite-20b-code-base/revision/main")
        assert pinned.headers["Location"].endswith(
            "/api/models/ibm-granite/granite-20b-code-base-8k/revision/main"
        )
        readme = http.get("/ibm-granite/granite-20b-code-base/resolve/main/README.md")
        assert readme.status_code == 307
        assert (
            readme.headers["Location"]
            == f"{snapshot_hub.url}/ibm-granite/granite-20b-code-base-8k/resolve/main/README.md"
        )

        legacy = http.get("/api/datasets/c4")
        assert legacy.status_code == 307
        assert legacy.headers["Location"] == f"{snapshot_hub.url}/api/datasets/allenai/c4"
        dataset = http.get("/api/datasets/c4", follow_redirects=True)
        assert dataset.status_code == 200
        assert dataset.json()["id"] == "allenai/c4"
        assert http.get("/api/datasets/no-such-legacy-name").status_code == 404


def test_a_licence_file_the_snapshot_captured_is_served_and_an_uncaptured_one_is_not(snapshot_hub):
    # models/<org>/<name>.files/<path> holds files of the repository the researchers captured
    # (licence files); a listed licence file without a capture answers NotInSnapshot, never empty
    with httpx2.Client(base_url=snapshot_hub.url, timeout=5.0) as http:
        captured = http.get("/facebook/opt-1.3b/resolve/main/LICENSE.md")
        assert captured.status_code == 200
        assert captured.text.startswith("OPT-175B LICENSE AGREEMENT")
        uncaptured = http.get("/facebook/opt-30b/resolve/main/LICENSE.md")
        assert uncaptured.status_code == 404
        assert uncaptured.headers["X-Error-Code"] == "NotInSnapshot"


def test_every_redirect_of_the_snapshot_leads_to_a_record(snapshot_hub, snapshot_data):
    assert snapshot_data.model_redirects
    assert snapshot_data.dataset_redirects
    for old, new in snapshot_data.model_redirects.items():
        assert old not in snapshot_data.models
        assert new in snapshot_data.models
    for old, new in snapshot_data.dataset_redirects.items():
        assert old not in snapshot_data.datasets, old
        assert new in snapshot_data.datasets, old


# --- faults --------------------------------------------------------------------------------------
def test_rate_limit_fault_sends_the_hub_rate_limit_headers(server, http):
    server.faults.add(
        path=r"^/api/models/org/alpha", mode="rate_limit", retry_after=17, ratelimit_remaining=0
    )
    response = http.get("/api/models/org/alpha")
    assert response.status_code == 429
    assert response.headers["RateLimit"] == '"api";r=0;t=17'
    assert response.headers["RateLimit-Policy"] == '"fixed window";"api";q=500;w=300'
    assert response.headers["Retry-After"] == "17"
    assert http.get("/api/models/org/beta").status_code == 200  # only the matching path


def test_github_style_rate_limit_fault(server, http):
    server.faults.add(path="^/github-api/", mode="rate_limit", github=True, retry_after=30)
    primary = http.get("/github-api/repos/a/b")
    assert primary.status_code == 403
    assert primary.headers["x-ratelimit-remaining"] == "0"
    assert "retry-after" not in primary.headers
    assert int(primary.headers["x-ratelimit-reset"]) >= int(time.time()) + 29
    server.faults.clear()
    server.faults.add(
        path="^/github-api/",
        mode="rate_limit",
        github=True,
        status=429,
        ratelimit_remaining=10,
        retry_after=5,
    )
    secondary = http.get("/github-api/repos/a/b")
    assert secondary.status_code == 429
    assert secondary.headers["retry-after"] == "5"
    assert "secondary rate limit" in secondary.json()["message"]


def test_status_fault_with_an_error_code(server, http):
    server.faults.add(path="org/alpha", mode="status", status=503)
    server.faults.add(path="org/beta", mode="status", status=404, error_code="RepoNotFound")
    failing = http.get("/api/models/org/alpha")
    assert failing.status_code == 503
    assert failing.json() == {"error": "injected 503"}
    coded = http.get("/api/models/org/beta")
    assert coded.status_code == 404
    assert coded.headers["X-Error-Code"] == "RepoNotFound"
    assert server.stats["faults"] == 2
    assert server.stats["model"] == 0


def test_slow_fault_delays_and_then_answers_normally(server, http):
    server.faults.add(path="org/alpha", mode="slow", delay=0.3)
    started = time.monotonic()
    response = http.get("/api/models/org/alpha")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    assert response.json()["id"] == "org/alpha"


def test_truncate_fault_cuts_the_body_in_half(server, http):
    server.faults.add(path=r"^/api/models\?", mode="truncate", times=1)
    with pytest.raises(httpx2.RemoteProtocolError):
        http.get("/api/models?limit=3")
    server.faults.add(path="org/alpha", mode="truncate", times=1)
    received: list[bytes] = []
    with http.stream("GET", "/api/models/org/alpha") as response:
        declared = int(response.headers["Content-Length"])
        with pytest.raises(httpx2.RemoteProtocolError):
            received.extend(response.iter_bytes())
    assert 0 < len(b"".join(received)) <= declared // 2 + 1
    assert http.get("/api/models?limit=3").status_code == 200  # times=1: the next one is whole


def test_invalid_json_fault(server, http):
    server.faults.add(path="/api/models", mode="invalid_json")
    response = http.get("/api/models")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_reset_fault_drops_the_connection(server, http):
    server.faults.add(path="org/alpha", mode="reset", times=1)
    with pytest.raises(httpx2.TransportError):
        http.get("/api/models/org/alpha")


def _statuses(http, count: int) -> list[int]:
    return [http.get("/api/models/org/alpha").status_code for _ in range(count)]


def test_times_limits_how_many_requests_a_fault_affects(server, http):
    rule = server.faults.add(path="org/alpha", mode="status", status=500, times=2)
    assert _statuses(http, 4) == [500, 500, 200, 200]
    assert (rule.seen, rule.applied) == (4, 2)


def test_every_affects_every_nth_matching_request(server, http):
    rule = server.faults.add(path="org/alpha", mode="status", status=502, every=3)
    assert _statuses(http, 7) == [502, 200, 200, 502, 200, 200, 502]
    assert rule.applied == 3
    assert http.get("/api/models/org/beta").status_code == 200
    assert rule.seen == 7  # non-matching requests are not counted


def test_times_and_every_together(server, http):
    server.faults.add(path="org/alpha", mode="status", status=500, times=2, every=2)
    assert _statuses(http, 6) == [500, 200, 500, 200, 200, 200]


def test_the_first_matching_rule_wins(server, http):
    first = server.faults.add(path="org/alpha", mode="status", status=503, times=1)
    second = server.faults.add(path="org/", mode="status", status=500, times=1)
    assert _statuses(http, 3) == [503, 500, 200]
    assert first.applied == second.applied == 1


# --- control routes ------------------------------------------------------------------------------
def test_fault_control_routes(server, http):
    created = http.post(
        "/_standin/faults", json={"path": "org/beta", "mode": "status", "status": 418, "times": 1}
    )
    assert created.status_code == 201
    assert created.json()["status"] == 418
    assert created.json()["times"] == 1
    listed = http.get("/_standin/faults").json()
    assert [rule["path"] for rule in listed] == ["org/beta"]
    assert http.get("/api/models/org/beta").status_code == 418
    assert http.get("/_standin/faults").json()[0]["applied"] == 1
    http.post("/_standin/faults", json={"path": "org/beta", "mode": "status", "status": 500})
    assert http.delete("/_standin/faults").json() == {"cleared": True}
    assert http.get("/_standin/faults").json() == []
    assert http.get("/api/models/org/beta").status_code == 200


@pytest.mark.parametrize(
    "body", [b'{"path": "x", "no_such_field": 1}', b'{"mode": "status"}', b"not json", b"[1]"]
)
def test_a_malformed_fault_rule_is_refused_with_400(server, http, body):
    response = http.post("/_standin/faults", content=body)
    assert response.status_code == 400
    assert "not a fault rule" in response.json()["error"]
    assert server.faults.describe() == []


def test_control_routes_are_never_faulted(server, http):
    server.faults.add(path=".*", mode="status", status=500)
    assert http.get("/_standin/stats").status_code == 200
    assert http.get("/api/models/org/alpha").status_code == 500


def test_stats_control_route(server, http):
    http.get("/api/models")
    http.get("/api/models/org/alpha")
    http.get("/api/datasets/nobody/nothing")
    http.get("/org/alpha/resolve/main/README.md")
    stats = http.get("/_standin/stats").json()
    assert stats["list"] == 1
    assert stats["model"] == 1
    assert stats["dataset"] == 1
    assert stats["resolve"] == 1
    assert stats["status:200"] == 3
    assert stats["status:404"] == 1
    assert http.delete("/_standin/stats").json() == {"cleared": True}
    assert "list" not in http.get("/_standin/stats").json()
    assert http.get("/_standin/nothing-here").status_code == 404


def test_touch_control_route_moves_the_model_and_changes_its_sha(server, http):
    before = http.get("/api/models/other/gamma").json()
    answer = http.post(
        "/_standin/touch", json={"ids": ["other/gamma", "nobody/nothing"], "when": "2027-01-01T00:00:00.000Z"}
    )
    assert answer.json() == {"touched": 1}
    after = http.get("/api/models/other/gamma").json()
    assert after["lastModified"] == "2027-01-01T00:00:00.000Z"
    assert after["sha"] != before["sha"]
    assert len(after["sha"]) == 40
    assert _ids(http.get("/api/models", params={"sort": "lastModified", "limit": "1"})) == ["other/gamma"]
    stamped = http.post("/_standin/touch", json={"ids": ["org/beta"]})
    assert stamped.json() == {"touched": 1}
    assert http.get("/api/models/org/beta").json()["lastModified"].endswith(".000Z")


# --- synthetic hub -------------------------------------------------------------------------------
def test_synthetic_records_are_a_function_of_seed_and_index():
    one, two, other = SyntheticHub(size=300), SyntheticHub(size=300), SyntheticHub(size=300, seed=8)
    assert [one.record(i) for i in (0, 17, 299)] == [two.record(i) for i in (0, 17, 299)]
    assert [one.record(i) for i in range(50)] != [other.record(i) for i in range(50)]
    record = one.record(17)
    assert record["id"] == one.repo_id(17)
    assert one.index_of(record["id"]) == 17
    assert one.model(record["id"]) == record
    downloads = [one.record(i)["downloads"] for i in range(5)]
    assert downloads == sorted(downloads, reverse=True)
    assert one.index_of(one.repo_id(300)) is None  # past the size
    for bad in ("synth-org-0000/model-000001", "nobody/model-000001", "no-slash", "synth-org-0007/thing"):
        assert one.index_of(bad) is None
        assert one.model(bad) is None


def test_synthetic_listing_positions():
    hub = SyntheticHub(size=300)
    first = next(hub.list_models(ListQuery(), 120))
    assert first == (120, hub.record(120))
    author = hub.repo_id(3).split("/")[0]
    mine = list(hub.list_models(ListQuery(author=author), 0))
    assert [position for position, _ in mine] == list(range(len(mine)))
    assert all(record["author"] == author for _, record in mine)
    if len(mine) > 1:
        assert next(hub.list_models(ListQuery(author=author), 1)) == mine[1]


def test_synthetic_touch_moves_models_to_the_front_and_changes_their_sha():
    hub = SyntheticHub(size=300)
    ids = [hub.repo_id(i) for i in (250, 40)]
    shas = [hub.model(i)["sha"] for i in ids]
    assert hub.touch([ids[0]], "2026-12-01T00:00:00.000Z") == 1
    assert hub.touch([ids[1], "nobody/nothing"], "2026-12-02T00:00:00.000Z") == 1
    order = [record["id"] for _, record in islice(hub.list_models(ListQuery(sort="lastModified"), 0), 4)]
    assert order == [ids[1], ids[0], hub.repo_id(0), hub.repo_id(1)]
    assert [hub.model(i)["sha"] for i in ids] != shas
    assert all(hub.model(i)["sha"] != old for i, old in zip(ids, shas, strict=True))
    by_downloads = [record["id"] for _, record in islice(hub.list_models(ListQuery(), 0), 2)]
    assert by_downloads == [hub.repo_id(0), hub.repo_id(1)]  # other orders are unaffected


@pytest.mark.parametrize("synthetic_hub", [200], indirect=True)
def test_synthetic_hub_over_http(synthetic_hub):
    hub = synthetic_hub.hub
    with httpx2.Client(base_url=synthetic_hub.url, timeout=5.0) as http:
        touched = hub.repo_id(150)
        http.post("/_standin/touch", json={"ids": [touched], "when": "2026-12-24T00:00:00.000Z"})
        newest = http.get("/api/models", params=[("sort", "lastModified"), ("limit", "2"), ("expand", "sha")])
        assert _ids(newest) == [touched, hub.repo_id(0)]
        detail = http.get(f"/api/models/{touched}").json()
        assert detail["lastModified"] == "2026-12-24T00:00:00.000Z"
        assert detail["sha"] == newest.json()[0]["sha"]
        assert http.get("/api/models/synth-org-0000/model-999999").status_code == 404
        open_index = next(i for i in range(200) if not hub.record(i)["gated"])
        readme = http.get(f"/{hub.repo_id(open_index)}/resolve/main/README.md")
        assert readme.status_code == 200
        assert readme.text.startswith("---\n")
        assert f"# {hub.repo_id(open_index)}" in readme.text
        gated_index = next(i for i in range(200) if hub.record(i)["gated"])
        gated = http.get(f"/{hub.repo_id(gated_index)}/resolve/main/README.md")
        assert gated.status_code == 401
        assert gated.headers["X-Error-Code"] == "GatedRepo"
        assert http.get("/api/datasets/synth-data/dataset-001").status_code == 200
        assert http.get("/api/datasets/synth-data/dataset-450").status_code == 404


# --- GitHub routes -------------------------------------------------------------------------------
def _add_repos(hub: SnapshotHub) -> None:
    hub.add_repo(
        {
            "repo": {
                "full_name": "Org/Trainer",
                "default_branch": "main",
                "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT"},
            },
            "renamed_from": ["org/old-trainer"],
            "tree": ["LICENSE", "scripts/train.py"],
        }
    )
    hub.add_repo({"repo": {"full_name": "org/nothing-yet", "default_branch": "main"}, "empty": True})
    hub.add_repo(
        {"repo": {"full_name": "org/huge", "default_branch": "main"}, "tree": ["a.py"], "truncated": True}
    )
    hub.add_repo(
        {
            "repo": {"full_name": "org/branchy", "default_branch": "main"},
            "tree": ["LICENSE", "cli/train.py"],
            "branches": {"recipe": {"commit": "ec0ae71", "tree": ["LICENSE", "recipe/train/conf/base.yaml"]}},
        }
    )


def test_github_etag_and_if_none_match_give_a_304_that_spends_no_quota(server, http):
    _add_repos(server.hub)
    token = {"Authorization": "Bearer ghp_standin"}
    first = http.get("/github-api/repos/org/trainer", headers=token)
    assert first.status_code == 200
    assert first.json()["full_name"] == "Org/Trainer"
    etag = first.headers["ETag"]
    remaining = int(first.headers["x-ratelimit-remaining"])
    assert remaining == GITHUB_QUOTAS[1] - 1
    assert first.headers["x-ratelimit-used"] == "1"
    cached = http.get("/github-api/repos/org/trainer", headers={"If-None-Match": etag, **token})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["ETag"] == etag
    assert int(cached.headers["x-ratelimit-remaining"]) == remaining
    stale = http.get(
        "/github-api/repos/org/trainer", headers={"If-None-Match": 'W/"something-else"', **token}
    )
    assert stale.status_code == 200
    assert int(stale.headers["x-ratelimit-remaining"]) == remaining - 1
    assert server.stats["github_304"] == 1


def test_github_renamed_repository_answers_301_to_its_numeric_address(server, http):
    _add_repos(server.hub)
    number = repo_number("Org/Trainer")
    moved = http.get("/github-api/repos/org/old-trainer")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{server.github_url}/repositories/{number}"
    followed = http.get("/github-api/repos/org/old-trainer", follow_redirects=True)
    assert followed.status_code == 200
    assert followed.json()["full_name"] == "Org/Trainer"
    assert followed.json()["id"] == number


def test_github_renamed_repository_license_and_tree_follow_the_redirect(server, http):
    _add_repos(server.hub)
    number = repo_number("Org/Trainer")
    license_moved = http.get("/github-api/repos/org/old-trainer/license")
    assert license_moved.headers["Location"] == f"{server.github_url}/repositories/{number}/license"
    license_followed = http.get("/github-api/repos/org/old-trainer/license", follow_redirects=True)
    assert license_followed.status_code == 200
    assert license_followed.json()["license"]["spdx_id"] == "MIT"
    tree = http.get("/github-api/repos/org/old-trainer/git/trees/main?recursive=1", follow_redirects=True)
    assert tree.status_code == 200
    assert {e["path"] for e in tree.json()["tree"] if e["type"] == "blob"} == {"LICENSE", "scripts/train.py"}


def test_github_tree_empty_repository_and_truncated_flag(server, http):
    _add_repos(server.hub)
    tree = http.get("/github-api/repos/org/trainer/git/trees/main", params={"recursive": "1"}).json()
    assert tree["truncated"] is False
    assert {(e["path"], e["type"]) for e in tree["tree"]} == {
        ("LICENSE", "blob"),
        ("scripts", "tree"),
        ("scripts/train.py", "blob"),
    }
    empty = http.get("/github-api/repos/org/nothing-yet/git/trees/main")
    assert empty.status_code == 409
    assert empty.json()["message"] == "Git Repository is empty."
    assert http.get("/github-api/repos/org/nothing-yet").status_code == 200
    assert http.get("/github-api/repos/org/huge/git/trees/main").json()["truncated"] is True


def test_github_tree_of_another_branch_comes_from_its_branches_entry(server, http):
    _add_repos(server.hub)

    def blobs(ref: str) -> set[str]:
        tree = http.get(f"/github-api/repos/org/branchy/git/trees/{ref}?recursive=1").json()["tree"]
        return {e["path"] for e in tree if e["type"] == "blob"}

    assert blobs("main") == {"LICENSE", "cli/train.py"}
    assert blobs("recipe") == {"LICENSE", "recipe/train/conf/base.yaml"}


def test_github_not_found_body_shape(server, http):
    _add_repos(server.hub)
    server.hub.delete_repo("nobody/nothing")
    expected = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}
    for path in (
        "/github-api/repos/nobody/nothing",
        "/github-api/users/org",
        "/github-api/repositories/1",
        "/github-api/repos/org/nothing-yet/license",  # captured, without a licence
    ):
        response = http.get(path)
        assert response.status_code == 404, path
        assert response.json() == expected
        assert "x-ratelimit-remaining" in response.headers
        assert "ETag" in response.headers
    # a repository the snapshot never captured: the same 404, plus the stand-in's marker
    for path in ("/github-api/repos/org/uncaptured", "/github-api/repos/org/uncaptured/license"):
        response = http.get(path)
        assert response.status_code == 404, path
        assert response.json() == {**expected, "standin": "not in the snapshot"}


def test_a_token_lists_the_private_repos_it_can_read_and_nobody_else_sees_them(server, http):
    server.hub.add_model({"id": "acme/secret", "private": True})
    server.hub.add_model({"id": "other/secret", "private": True})
    server.httpd.tokens["hf_acme"] = "acme"

    def ids(headers=None):
        return {item["id"] for item in http.get("/api/models", headers=headers or {}).json()}

    assert "acme/secret" not in ids()
    assert "acme/secret" not in ids({"Authorization": "Bearer hf_unknown"})
    with_token = ids({"Authorization": "Bearer hf_acme"})
    assert "acme/secret" in with_token
    assert "other/secret" not in with_token


def test_the_stand_in_clock_moves_rate_limit_windows_and_the_churn_hub_changes_without_commits():
    from standin.churn import STRESS, ChurnHub

    hub = ChurnHub.generate(200, seed=1, rates=STRESS)
    shas = {r["id"]: r["sha"] for r in hub.models.values()}
    downloads = {r["id"]: r["downloads"] for r in hub.models.values()}
    with StandinServer(hub) as running:
        running.httpd.clock.freeze()
        events = hub.evolve(1, running.httpd.clock.now())
        assert events.counts["drift"] == 100
        drifted = [i for i in downloads if i in hub.models and hub.models[i]["downloads"] != downloads[i]]
        assert drifted
        assert any(hub.models[i]["sha"] == shas[i] for i in drifted)  # counts moved, no commit
        old, new = next(iter(hub.renamed.items()))
        moved = httpx2.get(f"{running.url}/api/models/{old}", follow_redirects=False)
        assert moved.status_code == 307
        assert moved.headers["Location"].endswith(f"/api/models/{new}")
        gone = next(iter(hub.deleted))
        assert httpx2.get(f"{running.url}/api/models/{gone}").status_code == 404
        first = httpx2.get(f"{running.url}/api/models/{new}")
        assert first.headers["RateLimit"].endswith(";t=300")
        running.httpd.clock.advance(120)
        assert httpx2.get(f"{running.url}/api/models/{new}").headers["RateLimit"].endswith(";t=180")


def test_github_tree_of_a_ref_the_snapshot_did_not_record_is_not_found(server, http):
    """GitHub answers 404 for a ref it does not know; the stand-in never serves the default
    branch's tree under another name."""
    _add_repos(server.hub)
    answer = http.get("/github-api/repos/org/branchy/git/trees/olmoe-sft?recursive=1")
    assert answer.status_code == 404
    assert answer.json()["standin"] == "not in the snapshot"
    assert http.get("/github-api/repos/org/branchy/git/trees/main?recursive=1").status_code == 200
