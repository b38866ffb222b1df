"""In-process request timing (no server, no load generator): medians of N requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openness_bench .venv/bin/python -m bench.inprocess

Run it from two checkouts against the same benchmark database to compare code paths without
the noise of a load test (used to check the web figures after the wave-2 re-layout).
"""

from __future__ import annotations

import os
import statistics
import time

URLS = ("/api/v1/models/?training_data=open&sort=-total", "/api/v1/models/?weights=partial", "/")


def main(repeats: int = 40) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openness.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from rest_framework.throttling import AnonRateThrottle

    settings.ALLOWED_HOSTS = ["*"]
    AnonRateThrottle.THROTTLE_RATES = {"anon": "1000000/min"}  # one address sends everything
    client = Client()
    for url in URLS:
        for _ in range(5):
            client.get(url)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        print(f"{url} {response.status_code} median {statistics.median(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
