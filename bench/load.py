"""Load from a second process on loopback: wrk (Debian's package) with a small Lua script.

Each scenario warms up, then runs 10 concurrent connections for a fixed time and reports
requests per second and latency percentiles. Without wrk, a threaded Python client does the
same (less efficiently; the report says which generator ran).
"""

from __future__ import annotations

import http.client
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

LUA = """
local paths = {%(paths)s}
local counter = 0
local extra = {%(headers)s}
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], extra)
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _lua(paths: list[str], headers: dict[str, str]) -> str:
    def lua_string(text: str) -> str:
        return '"' + text.replace('"', '\\"') + '"'

    quoted = ", ".join(lua_string(p) for p in paths)
    extra = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items())
    return LUA % {"paths": quoted, "headers": extra}


def run(
    base: str,
    paths: list[str],
    *,
    seconds: int = 15,
    connections: int = 10,
    headers: dict[str, str] | None = None,
) -> dict:
    headers = headers or {}
    if shutil.which("wrk"):
        return _wrk(base, paths, seconds, connections, headers)
    return _python(base, paths, seconds, connections, headers)


def _wrk(base, paths, seconds, connections, headers) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(paths, headers))
    try:
        subprocess.run(
            ["wrk", "-t2", f"-c{connections}", "-d3s", "-s", script.name, base],
            capture_output=True,
            check=True,
        )  # warm-up
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name, base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script.name).unlink(missing_ok=True)
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) (\d+) (\d+)", out)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    requests, duration_us = int(match.group(1)), int(match.group(2))
    return {
        "generator": "wrk",
        "requests": requests,
        "rps": requests / (duration_us / 1e6),
        "p50_ms": float(match.group(3)),
        "p95_ms": float(match.group(4)),
        "p99_ms": float(match.group(5)),
        "bad_status": int(match.group(6)),
        "socket_errors": int(match.group(7)),
    }


def _python(base, paths, seconds, connections, headers) -> dict:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    bad = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(offset: int) -> None:
        nonlocal bad
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        i = offset
        while time.monotonic() < stop:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                bad += response.status >= 400
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "generator": "python",
        "requests": len(ordered),
        "rps": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "bad_status": bad,
        "socket_errors": 0,
    }
