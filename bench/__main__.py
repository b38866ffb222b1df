"""`make bench`: hub-scale figures on this machine, on PostgreSQL, compared with the targets.

Stages (each in a fresh process, against a synthetic hub served by the stand-in in its own
process on 127.0.0.1):
  discovery  full pass over N models; the bare client paging the same listing for the ratio
  rescore    every model scored
  web        gunicorn serving the scored index; wrk loads the leaderboard and the API
  github     N repositories crawled once, then re-crawled while GitHub answers 304

Results go to bench/results/latest.json and are printed as a table; docs/performance.md
records the figures of a reference run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import time
from pathlib import Path

from bench import load
from bench.common import (
    DEFAULT_DATABASE_URL,
    PYTHON,
    ROOT,
    base_env,
    free_port,
    manage,
    recreate_database,
    run_stage,
    standin,
    wait_for_port,
)

TARGETS = {
    "discovery_models_per_second": (">=", 2000),
    "discovery_models_per_list_request": (">=", 500),
    "discovery_peak_rss_mb": ("<", 500),
    "rescore_seconds": ("<=", 60),
    "leaderboard_default_p95_ms": ("<=", 100),
    "leaderboard_filtered_p95_ms": ("<=", 200),
    "leaderboard_page1000_over_page1_p50": ("<=", 1.5),
    "api_detail_rps": (">=", 300),
    "api_list_filtered_rps": (">=", 150),
    "api_list_filtered_p95_ms": ("<", 100),
    "api_revalidation_304_rps": (">=", 1000),
    "github_304_repositories_per_second": (">=", 500),
    "github_304_database_writes": ("==", 0),
    "churn_days_with_errors": ("==", 0),
    "churn_api_share_of_free_daily_quota": ("<=", 0.5),
}
FILTERED_PAGES = [
    "/?license_grade=partial&sort=-downloads",
    "/?modality=text&weights=open&sort=name",
    "/?pipeline_tag=text-generation&lineage=derivative&sort=-released",
    "/?q=model-01&training_data=closed&sort=license",
    "/?show=all&license=Apache-2.0&sort=-parameters",
]
API_LISTS = [
    "/api/v1/models/?weights=open&sort=-total",
    "/api/v1/models/?license_grade=partial&modality=text",
    "/api/v1/models/?lineage=derivative&sort=-downloads&page_size=50",
    "/api/v1/models/?training_code=closed&sort=name",
]


def check(name: str, value: float) -> str:
    operator, target = TARGETS[name]
    ok = {">=": value >= target, "<": value < target, "<=": value <= target, "==": value == target}[operator]
    return "met" if ok else "MISSED"


def stage_web(env: dict[str, str], seconds: int, workers: int) -> dict:
    import psycopg2

    port = free_port()
    # As deployed: persistent database connections (production's default) and sync workers, one
    # per core (the requests are CPU-bound; with gthread keep-alive, wrk's connections stick to
    # whichever worker accepted them). The throttle is lifted: all load comes from one address.
    web_env = {
        **env,
        "API_THROTTLE_RATE": "100000000/min",
        "DJANGO_DEBUG": "false",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    command = [PYTHON, "-m", "gunicorn", "openness.wsgi:application", "-b", f"127.0.0.1:{port}"]
    command += ["-w", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=web_env)
    try:
        wait_for_port(port, 60)
        base = f"http://127.0.0.1:{port}"
        connection = psycopg2.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT repo_id FROM scoring_score WHERE is_listed ORDER BY id")
            ids = [row[0] for row in cursor.fetchall()]
        connection.close()
        sample = random.Random(7).sample(ids, min(200, len(ids)))
        import urllib.request

        with urllib.request.urlopen(f"{base}/api/v1/models/{sample[0]}/") as response:  # noqa: S310 - loopback
            etag = response.headers["ETag"]
        results = {
            "leaderboard_default": load.run(base, ["/"], seconds=seconds),
            "leaderboard_filtered": load.run(base, FILTERED_PAGES, seconds=seconds),
            "leaderboard_page1": load.run(
                base, ["/?page=1&sort=-total&show=all"], seconds=max(5, seconds // 2)
            ),
            "leaderboard_page1000": load.run(
                base, ["/?page=1000&sort=-total&show=all"], seconds=max(5, seconds // 2)
            ),
            "api_detail": load.run(base, [f"/api/v1/models/{r}/" for r in sample], seconds=seconds),
            "api_list_filtered": load.run(base, API_LISTS, seconds=seconds),
            "api_revalidation_304": load.run(
                base, [f"/api/v1/models/{sample[0]}/"], seconds=seconds, headers={"If-None-Match": etag}
            ),
        }
        results["workers"] = workers
        return results
    finally:
        server.terminate()
        server.wait(timeout=20)


def vacuum_analyze(url: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url.replace("postgres://", "postgresql://"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--repos", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=15, help="length of each load scenario")
    parser.add_argument("--web-workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--only", default="discovery,rescore,web,github,churn")
    parser.add_argument("--churn-models", type=int, default=100_000)
    parser.add_argument("--churn-days", type=int, default=14)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--keep-database", action="store_true", help="reuse the bench database (skip recreate)"
    )
    args = parser.parse_args()
    stages = set(args.only.split(","))
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "models": args.models,
        "repos": args.repos,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    if not args.keep_database:
        recreate_database(args.database_url)
        manage(base_env(args.database_url), "migrate", "--noinput", "-v0")

    hub_port = free_port()
    with standin(max(args.models, 1), hub_port):
        env = base_env(args.database_url, hub_port)
        if "discovery" in stages:
            print(f"discovery: {args.models} models ...", flush=True)
            ingest = run_stage("discovery", env)
            bare = run_stage("discovery", env, "bare")
            results["discovery"] = {
                **ingest,
                "bare_client_seconds": bare["seconds"],
                "ingest_over_bare_client": ingest["seconds"] / bare["seconds"],
            }
        if "github" in stages:
            print(f"github: {args.repos} repositories ...", flush=True)
            results["github"] = run_stage("github", env, str(args.repos))
    if "churn" in stages:
        # its own database: the churn starts from an empty index
        base, name = args.database_url.rsplit("/", 1)
        churn_url = f"{base}/{name.removesuffix('_bench')}_churn_bench"
        recreate_database(churn_url)
        manage(base_env(churn_url), "migrate", "--noinput", "-v0")
        print(f"churn: {args.churn_models} models, {args.churn_days} days ...", flush=True)
        results["churn"] = run_stage(
            "churn",
            base_env(churn_url),
            "--models",
            str(args.churn_models),
            "--days",
            str(args.churn_days),
        )
    if "rescore" in stages:
        print("rescore ...", flush=True)
        results["rescore"] = run_stage("rescore", base_env(args.database_url))
    if "web" in stages:
        # as after any bulk load: planner statistics and the visibility map (index-only scans)
        vacuum_analyze(args.database_url)
        print("web: gunicorn + wrk ...", flush=True)
        results["web"] = stage_web(base_env(args.database_url), args.seconds, args.web_workers)

    figures = {}
    if "discovery" in results:
        d = results["discovery"]
        figures["discovery_models_per_second"] = d["models_per_second"]
        figures["discovery_models_per_list_request"] = d["models"] / max(d["list_requests"], 1)
        figures["discovery_peak_rss_mb"] = d["peak_rss_mb"]
    if "rescore" in results:
        figures["rescore_seconds"] = results["rescore"]["seconds"]
    if "churn" in results:
        c = results["churn"]
        figures["churn_days_with_errors"] = c["days_with_errors"]
        figures["churn_api_share_of_free_daily_quota"] = (
            c["max_api_requests_per_day_after_day0"] / c["free_token_daily"]["api"]
        )
    if "web" in results:
        w = results["web"]
        figures["leaderboard_default_p95_ms"] = w["leaderboard_default"]["p95_ms"]
        figures["leaderboard_filtered_p95_ms"] = w["leaderboard_filtered"]["p95_ms"]
        figures["leaderboard_page1000_over_page1_p50"] = (
            w["leaderboard_page1000"]["p50_ms"] / w["leaderboard_page1"]["p50_ms"]
        )
        figures["api_detail_rps"] = w["api_detail"]["rps"]
        figures["api_list_filtered_rps"] = w["api_list_filtered"]["rps"]
        figures["api_list_filtered_p95_ms"] = w["api_list_filtered"]["p95_ms"]
        figures["api_revalidation_304_rps"] = w["api_revalidation_304"]["rps"]
    if "github" in results:
        figures["github_304_repositories_per_second"] = results["github"]["repositories_per_second"]
        figures["github_304_database_writes"] = results["github"]["database_writes"]
    results["figures"] = {
        k: {"value": round(v, 2), "target": f"{TARGETS[k][0]} {TARGETS[k][1]}", "verdict": check(k, v)}
        for k, v in figures.items()
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"\n{'figure':45} {'value':>12}  target       verdict")
    for name, row in results["figures"].items():
        print(f"{name:45} {row['value']:>12}  {row['target']:12} {row['verdict']}")
    print(f"\nfull results: {Path(out / 'latest.json').relative_to(ROOT)}")
    if any(row["verdict"] != "met" for row in results["figures"].values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
