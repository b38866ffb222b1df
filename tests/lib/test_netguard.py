"""The host allowlist / SSRF guard (catalog/sources/netguard.py), alone and inside both clients.

DNS answers are patched (``netguard.resolve`` or ``socket.getaddrinfo``); the HTTP clients are
real and talk to real loopback servers: the stand-in, and a tiny redirector for off-host
redirects.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpcore2
import httpx2
import pytest

from catalog.sources.github.client import GitHubClient, GitHubRefused
from catalog.sources.huggingface.client import HubClient, HubRefused
from lib import netguard
from lib.netguard import HostNotAllowed, check_url, is_internal
from standin.hub import SnapshotHub
from standin.server import StandinServer
from tests.conftest import point_at


@pytest.fixture
def public_endpoints(settings, monkeypatch):
    """Production-like configuration: named endpoints that resolve to public addresses."""
    settings.HF_ENDPOINT = "https://huggingface.co"
    settings.GITHUB_API_URL = "https://api.github.com"
    settings.CRAWL_EXTRA_ALLOWED_HOSTS = []
    settings.HUB_CDN_HOSTS = []  # no download CDN configured: nothing beyond the endpoints
    answers = {
        "huggingface.co": ["18.244.202.60"],
        "api.github.com": ["140.82.112.6"],
        "cdn-lfs.hf.co": ["18.244.202.61"],
    }
    monkeypatch.setattr(netguard, "resolve", lambda host: answers[host])
    return answers


# --- check_url ------------------------------------------------------------------------------
def test_the_hubs_download_cdn_is_allowed_only_when_configured(public_endpoints, settings):
    with pytest.raises(HostNotAllowed):
        check_url("https://cdn-lfs.hf.co/repos/ab/cd/README.md")
    settings.HUB_CDN_HOSTS = ["cdn-lfs.hf.co"]
    check_url("https://cdn-lfs.hf.co/repos/ab/cd/README.md")
    with pytest.raises(HostNotAllowed):
        check_url("https://cdn-lfs.hf.co.evil.example/x")


def test_configured_endpoints_are_allowed(public_endpoints):
    check_url("https://huggingface.co/api/models?limit=10")
    check_url("https://HuggingFace.co:443/meta-llama/Llama-3.1-8B/resolve/main/README.md")
    check_url("https://api.github.com/repos/allenai/OLMo")


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/api/models",
        "https://huggingface.co.evil.example/api/models",
        "https://cdn-lfs.huggingface.co/repos/x",
        "http://huggingface.co/api/models",  # another origin: port 80
        "https://huggingface.co:8443/api/models",
        "https://github.com/allenai/OLMo",
        "https://huggingface.co@evil.example/api/models",
    ],
)
def test_hosts_that_are_not_configured_are_refused(public_endpoints, url):
    with pytest.raises(HostNotAllowed, match="not a configured crawl endpoint"):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://huggingface.co/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://huggingface.co:443/",
        "//huggingface.co/api",
    ],
)
def test_only_http_and_https_are_fetched(public_endpoints, url):
    with pytest.raises(HostNotAllowed, match="never fetched"):
        check_url(url)


def test_extra_allowed_hosts(settings, public_endpoints):
    settings.CRAWL_EXTRA_ALLOWED_HOSTS = ["mirror.example.org", "http://cache.example.org:8080"]
    public_endpoints.update({"mirror.example.org": ["93.184.216.34"], "cache.example.org": ["93.184.216.35"]})
    check_url("https://mirror.example.org/api/models")
    check_url("http://cache.example.org:8080/x")
    with pytest.raises(HostNotAllowed):
        check_url("http://mirror.example.org/api/models")


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "fd00::1",
        "fe80::1%eth0",
        "224.0.0.1",
        "240.0.0.1",
        "100.100.100.200",
    ],
)
def test_a_configured_name_that_resolves_inside_is_refused(public_endpoints, address):
    public_endpoints["huggingface.co"] = ["18.244.202.60", address]  # one bad answer is enough
    with pytest.raises(HostNotAllowed, match="resolves to internal address"):
        check_url("https://huggingface.co/api/models")


@pytest.mark.parametrize("address", ["18.244.202.60", "2600:9000:2000::1", "8.8.8.8"])
def test_public_addresses_are_not_internal(address):
    assert not is_internal(address)


def test_resolution_through_getaddrinfo(settings, monkeypatch):
    settings.HF_ENDPOINT = "https://hub.guard-test.example"
    monkeypatch.setattr(netguard, "_cache", {})
    calls = []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::ffff:127.0.0.1", 0, 0, 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(HostNotAllowed, match=r"internal address ::ffff:127\.0\.0\.1"):
        check_url("https://hub.guard-test.example/api/models")
    with pytest.raises(HostNotAllowed):
        check_url("https://hub.guard-test.example/api/models/x")
    assert calls == ["hub.guard-test.example"]  # answers are cached for a while


def test_a_name_that_does_not_resolve_is_refused(settings, monkeypatch):
    settings.HF_ENDPOINT = "https://nowhere.guard-test.example"
    monkeypatch.setattr(netguard, "_cache", {})

    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(HostNotAllowed, match="does not resolve"):
        check_url("https://nowhere.guard-test.example/api/models")


def test_the_configured_stand_in_on_loopback_is_allowed(tiny_hub):
    check_url(f"{tiny_hub.url}/api/models")
    check_url(f"{tiny_hub.github_url}/repos/a/b")
    with pytest.raises(HostNotAllowed):
        check_url("http://127.0.0.1:1/api/models")  # same address, other port: not configured


def test_localhost_written_as_such_is_allowed(settings, monkeypatch):
    settings.HF_ENDPOINT = "http://localhost:8765"
    monkeypatch.setattr(netguard, "resolve", lambda host: ["127.0.0.1", "::1"])
    check_url("http://localhost:8765/api/models")


def test_request_hook_checks_every_request(tiny_hub):
    netguard.request_hook(httpx2.Request("GET", f"{tiny_hub.url}/api/models"))
    with pytest.raises(HostNotAllowed):
        netguard.request_hook(httpx2.Request("GET", "http://169.254.169.254/latest/meta-data/"))


# --- inside the clients --------------------------------------------------------------------------
def test_a_configured_name_resolving_to_loopback_is_never_contacted(settings, tiny_hub, monkeypatch):
    port = tiny_hub.url.rsplit(":", 1)[1]
    settings.HF_ENDPOINT = f"http://hub.guard-test.example:{port}"
    monkeypatch.setattr(netguard, "resolve", lambda host: ["127.0.0.1"])
    tiny_hub.hub.add_model({"id": "org/m"})
    with pytest.raises(HubRefused, match=r"internal address 127\.0\.0\.1"):
        HubClient().model("org/m")
    assert tiny_hub.stats["requests"] == 0


class _Redirector(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        self.send_response(301)
        self.send_header("Location", self.server.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def elsewhere():
    """A real stand-in that no setting names: nothing may reach it."""
    with StandinServer(SnapshotHub()) as server:
        server.hub.add_model({"id": "org/m"})
        server.hub.add_repo({"repo": {"full_name": "org/code"}, "tree": ["train.py"]})
        yield server


@pytest.fixture
def redirector(settings, elsewhere):
    """A configured endpoint whose every answer is a 301 to ``elsewhere``."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Redirector)
    httpd.daemon_threads = True
    httpd.seen = []
    httpd.target = elsewhere.url
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    point_at(settings, elsewhere)
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    settings.HF_ENDPOINT = url
    settings.GITHUB_API_URL = url + "/github-api"
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_a_github_redirect_to_another_host_is_refused(redirector, elsewhere):
    with pytest.raises(GitHubRefused, match="not a configured crawl endpoint"):
        GitHubClient().repository("org/code")
    assert redirector.seen == ["/github-api/repos/org/code"]
    assert elsewhere.stats["requests"] == 0


