"""The benchmark suite: every benchmark in order against one scale database, one command.

    .venv/bin/python bench/suite.py                 # 1,000 unions, ~300 members each
    .venv/bin/python bench/suite.py --unions 3000
    .venv/bin/python bench/suite.py --quick         # smoke run: 30 unions, small sizes

The database is DATABASE_URL, else `uh_suite` (`uh_suite_quick` with --quick) on the local PostgreSQL, created
when missing. The first step builds the scale county there (bench/scale.py, idempotent: a second run only checks
it); every later step is one bench script run as a subprocess, so a crash or a memory peak stays in that step.
A failed step is recorded and the suite goes on; the exit status is 1 when a step failed.

Results: each step's JSON and log under bench/results/ (--quick: bench/results/quick/, so a smoke run never
overwrites real figures), the whole run in suite.json, and, for a full run into bench/results/, the figures of
docs/benchmarks.md regenerated from every JSON there (bench/page.py).
`--only a,b` / `--skip a,b` pick steps (`--list` names them; a partial run keeps the other steps of the previous
suite.json); `--loadtest` adds bench/loadtest.py at the end; `--results-dir`/`--no-docs` keep a trial run apart.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, git_revision, machine  # noqa: E402

DOCS = ROOT / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Sizes:
    """How big each step runs. `full` is what the issue asks for; `quick` is a smoke run of the machinery."""

    unions: int
    members_per_union: int
    requests: int
    repeat: int
    import_rows: int
    close_unions: int
    provision_ours: int
    provision_django_tenants: int
    modelworker_unions: int
    modelworkers: int
    nominees: int
    memory_requests: int
    memory_import_rows: int
    step_timeout_s: int

    @classmethod
    def full(cls, unions: int = 1000) -> Sizes:
        return cls(
            unions=unions,
            members_per_union=300,
            requests=300,
            repeat=200,
            import_rows=100_000,
            close_unions=unions,
            provision_ours=20,
            provision_django_tenants=3,
            modelworker_unions=100,
            modelworkers=10_000,
            nominees=300,
            memory_requests=300,
            memory_import_rows=20_000,
            step_timeout_s=3 * 3600,
        )

    @classmethod
    def quick(cls, unions: int = 30) -> Sizes:
        return cls(
            unions=unions,
            members_per_union=50,
            requests=30,
            repeat=10,
            import_rows=2_000,
            close_unions=min(10, unions),
            provision_ours=5,
            provision_django_tenants=1,
            modelworker_unions=10,
            modelworkers=300,
            nominees=20,
            memory_requests=40,
            memory_import_rows=1_000,
            step_timeout_s=900,
        )


@dataclass(frozen=True)
class Step:
    """One bench script: its arguments for a size, and the rows of the docs table read from its JSON."""

    name: str
    script: str
    args: Callable[[Sizes], list[str]]
    rows: Callable[[dict], list[tuple[str, str]]] = lambda result: []
    what: str = ""
    optional: bool = False
    # How the script is told where its JSON goes: a flag given the path, or None for scripts that write with
    # bench.common.write_result(<step name>) (the suite sets BENCH_RESULTS_DIR).
    output_flag: str | None = None


@dataclass
class Outcome:
    name: str
    status: str  # ok | failed | timeout | missing
    seconds: float
    command: list[str]
    log: str
    returncode: int | None = None
    result: dict | None = None
    rows: list[tuple[str, str]] = field(default_factory=list)


# --- reading figures out of the step results -------------------------------------------------------------------


def pick(data, path: str):
    """data["a"]["b"]... for "a.b", None when any part is missing (scripts change; the table must not crash)."""
    for part in path.split("."):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


def number(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, int | float):
        text = f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"
        return f"{text} {unit}".strip()
    return str(value)


def latency(summary) -> str:
    """ "p50 X ms, p95 Y ms (n)" from a summary in ms (bench.common) or in seconds (older scripts)."""
    if not isinstance(summary, dict):
        return "n/a"
    scale, suffix = (1, "_ms") if any(key.endswith("_ms") for key in summary) else (1000, "_s")

    def get(*names):
        for name in names:
            value = summary.get(name + suffix)
            if value is not None:
                return round(value * scale, 1)
        return None

    parts = [
        f"{label} {number(value)} ms"
        for label, value in (("p50", get("p50", "median")), ("p95", get("p95")), ("max", get("max")))
        if value is not None
    ]
    if not parts and get("mean") is not None:
        parts.append(f"mean {number(get('mean'))} ms")
    count = summary.get("n")
    return ", ".join(parts) + (f" (n={count})" if count else "") if parts else "n/a"


def _provisioning_rows(r: dict) -> list[tuple[str, str]]:
    return [
        ("tenants present", number(r.get("tenants_present"))),
        ("ours: union_provision (rows + schema from template)", latency(r.get("ours_union_provision"))),
        ("ours: schema from template only", latency(r.get("ours_schema_step"))),
        ("django-tenants: create_schema (runs migrations)", latency(r.get("django_tenants_create_schema"))),
        ("speed-up, whole provisioning (mean)", number(r.get("speedup_full_provision_mean"), "x")),
        ("`migrate`, nothing to apply", number(r.get("migrate_nothing_to_apply_s"), "s", 3)),
        ("django-tenants `migrate_schemas`, one tenant", latency(r.get("migrate_schemas_one_tenant"))),
    ]


def _migrate_rows(r: dict) -> list[tuple[str, str]]:
    return [
        ("`migrate`, nothing to apply", number(r.get("nothing_to_apply_s"), "s", 3)),
        (
            f"`migrate --per-schema`, one tenant migration over {number(r.get('tenants'))} tenants",
            number(r.get("one_migration_s"), "s", 1),
        ),
        ("  per tenant", number(r.get("one_migration_per_tenant_ms"), "ms")),
        (
            "`migrate` by replay, the same shape of migration, same tenants",
            number((r.get("replay") or {}).get("seconds"), "s", 1),
        ),
        ("  per tenant", number((r.get("replay") or {}).get("per_tenant_ms"), "ms")),
        ("`migrate` right after (nothing to apply again)", number(r.get("nothing_to_apply_after_s"), "s", 3)),
    ]


def _rollup_rows(r: dict) -> list[tuple[str, str]]:
    return [
        ("live `rollup_tree`, dashboard indicators", latency(pick(r, "live.rollup_tree_dashboard"))),
        ("live `rollup_tree`, whole catalogue", latency(pick(r, "live.rollup_tree_catalogue"))),
        ("live GraphQL `rollup` over HTTP", latency(pick(r, "live.graphql_rollup_dashboard_http"))),
        ("live `rollup_tree`, 10x the members", latency(pick(r, "live_x10_members.rollup_tree_dashboard"))),
        ("freeze (snapshot) of the county", number(pick(r, "freeze_live_county.seconds"), "s", 2)),
        (
            f"period close end to end, {number(pick(r, 'close.unions'))} unions, "
            f"{pick(r, 'close.workers') or '?'} worker processes",
            number(pick(r, "close.end_to_end_seconds"), "s", 1),
        ),
        ("period close: per-union recount", latency(pick(r, "close.per_union_recount"))),
        ("period close: freeze", number(pick(r, "close.phases_seconds.freeze"), "s", 2)),
    ]


def _assessment_rows(r: dict) -> list[tuple[str, str]]:
    scores = r.get("round_score_seconds")
    best = min(scores) if isinstance(scores, list) and scores else scores
    return [
        (
            f"`round_score`, {number(r.get('unions'))} unions (best run)",
            f"{number(best, 's', 2)}, {number(r.get('round_score_queries'))} queries",
        ),
        ("ranking page over HTTP", latency(r.get("ranking_page_latency"))),
    ]


def _members_rows(r: dict) -> list[tuple[str, str]]:
    rows = [
        (
            f"`members(first: 50)` over HTTP, {number(r.get('members_total_active'))} members",
            latency(r.get("members_first_50")),
        ),
        ("  queries per request", number(r.get("members_first_50_queries"))),
    ]
    for kind, figures in (r.get("search") or {}).items():
        rows.append((f"member search by {kind}", latency(figures)))
        rows.append(("  queries per request", number((figures or {}).get("queries"))))
    return rows


def _imports_rows(r: dict) -> list[tuple[str, str]]:
    return [
        (
            f"{r.get('importer', '?')} import, {item.get('file', '?')}, {number(item.get('rows'))} rows",
            f"{number(item.get('rows_per_s'))} rows/s ({number(item.get('total_s'), 's')})",
        )
        for item in r.get("results") or []
    ]


def _web_rows(r: dict) -> list[tuple[str, str]]:
    return [
        (
            f"dashboard `GET /`, county of {number(r.get('unions'))} unions",
            latency(r.get("dashboard_county")),
        ),
        ("dashboard, one township", latency(r.get("dashboard_township"))),
        ("  queries per request", number(r.get("queries_per_request"))),
    ]


def _reporting_rows(r: dict) -> list[tuple[str, str]]:
    return [
        ("submission board, county", latency(r.get("board_county"))),
        ("report files (XLSX + PDF), live, first run", number(r.get("files_live_first_ms"), "ms")),
        ("report files from a snapshot, first run", number(r.get("files_snapshot_first_ms"), "ms")),
    ]


def _modelworkers_rows(r: dict) -> list[tuple[str, str]]:
    return [
        (
            f"`modelWorkers(first: 50)`, {number(r.get('model_workers'))} workers, county admin",
            latency(r.get("model_workers_first_50_county_admin")),
        ),
        ("same, union admin on its host", latency(r.get("model_workers_first_50_union_admin"))),
        (
            f"`notice_approve` of {number(pick(r, 'notice_approve.nominees'))} nominees",
            number(pick(r, "notice_approve.seconds"), "s", 2),
        ),
    ]


def _memory_rows(r: dict) -> list[tuple[str, str]]:
    web, worker = r.get("web") or {}, r.get("worker") or {}
    return [
        (
            f"gunicorn web worker, peak RSS after {number(web.get('requests'))} mixed requests",
            number(web.get("worker_peak_rss_mb"), "MiB"),
        ),
        (
            f"Celery worker, peak RSS (import of {number(worker.get('import_rows'))} members, close of "
            f"{number(worker.get('close_unions'))} unions)",
            number(worker.get("pool_peak_rss_mb"), "MiB") + " per pool process",
        ),
        ("  Celery main process", number(worker.get("main_peak_rss_mb"), "MiB")),
        ("  import, end to end in the worker", number(worker.get("import_seconds"), "s")),
        ("  period close, end to end in the worker", number(worker.get("close_seconds"), "s")),
    ]


def _scale_rows(r: dict) -> list[tuple[str, str]]:
    written = {key: value for key, value in (r.get("created") or {}).items() if value}
    return [
        (
            "unions x members per union",
            f"{number(len(r.get('union_ids') or []))} x {number(r.get('members_per_union'))}",
        ),
        (
            "built or checked in this run",
            f"{number(pick(r, 'timings.total'), 's')}, wrote {written or 'nothing'}",
        ),
    ]


def _loadtest_rows(r: dict) -> list[tuple[str, str]]:
    return [
        (key.replace("_", " "), latency(value) if isinstance(value, dict) else number(value))
        for key, value in r.items()
        if key not in ("machine", "measured_at", "git_revision") and not isinstance(value, list)
    ][:8]


STEPS: list[Step] = [
    Step(
        "scale",
        "bench/scale.py",
        lambda s: ["--unions", str(s.unions), "--members", str(s.members_per_union)],
        _scale_rows,
        "the scale county (built once, then checked)",
        output_flag="--json",
    ),
    Step(
        "provisioning",
        "bench/provisioning.py",
        lambda s: [
            "--tenants",
            str(s.unions),
            "--ours",
            str(s.provision_ours),
            "--django-tenants",
            str(s.provision_django_tenants),
        ],
        _provisioning_rows,
        "a new union: ours vs django-tenants' own path",
    ),
    Step(
        "migrate",
        "bench/migrate_tenants.py",
        lambda s: [],
        _migrate_rows,
        "`migrate` with nothing to apply and with one AddField + index tenant migration, per schema and by replay"
        " (on a copy of the database)",
    ),
    Step(
        "rollup",
        "bench/rollup.py",
        lambda s: [
            "--unions",
            str(s.unions),
            "--close-unions",
            str(s.close_unions),
            "--per-union",
            str(s.members_per_union),
            "--repeat",
            str(s.repeat),
            "--workers",
            "2",
        ],
        _rollup_rows,
        "live roll-up and period close",
        output_flag="--output",
    ),
    Step(
        "assessment",
        "bench/assessment.py",
        lambda s: ["--unions", str(s.unions)],
        _assessment_rows,
        "职工之家 round scoring and ranking",
        output_flag="--output",
    ),
    Step(
        "members",
        "bench/members.py",
        lambda s: [
            "--tenants",
            str(s.unions),
            "--per-union",
            str(s.members_per_union),
            "--requests",
            str(s.requests),
            "--import-rows",
            "0",
        ],
        _members_rows,
        "member list and member search",
    ),
    Step(
        "imports",
        "bench/imports.py",
        lambda s: ["--rows", str(s.import_rows)],
        _imports_rows,
        "import rows per second",
    ),
    Step(
        "web",
        "bench/web.py",
        lambda s: ["--unions", str(s.unions), "--requests", str(max(10, s.requests // 6))],
        _web_rows,
        "federation dashboard",
    ),
    Step(
        "reporting",
        "bench/reporting.py",
        lambda s: [
            "--unions",
            str(s.unions),
            "--per-union",
            str(s.members_per_union),
            "--repeat",
            str(max(5, s.repeat // 4)),
        ],
        _reporting_rows,
        "submission board and report files",
    ),
    Step(
        "modelworkers",
        "bench/modelworkers.py",
        lambda s: [
            "--unions",
            str(s.modelworker_unions),
            "--workers",
            str(s.modelworkers),
            "--nominees",
            str(s.nominees),
            "--requests",
            str(max(20, s.requests // 2)),
        ],
        _modelworkers_rows,
        "model-worker registry",
    ),
    Step(
        "memory",
        "bench/memory.py",
        lambda s: [
            "--unions",
            str(s.unions),
            "--per-union",
            str(s.members_per_union),
            "--requests",
            str(s.memory_requests),
            "--import-rows",
            str(s.memory_import_rows),
        ],
        _memory_rows,
        "peak RSS of a gunicorn web worker and a Celery worker",
    ),
]
LOADTEST = Step(
    "loadtest",
    "bench/loadtest.py",
    lambda s: (
        ["--unions", str(s.unions), "--members", str(s.members_per_union)]
        + (["--duration", "20", "--clients", "10"] if s.unions < 100 else [])
    ),
    _loadtest_rows,
    "load test, 50 clients on gunicorn (bench/loadtest.py)",
    optional=True,
)


# --- running -----------------------------------------------------------------------------------------------------


def run_step(step: Step, sizes: Sizes, *, env: dict, out_dir: Path, python: str = sys.executable) -> Outcome:
    """Run one step as a subprocess in its own process group; its JSON is read from out_dir/<name>.json."""
    script = ROOT / step.script
    output = out_dir / f"{step.name}.json"
    log = out_dir / "logs" / f"{step.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [python, str(script), *step.args(sizes)]
    if step.output_flag:
        command += [step.output_flag, str(output)]
    if not script.exists():
        log.write_text(f"{step.script} does not exist\n")
        return Outcome(step.name, "missing", 0.0, command, str(log))
    output.unlink(missing_ok=True)
    started = time.monotonic()
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            returncode = process.wait(timeout=sizes.step_timeout_s)
            status = "ok" if returncode == 0 else "failed"
        except subprocess.TimeoutExpired:
            # The step's own children (gunicorn, Celery) are in its process group: stop them all.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            returncode, status = None, "timeout"
    seconds = time.monotonic() - started
    result = None
    if output.exists():
        try:
            result = json.loads(output.read_text())
        except ValueError:
            status = "failed" if status == "ok" else status
    elif status == "ok":
        status = "failed"  # exited 0 without writing its results
    outcome = Outcome(step.name, status, round(seconds, 1), command, str(log), returncode, result)
    if result is not None:
        try:
            outcome.rows = step.rows(result)
        except Exception as exc:  # noqa: BLE001 - a figure the table cannot read must not lose the run
            outcome.rows = [("(figures not readable)", f"{type(exc).__name__}: {exc}")]
    return outcome


def merge_steps(previous_path: Path, ran: list[dict]) -> list[dict]:
    """A partial run (--only/--skip) keeps the other steps of the previous suite.json, in suite order."""
    try:
        previous = json.loads(previous_path.read_text()).get("steps", [])
    except (OSError, ValueError):
        previous = []
    by_name = {step["name"]: step for step in previous} | {step["name"]: step for step in ran}
    order = [step.name for step in [*STEPS, LOADTEST]]
    return [by_name[name] for name in order if name in by_name]


def log_tail(path: str, lines: int = 15) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- the docs page ----------------------------------------------------------------------------------------------


def docs_update(docs: Path = DOCS, results_dir: Path = RESULTS) -> None:
    """Regenerate the figures of docs/benchmarks.md from the result files (bench/page.py): the suite's steps
    wrote theirs, the other JSONs keep their figures and provenance."""
    from bench import page

    docs.write_text(page.page(docs, results_dir))


# --- main --------------------------------------------------------------------------------------------------------


def _postgres_version(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # noqa: BLE001 - the description says unknown rather than failing the run
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unions", type=int, help="unions in the scale county (default 1000; --quick 30)")
    parser.add_argument("--quick", action="store_true", help="smoke run at small sizes")
    parser.add_argument("--only", default="", help="comma-separated step names")
    parser.add_argument("--skip", default="", help="comma-separated step names")
    parser.add_argument("--loadtest", action="store_true", help="also run bench/loadtest.py at the end")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument(
        "--results-dir", help="where the JSON goes (default bench/results, --quick: .../quick)"
    )
    parser.add_argument("--list", action="store_true", help="list the steps and exit")
    args = parser.parse_args(argv)

    steps = STEPS + ([LOADTEST] if args.loadtest else [])
    if args.list:
        for step in steps:
            print(f"{step.name:14} {step.script:28} {step.what}")
        return 0
    only = {name for name in args.only.split(",") if name}
    skip = {name for name in args.skip.split(",") if name}
    unknown = (only | skip) - {step.name for step in steps}
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))} (see --list)")
    steps = [s for s in steps if (not only or s.name in only) and s.name not in skip]

    sizes = Sizes.quick(args.unions or 30) if args.quick else Sizes.full(args.unions or 1000)
    default_db = "uh_suite_quick" if args.quick else "uh_suite"
    url = os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{default_db}"
    out_dir = Path(args.results_dir) if args.results_dir else RESULTS / "quick" if args.quick else RESULTS
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BENCH_RESULTS_DIR": str(out_dir),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)

    description = machine()
    description["postgresql"] = description.get("postgresql") or _postgres_version(url)
    suite = {
        "command": "bench/suite.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "database": urlparse(url).path.lstrip("/"),
        "sizes": sizes.__dict__,
        "machine": description,
        "load_average_before": description["load_average"],
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "steps": [],
    }
    print(f"suite: {len(steps)} steps on database {suite['database']}, results in {out_dir}")
    started = time.monotonic()
    for step in steps:
        print(f"[{step.name}] {step.what} ...", flush=True)
        outcome = run_step(step, sizes, env=env, out_dir=out_dir)
        print(f"[{step.name}] {outcome.status} in {outcome.seconds} s (log: {outcome.log})", flush=True)
        for measure, figure in outcome.rows:
            print(f"    {measure}: {figure}")
        if outcome.status != "ok" and not (step.optional and outcome.status == "missing"):
            print(log_tail(outcome.log))
        suite["steps"].append(outcome.__dict__)
    outcomes = list(suite["steps"])
    suite["total_seconds"] = round(time.monotonic() - started, 1)
    suite["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    suite["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")

    path = out_dir / "suite.json"
    if only or skip:
        suite["steps"] = merge_steps(path, suite["steps"])
        suite["merged_with_previous_run"] = True
        suite["total_seconds"] = round(sum(step["seconds"] for step in suite["steps"]), 1)
    path.write_text(json.dumps(suite, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"wrote {path}")
    if not args.quick and out_dir == RESULTS and not args.no_docs:
        docs_update()
        print(f"updated {DOCS.relative_to(ROOT)}")
    failed = [
        outcome["name"]
        for outcome, step in zip(outcomes, steps, strict=True)
        if outcome["status"] != "ok" and not (step.optional and outcome["status"] == "missing")
    ]
    if failed:
        print(f"failed steps: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
