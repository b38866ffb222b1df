"""`make bench`: hub-scale figures on this machine, on PostgreSQL, compared with the targets.

Stages (each in a fresh process, against a synthetic hub served by the stand-in in its own
process on 127.0.0.1):
  discovery  full pass over N models; the bare client paging the same listing for the ratio
  rescore    every model scored
  web        gunicorn serving the scored index; wrk loads the leaderboard and the API
  github     N repositories crawled once, then re-crawled while GitHub answers 304
  explain    every hot-path query EXPLAINed on the loaded database (no sequential scans)
  size       database size in total and per model
  scaling    detail crawls and rescoring by one, then two Celery worker processes (Redis
             broker, one PostgreSQL): the throughput ratio

`--models N` (or `make bench N=1000000`) sets the scale; the targets at N >= 1,000,000 are the
ones issue 16 sets for the whole Hub on one machine. `--quick` is a small run (under 3 minutes)
that exercises every stage.

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
    # no target in issue 16 ("measured, not assumed"): a second worker must at least not lose
    "scaling_details_two_over_one": (">=", 1.0),
    "scaling_rescore_two_over_one": (">=", 1.0),
}
# targets that change at a million models (issue 16): the rest hold at every N
TARGETS_AT_1M = {
    "rescore_seconds": ("<=", 300),
    "discovery_peak_rss_mb": ("<", 1024),
}
TARGETS.update(
    {
        "rescore_incremental_seconds": ("<=", 10),
        "leaderboard_search_p95_ms": ("<=", 200),
        "rescore_peak_rss_mb": ("<", 1024),
        "web_worker_peak_rss_mb": ("<", 1024),
        "standin_peak_rss_mb": ("<", 1024),
        "hot_path_sequential_scans": ("==", 0),
        "database_kb_per_model_without_evidence": ("<", 3),
    }
)
# a selective name, a search no row matches (its words common, "org-3" short), and a broad one
# (about 6 % of the board, as "llama" is of the real Hub), ranked by relevance
SEARCH_PAGES = ["/?q=model-01", "/?q=org-3+model&show=all", "/?q=synth+org+12&show=all"]
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


def targets_for(models: int) -> dict:
    return {**TARGETS, **(TARGETS_AT_1M if models >= 1_000_000 else {})}


def check(name: str, value: float, targets: dict | None = None) -> str:
    operator, target = (targets or TARGETS)[name]
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
            "leaderboard_search": load.run(base, SEARCH_PAGES, seconds=seconds),
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
        results["peak_rss_mb"] = process_tree_peak_rss_mb(server.pid)
        return results
    finally:
        server.terminate()
        server.wait(timeout=20)


def process_tree_peak_rss_mb(pid: int) -> dict[str, float]:
    """Peak resident memory (VmHWM) of a process and its children, read from /proc."""
    peaks: dict[str, float] = {}

    def visit(current: int, label: str) -> None:
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[label] = int(line.split()[1]) / 1024
        for index, child in enumerate(children):
            visit(int(child), f"{label}/child{index}")

    visit(pid, "master")
    return peaks


def database_size(url: str, models: int) -> dict:
    """Total size and the share per model of each big table (heap + indexes + TOAST)."""
    import psycopg2

    connection = psycopg2.connect(url.replace("postgres://", "postgresql://"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        total = cursor.fetchone()[0]
        cursor.execute(
            """SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC"""
        )
        tables = dict(cursor.fetchall())
    connection.close()
    evidence = tables.get("catalog_evidence", 0)
    per_model = max(models, 1)
    return {
        "total_mb": total / 2**20,
        "tables_mb": {k: round(v / 2**20, 1) for k, v in tables.items() if v > 2**20},
        "kb_per_model": total / per_model / 1024,
        "evidence_kb_per_model": evidence / per_model / 1024,
        "kb_per_model_without_evidence": (total - evidence) / per_model / 1024,
    }


def git_commit() -> str:
    completed = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    return completed.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


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
    # churn (days of a changing hub crawled through the pipeline) runs only when named: at the
    # default 100,000 models one simulated day takes about 25 minutes on this machine
    parser.add_argument("--only", default="discovery,rescore,scaling,web,github,explain,size")
    parser.add_argument(
        "--quick", action="store_true", help="10,000 models, 1,000 repositories, short loads (< 3 min)"
    )
    parser.add_argument("--churn-models", type=int, default=100_000)
    parser.add_argument("--churn-days", type=int, default=14)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        help="broker of the scaling stage's Celery workers",
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="reuse the bench database (skip recreate)"
    )
    args = parser.parse_args()
    if args.quick:
        args.models, args.repos, args.seconds = min(args.models, 10_000), min(args.repos, 1_000), 4
        args.churn_models, args.churn_days = min(args.churn_models, 1_000), min(args.churn_days, 3)
    stages = set(args.only.split(","))
    targets = targets_for(args.models)
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "models": args.models,
        "repos": args.repos,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": git_commit(),
        "quick": args.quick,
    }
    if not args.keep_database:
        recreate_database(args.database_url)
        manage(base_env(args.database_url), "migrate", "--noinput", "-v0")

    hub_port = free_port()
    with standin(max(args.models, 1), hub_port) as hub_process:
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
        results["standin_peak_rss_mb"] = process_tree_peak_rss_mb(hub_process.pid).get("master", 0.0)
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
        print("rescore of 1 % of the models ...", flush=True)
        results["rescore_incremental"] = run_stage("rescore", base_env(args.database_url), "0.01")
    if "scaling" in stages:
        print("scaling: one, then two Celery workers ...", flush=True)
        port = free_port()
        with standin(max(args.models, 1), port):
            sizes = ("100", "1000") if args.quick else ("500", "10000")
            results["scaling"] = run_stage(
                "scaling", base_env(args.database_url, port, REDIS_URL=args.redis_url), *sizes
            )
    if "web" in stages:
        # as after any bulk load: planner statistics and the visibility map (index-only scans)
        vacuum_analyze(args.database_url)
        print("web: gunicorn + wrk ...", flush=True)
        results["web"] = stage_web(base_env(args.database_url), args.seconds, args.web_workers)
    if "explain" in stages:
        vacuum_analyze(args.database_url)
        print("explain: hot-path query plans ...", flush=True)
        results["explain"] = run_stage("explain", base_env(args.database_url))
    if "size" in stages:
        results["size"] = database_size(args.database_url, args.models)

    figures = {}
    if "discovery" in results:
        d = results["discovery"]
        figures["discovery_models_per_second"] = d["models_per_second"]
        figures["discovery_models_per_list_request"] = d["models"] / max(d["list_requests"], 1)
        figures["discovery_peak_rss_mb"] = d["peak_rss_mb"]
    if "rescore" in results:
        figures["rescore_seconds"] = results["rescore"]["seconds"]
        figures["rescore_incremental_seconds"] = results["rescore_incremental"]["seconds"]
        figures["rescore_peak_rss_mb"] = max(
            results["rescore"]["peak_rss_mb"], results["rescore"]["peak_rss_child_mb"]
        )
    if "standin_peak_rss_mb" in results:
        figures["standin_peak_rss_mb"] = results["standin_peak_rss_mb"]
    if "explain" in results and args.models >= 100_000:
        # below that the planner rightly reads small tables whole; the check means something at scale
        figures["hot_path_sequential_scans"] = len(results["explain"]["seq_scans"])
    if "size" in results:
        figures["database_kb_per_model_without_evidence"] = results["size"]["kb_per_model_without_evidence"]
    if "churn" in results:
        c = results["churn"]
        figures["churn_days_with_errors"] = c["days_with_errors"]
        figures["churn_api_share_of_free_daily_quota"] = (
            c["max_api_requests_per_day_after_day0"] / c["free_token_daily"]["api"]
        )
    if "scaling" in results:
        figures["scaling_details_two_over_one"] = results["scaling"]["details"]["ratio"]
        figures["scaling_rescore_two_over_one"] = results["scaling"]["rescore"]["ratio"]
    if "web" in results:
        w = results["web"]
        figures["leaderboard_default_p95_ms"] = w["leaderboard_default"]["p95_ms"]
        figures["leaderboard_filtered_p95_ms"] = w["leaderboard_filtered"]["p95_ms"]
        figures["leaderboard_search_p95_ms"] = w["leaderboard_search"]["p95_ms"]
        figures["web_worker_peak_rss_mb"] = max(w["peak_rss_mb"].values() or [0.0])
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
        k: {
            "value": round(v, 2),
            "target": f"{targets[k][0]} {targets[k][1]}",
            "verdict": check(k, v, targets),
        }
        for k, v in figures.items()
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    result_file = out / ("quick.json" if args.quick else "latest.json")
    result_file.write_text(json.dumps(results, indent=2, default=str))
    if "explain" in results and results["explain"]["seq_scans"]:
        print("sequential scans on hot paths:", *results["explain"]["seq_scans"], sep="\n  ")
    print(f"\n{'figure':45} {'value':>12}  target       verdict")
    for name, row in results["figures"].items():
        print(f"{name:45} {row['value']:>12}  {row['target']:12} {row['verdict']}")
    print(f"\nmachine: {results['machine']}, commit {results['commit']}, started {results['started']}")
    print(f"full results: {result_file.relative_to(ROOT)}")
    if any(row["verdict"] != "met" for row in results["figures"].values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
