"""Benchmark: peak memory (RSS) of a gunicorn web worker and of a Celery worker doing real work.

    .venv/bin/python bench/memory.py --unions 1000 --per-union 300 --requests 300 --import-rows 20000

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_memory_bench; created if
missing) with the scale county of bench/scale.py (built when missing). Real processes, as deployed:
  * web: gunicorn with one sync worker (infra/Dockerfile's command) on a free loopback port, persistent database
    connections; `--requests` requests cycling through the federation dashboard (GET /), the GraphQL roll-up of
    the county, the union list, and member list and member search on random union hosts, with the county
    admin's API token. Then the worker's peak RSS (VmHWM in /proc/<pid>/status) and its RSS now.
  * worker: a Celery worker (prefork, `--concurrency` processes) on Redis 127.0.0.1:6379 with a queue and key
    prefix of its own (database 12), so it never takes another worker's tasks and they never take its: a members
    import of `--import-rows` rows into a fresh union, then a period close of the whole county (a fan-out of one
    recount task per union, then the freeze). Then the peak RSS of the main process and of each pool process.
Both process groups are stopped at the end and the Redis keys under the prefix deleted. Writes
bench/results/memory.json. Peak RSS counts shared pages (code, copy-on-write memory after fork) in full.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import bootstrap, summary, write_result  # noqa: E402

DEFAULT_DB = "uh_memory_bench"
REDIS_URL = "redis://127.0.0.1:6379/12"  # database 12: bench workers; 13 is the worker tests'
TOKEN = uuid.uuid4().hex[:10]
QUEUE = f"uh-bench-memory-{TOKEN}"
KEY_PREFIX = f"{QUEUE}:"
READY_TIMEOUT_S = 60
SOURCE_PATH = os.pathsep.join(str(ROOT / p) for p in ("platform", "tenants", "graphql", "workers", "."))

ROLLUP = """query($n: ID!, $p: String!) { rollup(node: $n, period: $p, indicators: ["unions", "members", "new_members"]) {
  indicators units { key name values } } }"""
UNIONS = "{ unions(first: 50) { totalCount edges { node { name slug } } } }"
MEMBERS = "{ members(first: 50) { edges { node { name status branch { name } } } } }"
SEARCH = """query($s: String) { members(first: 50, search: $s) { edges { node { name status } } } }"""


def peak_rss_mb(pid: int) -> dict:
    """VmHWM (peak resident set) and VmRSS (now) of a process, in MiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            figures[key] = round(int(value.split()[0]) / 1024, 1)  # kB
    return {"peak_mb": figures.get("VmHWM"), "now_mb": figures.get("VmRSS")}


