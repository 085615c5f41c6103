"""Helpers shared by the benchmark scripts: Django bootstrap on a bench database, timing, summaries, machine
description and result files.

    from bench.common import bootstrap, summary, timed, write_result

    bootstrap("uh_mybench")          # before importing any model
    figures = summary(timed(lambda: work(), repeat=100))
    write_result("mybench", {"figures": figures})   # bench/results/mybench.json, with revision and load

Importable before Django is set up: nothing here touches settings until `bootstrap` runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import platform as stdlib_platform  # imported before the source roots go on sys.path (ours has no __init__)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SOURCE_ROOTS = ("platform", "tenants", "graphql", "workers")
# Roll-up indicators a county dashboard shows: what the roll-up and load-test benchmarks ask for.
DASHBOARD_INDICATORS = [
    "unions",
    "staff",
    "members",
    "female_members",
    "migrant_members",
    "new_members",
    "join_rate",
    "data_quality",
    "unions_workers_congress",
    "home_grade_model",
    "mw_status_managed",
]


def _put_sources_on_path() -> None:
    for path in [str(ROOT)] + [str(ROOT / name) for name in SOURCE_ROOTS]:
        if path not in sys.path:
            sys.path.insert(0, path)


def database_ensure(url: str) -> None:
    """Create the database named in `url` when it is missing (connects to the server's `postgres` database)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def bootstrap(default_db: str) -> str:
    """Make a bench process ready: source roots on sys.path, DATABASE_URL (default: `default_db` on the local
    server, created if missing), Django set up, public schema and union template migrated. Returns the URL.

    Safe to call twice; the migrate is a no-op (no tenant walk) when nothing is pending."""
    _put_sources_on_path()
    url = os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{default_db}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    database_ensure(url)

    import django

    django.setup()
    from django.core.management import call_command

    from federations.schema_template import template_schema_ensure

    call_command("migrate", interactive=False, verbosity=0)
    template_schema_ensure()
    return url


# --- timing ----------------------------------------------------------------------------------------------------


def timed(func, repeat: int, warmup: int = 3) -> list[float]:
    """Call `func` `warmup` times untimed, then `repeat` times; returns each call's seconds (perf_counter)."""
    for _ in range(warmup):
        func()
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        seconds.append(time.perf_counter() - started)
    return seconds


def _percentile(ordered: list[float], fraction: float) -> float:
    # Nearest rank: the smallest value with at least `fraction` of the values at or below it.
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[min(len(ordered), int(rank)) - 1]


def summary(values_seconds: list[float]) -> dict:
    """n, mean and p50/p95/p99/max in milliseconds (0.1 ms) of a list of seconds."""
    if not values_seconds:
        return {"n": 0, "mean_ms": None, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values_seconds)

    def ms(value: float) -> float:
        return round(value * 1000, 1)

    return {
        "n": len(ordered),
        "mean_ms": ms(statistics.fmean(ordered)),
        "p50_ms": ms(statistics.median(ordered)),
        "p95_ms": ms(_percentile(ordered, 0.95)),
        "p99_ms": ms(_percentile(ordered, 0.99)),
        "max_ms": ms(ordered[-1]),
    }


# --- machine and results ---------------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return stdlib_platform.processor() or stdlib_platform.machine()


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _postgres_version() -> str | None:
    try:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 - Django not set up or no server: the description says so
        return None


def machine() -> dict:
    """What the figures were measured on, and how busy it was (load average now)."""
    load = os.getloadavg()
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "kernel": f"{stdlib_platform.system()} {stdlib_platform.release()}",
        "python": stdlib_platform.python_version(),
        "postgresql": _postgres_version(),
        "load_average": [round(value, 2) for value in load],
    }


def git_revision() -> str | None:
    """HEAD's short hash, with "+dirty" when the working tree has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


class LoadWatch:
    """The machine's 1-minute load average over a bench run: at the start (when bench.common is imported, i.e.
    when the script starts), every `every` seconds on a daemon thread, and at the end (when the result is
    written). docs/benchmarks.md calls a run quiet only when the highest of these stayed under QUIET_LOAD."""

    def __init__(self, every: float = 5.0):
        self.started_at = datetime.now(UTC)
        self.start = os.getloadavg()[0]
        self.highest = self.start
        self.samples = 1
        self._every = every
        threading.Thread(target=self._sample, name="bench-load-watch", daemon=True).start()

    def _sample(self) -> None:
        while True:
            time.sleep(self._every)
            self.note(os.getloadavg()[0])

    def note(self, value: float) -> None:
        self.highest = max(self.highest, value)
        self.samples += 1

    def document(self) -> dict:
        end = os.getloadavg()[0]
        self.note(end)
        return {
            "start_1min": round(self.start, 2),
            "end_1min": round(end, 2),
            "max_1min": round(self.highest, 2),
            "samples": self.samples,
            "every_s": self._every,
            "cores": os.cpu_count(),
        }


LOAD = LoadWatch()


def write_result(name: str, data: dict, path: str | Path | None = None) -> Path:
    """Write bench/results/<name>.json (or `path`): `data` plus the machine, the UTC start and end times, the git
    revision and the load average over the run (LoadWatch). Every bench script writes its JSON through here:
    docs/benchmarks.md is generated from these files (bench/page.py).

    BENCH_RESULTS_DIR, when set, replaces bench/results (bench/suite.py --quick: smoke runs keep real figures)."""
    if path is None:
        folder = Path(os.environ.get("BENCH_RESULTS_DIR") or RESULTS)
        path = folder / f"{name}.json"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        **data,
        "machine": machine(),
        "started_at": LOAD.started_at.isoformat(timespec="seconds"),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "load": LOAD.document(),
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")
    return path
