import base64, json
import pytest
pytestmark = pytest.mark.django_db

def enc(v): return base64.urlsafe_b64encode(json.dumps(v).encode()).decode().rstrip("=")

def test_probe(crawled, client, no_throttle):
    for cur in [["abc", "x", 1], [[1], "x", 1], [{"t": "2020-01-01"}, "a", 1], [1.0, {"a": 1}, 1], [None, None, None], [1e400, "a", 1]]:
        try:
            r = client.get("/api/v1/models/", {"cursor": enc(cur)})
            print(cur, r.status_code, r.content[:200])
        except Exception as e:
            print(cur, "EXC", type(e), e)
    for cur in [["abc", 1]]:
        try:
            r = client.get("/api/v1/models/", {"cursor": enc(cur), "sort": "parameters"})
            print(cur, r.status_code, r.content[:200])
        except Exception as e:
            print(cur, "EXC", type(e), e)
    r = client.get("/api/v1/docs/"); print(r.status_code, r["Content-Security-Policy"]); print(r.content.decode())
    r = client.get("/api/v1/redoc/"); print(r.status_code, r["Content-Security-Policy"]); print(r.content.decode())