def children(pid: int) -> list[int]:
    import psutil

    return [child.pid for child in psutil.Process(pid).children(recursive=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


def child_env(media: str) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": SOURCE_PATH,
        "DATABASE_CONN_MAX_AGE": "60",  # the recommended production setting
        "DJANGO_DEBUG": "0",
        "UNIONHUB_MEDIA_ROOT": media,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "CELERY_REDIS_KEY_PREFIX": KEY_PREFIX,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_SKIP_CHECKS": "1",
    }


# --- web -----------------------------------------------------------------------------------------------------------


def measure_web(county, requests: int, env: dict, log_dir: Path) -> dict:
    from api.core.ids import FEDERATION_NODE, to_global_id
    from bench.members import search_terms

    port = free_port()
    log = open(log_dir / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process below
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "unionhub.wsgi:application",
            "--pythonpath",
            "platform,tenants,graphql,workers",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    token = county.tokens[county.county_admin]
    node = to_global_id(FEDERATION_NODE, county.county_id)
    rng = random.Random(11)

    def call(host: str, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Host": host, "Authorization": f"Bearer {token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def mix(i: int) -> tuple[str, tuple]:
        index = rng.randrange(county.unions)
        host = county.union_hosts[index]
        kinds = [
            ("dashboard", (county.public_host, "GET", "/")),
            (
                "rollup",
                (
                    county.public_host,
                    "POST",
                    "/graphql/",
                    {"query": ROLLUP, "variables": {"n": node, "p": county.period_label}},
                ),
            ),
            ("unions", (county.public_host, "POST", "/graphql/", {"query": UNIONS})),
            ("members", (host, "POST", "/graphql/", {"query": MEMBERS})),
            (
                "search",
                (
                    host,
                    "POST",
                    "/graphql/",
                    {"query": SEARCH, "variables": {"s": search_terms(county, index, rng)["name_prefix"]}},
                ),
            ),
        ]
        return kinds[i % len(kinds)]

    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                call(county.public_host, "GET", "/healthz")
                break
            except OSError:
                if gunicorn.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start; see {log_dir / 'gunicorn.log'}") from None
                time.sleep(0.2)
        workers = children(gunicorn.pid)
        assert len(workers) == 1, workers
        worker = workers[0]
        at_start = peak_rss_mb(worker)
        latencies: dict[str, list[float]] = {}
        errors: dict[str, int] = {}
        for i in range(requests):
            kind, request = mix(i)
            started = time.perf_counter()
            status, content = call(*request)
            latencies.setdefault(kind, []).append(time.perf_counter() - started)
            failed = status != 200 or (request[1] == "POST" and b'"errors"' in content[:200])
            if failed:
                errors[kind] = errors.get(kind, 0) + 1
                if errors[kind] == 1:
                    print(f"  {kind}: HTTP {status} {content[:300]!r}")
        worker_figures = peak_rss_mb(worker)
        master_figures = peak_rss_mb(gunicorn.pid)
    finally:
        stop(gunicorn)
        log.close()
    return {
        "requests": requests,
        "errors": errors,
        "worker_rss_after_start_mb": at_start["now_mb"],
        "worker_peak_rss_mb": worker_figures["peak_mb"],
        "worker_rss_now_mb": worker_figures["now_mb"],
        "master_peak_rss_mb": master_figures["peak_mb"],
        "latency": {kind: summary(values) for kind, values in latencies.items()},
    }


# --- worker --------------------------------------------------------------------------------------------------------


def wait_for(predicate, timeout_s: float, what: str, process: subprocess.Popen, log_path: Path):
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if process.poll() is not None:
            raise SystemExit(f"Celery worker exited while waiting for {what}; see {log_path}")
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}; see {log_path}")
        time.sleep(0.5)


def unused_month_label(node) -> str:
    """A past month no period of `node` uses yet, so every run closes a fresh period."""
    from rollup.models import ReportingPeriod

    used = set(ReportingPeriod.objects.filter(owner_node=node).values_list("label", flat=True))
    for year in range(2000, 2020):
        for month in range(1, 13):
            label = f"{year}-{month:02d}"
            if label not in used:
                return label
    raise SystemExit("no unused month label left for the bench period")


def measure_worker(county, import_rows: int, concurrency: int, env: dict, log_dir: Path, timeout_s: int):
    from bench import imports as import_bench
    from federations.models import FederationNode
    from imports.models import ImportJob
    from imports.services import import_job_create
    from jobs.celery_app import enqueue_on_commit
    from jobs.imports import import_job_run_task
    from rollup.models import ReportingPeriod
    from rollup.periods import period_close, period_open

    log_path = log_dir / "celery.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "jobs.celery_app",
            "worker",
            "-Q",
            QUEUE,
            "-n",
            f"{QUEUE}@%h",
            "-c",
            str(concurrency),
            "-P",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    county_node = FederationNode.objects.get(pk=county.county_id)
    try:
        wait_for(lambda: b" ready." in log_path.read_bytes(), READY_TIMEOUT_S, "the worker", worker, log_path)
        pool = [pid for pid in children(worker.pid)]
        at_start = {pid: peak_rss_mb(pid) for pid in [worker.pid, *pool]}

        # A members import into a fresh union (bench/imports.py's file and union; removed at the end).
        import_bench.drop_bench_unions()
        union = import_bench.fresh_union(county_node, 90)
        header, rows, bad = import_bench.member_rows(import_rows)
        job = import_job_create(
            kind="members", filename="members.csv", content=import_bench.csv_file(header, rows), union=union
        )
        started = time.perf_counter()
        enqueue_on_commit(import_job_run_task, job.pk)
        job = wait_for(
            lambda: ImportJob.objects.filter(pk=job.pk, status__in=("done", "failed")).first(),
            timeout_s,
            "the import",
            worker,
            log_path,
        )
        import_s = time.perf_counter() - started
        if job.status != "done" or job.accepted_rows != len(rows) - bad:
            raise SystemExit(f"import ended {job.status}: {job.accepted_rows} accepted, {job.error_message}")
        import_bench.drop_bench_unions()

        # A period close of the whole county: one recount task per union, the last one freezes.
        period = period_open(node=county_node, label=unused_month_label(county_node))
        started = time.perf_counter()
        period_close(period=period)
        wait_for(
            lambda: ReportingPeriod.objects.filter(pk=period.pk, status="closed").exists(),
            timeout_s,
            "the period close",
            worker,
            log_path,
        )
        close_s = time.perf_counter() - started
        pool = [pid for pid in children(worker.pid)]
        figures = {pid: peak_rss_mb(pid) for pid in [worker.pid, *pool]}
    finally:
        stop(worker)
        log.close()
        _purge_redis()
    pool_peaks = [figures[pid]["peak_mb"] for pid in pool]
    return {
        "concurrency": concurrency,
        "import_rows": len(rows),
        "import_seconds": round(import_s, 1),
        "import_rows_per_s": round(len(rows) / import_s),
        "close_unions": county.unions,
        "close_seconds": round(close_s, 1),
        "main_peak_rss_mb": figures[worker.pid]["peak_mb"],
        "pool_rss_after_start_mb": [at_start[pid]["now_mb"] for pid in at_start if pid != worker.pid],
        "pool_peak_rss_mb": max(pool_peaks) if pool_peaks else None,
        "pool_peaks_mb": pool_peaks,
        "pool_rss_now_mb": [figures[pid]["now_mb"] for pid in pool],
    }


def _purge_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{KEY_PREFIX}*", count=1000))
        keys += [QUEUE] if client.exists(QUEUE) else []
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unions", type=int, default=1000)
    parser.add_argument("--per-union", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=2, help="Celery pool processes (2 cores here)")
    parser.add_argument(
        "--timeout", type=int, default=1800, help="seconds to wait for the import / the close"
    )
    args = parser.parse_args()

    media = tempfile.mkdtemp(prefix="uh-memory-bench-")
    os.environ.pop("UNIONHUB_S3_BUCKET", None)
    env = child_env(media)
    os.environ.update({key: env[key] for key in env if key.startswith(("CELERY_", "UNIONHUB_MEDIA"))})
    url = bootstrap(DEFAULT_DB)
    env["DATABASE_URL"] = url
    from bench.scale import build_county

    print(f"database {urlparse(url).path.lstrip('/')}: scale county")
    county = build_county(args.unions, args.per_union)
    log_dir = Path(media)
    result = {"unions": county.unions, "members_per_union": county.members_per_union}
    result["web"] = measure_web(county, args.requests, env, log_dir)
    print("web:", json.dumps(result["web"], ensure_ascii=False))
    result["worker"] = measure_worker(county, args.import_rows, args.concurrency, env, log_dir, args.timeout)
    print("worker:", json.dumps(result["worker"], ensure_ascii=False))
    print(f"written {write_result('memory', result)}")
    if result["web"]["errors"]:
        raise SystemExit(f"web requests failed: {result['web']['errors']} (logs in {log_dir})")
    import shutil

    shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