def test_a_hub_redirect_to_another_host_is_refused(redirector, elsewhere):
    with pytest.raises(HubRefused, match="not a configured crawl endpoint"):
        HubClient().model("org/m")
    assert len(redirector.seen) == 1
    assert redirector.seen[0].startswith("/api/models/org/m?")
    assert elsewhere.stats["requests"] == 0


def test_a_redirect_to_the_metadata_address_is_refused(redirector):
    redirector.target = "http://169.254.169.254/latest/meta-data"
    with pytest.raises(GitHubRefused):
        GitHubClient().repository("org/code")
    with pytest.raises(HubRefused):
        HubClient().readme("org/m", "main")


def test_redirects_within_the_configured_stand_in_are_followed(tiny_hub):
    tiny_hub.hub.add_repo(
        {"repo": {"full_name": "org/new-name"}, "renamed_from": ["org/old-name"], "tree": ["train.py"]}
    )
    fetched = GitHubClient().repository("org/old-name")
    assert fetched.moved
    assert fetched.value.full_name == "org/new-name"


# --- DNS rebinding: the connection goes only to the address that was checked ----------------------
@pytest.fixture
def rebinding_resolver(monkeypatch):
    """A resolver hook: ``answers[name]`` is a list of answers, one per lookup (the last repeats).
    Address literals resolve as themselves (socket.create_connection looks them up too)."""
    real_getaddrinfo = socket.getaddrinfo
    answers: dict[str, list[str]] = {}
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        asked.append(host)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(netguard, "_cache", {})
    return answers, asked


@pytest.mark.parametrize("second_answer", ["127.0.0.1", "169.254.169.254", "fd00:ec2::254", "10.0.0.7"])
def test_a_name_that_rebinds_between_check_and_connect_is_refused(
    settings, tiny_hub, rebinding_resolver, second_answer
):
    """First lookup (the URL check): a public address. Second (the connection): internal.
    The request must fail without a byte reaching anything; a public first answer is never
    connected to either (the connection uses its own, checked, lookup)."""
    answers, asked = rebinding_resolver
    port = tiny_hub.url.rsplit(":", 1)[1]
    settings.HF_ENDPOINT = f"http://rebind.guard-test.example:{port}"
    settings.GITHUB_API_URL = f"http://rebind.guard-test.example:{port}/github-api"
    tiny_hub.hub.add_model({"id": "org/m"})
    answers["rebind.guard-test.example"] = ["93.184.216.34", second_answer]
    with pytest.raises(HubRefused, match=f"internal address {second_answer}"):
        HubClient().model("org/m")
    assert asked == ["rebind.guard-test.example", "rebind.guard-test.example"]
    assert tiny_hub.stats["requests"] == 0
    netguard._cache.clear()
    answers["rebind.guard-test.example"] = ["93.184.216.34", second_answer]
    with pytest.raises(GitHubRefused, match=f"internal address {second_answer}"):
        GitHubClient().repository("org/code")
    assert tiny_hub.stats["requests"] == 0


def test_the_pinned_connection_goes_to_the_checked_address(tiny_hub, monkeypatch):
    """The configured stand-in (an address literal) is reached through the pinned transport,
    and the backend was handed the checked address, not a name to resolve again."""
    connected: list[tuple[str, int]] = []
    real_connect = httpcore2.SyncBackend.connect_tcp

    def spy(self, host, port, *args, **kwargs):
        connected.append((host, port))
        return real_connect(self, host, port, *args, **kwargs)

    monkeypatch.setattr(httpcore2.SyncBackend, "connect_tcp", spy)
    tiny_hub.hub.add_model({"id": "org/m", "sha": "a" * 40})
    assert HubClient().model("org/m").sha == "a" * 40
    port = int(tiny_hub.url.rsplit(":", 1)[1])
    assert connected
    assert set(connected) == {("127.0.0.1", port)}


def test_a_pinned_connection_to_an_unconfigured_origin_is_refused(tiny_hub):
    """Even a transport used outside the request hook refuses what is not configured."""
    with httpx2.Client(transport=netguard.pinned_transport()) as client:
        with pytest.raises(HostNotAllowed, match="not a configured crawl endpoint"):
            client.get("http://127.0.0.1:9/")
        with pytest.raises(HostNotAllowed):
            client.get("http://169.254.169.254/latest/meta-data/")
        assert client.get(f"{tiny_hub.url}/api/models?limit=1").status_code == 200
