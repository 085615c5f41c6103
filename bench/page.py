"""docs/benchmarks.md's figures, generated from the result files: every number between the `figures:begin` and
`figures:end` markers comes from a JSON in bench/results/ (or from bench/goals.json: the quiet-load threshold and
the speed goals), rendered as the JSON holds it, never computed. The hand-written parts of the page may cite these
figures, never state others (tests/bench/test_page.py checks both and that the page is up to date).

    .venv/bin/python bench/page.py            # rewrite the generated part of docs/benchmarks.md
    .venv/bin/python bench/page.py --check    # exit 1 when the page differs from what the JSONs give

bench/suite.py regenerates the page after a full run. Results of small runs (bench/results/quick/, gitignored)
are never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
GOALS = ROOT / "bench" / "goals.json"
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- figures:begin -->", "<!-- figures:end -->"
IN_PROCESS = "in-process (Django test client, full middleware, no socket)"
OVER_HTTP = "over HTTP (gunicorn on a local socket)"


# --- reading -----------------------------------------------------------------------------------------------------


def results(folder: Path = RESULTS) -> dict[str, dict]:
    """Every bench/results/<name>.json by name (the quick/ folder is not read)."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}


def goals(path: Path = GOALS) -> dict:
    return json.loads(path.read_text())


def pick(data, path: str):
    """data["a"]["b"]... for "a.b" (list indexes as digits); None when any part is missing."""
    for part in path.split("."):
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


# --- formatting: the JSON's own value, with thousands separators --------------------------------------------------


def num(value, unit: str = "") -> str:
    if value is None:
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,} {unit}".strip()
    if isinstance(value, list):
        return " / ".join(num(item) for item in value) + (f" {unit}" if unit else "")
    return str(value)


def latency(summary) -> str:
    """ "p50 X ms, p95 Y ms, max Z ms (n=N)" from a summary in ms (bench.common.summary and older variants)."""
    if not isinstance(summary, dict):
        return "not recorded"
    parts = []
    for label, keys in (("p50", ("p50_ms", "median_ms")), ("p95", ("p95_ms",)), ("max", ("max_ms",))):
        value = next((summary[key] for key in keys if summary.get(key) is not None), None)
        if value is not None:
            parts.append(f"{label} {num(value)} ms")
    if not parts:
        return "not recorded"
    return ", ".join(parts) + (f" (n={num(summary['n'])})" if summary.get("n") else "")


def code(text) -> str:
    return f"`{text}`"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    def cell(text) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows),
    ]


# --- provenance: revision, date, load ---------------------------------------------------------------------------


def load_readings(data: dict) -> dict:
    """The 1-minute load averages a result file holds, whatever its writer's vintage: start, end, max (any may
    be None). Old writers recorded one reading when the file was written (end only)."""
    if isinstance(data.get("load"), dict):  # bench.common.write_result since issue 22
        load = data["load"]
        return {"start": load.get("start_1min"), "end": load.get("end_1min"), "max": load.get("max_1min")}

    def first(value):
        return value[0] if isinstance(value, list) and value else value

    for start_key, end_key in (
        ("load_average_before", "load_average_after"),  # bench/loadtest.py, bench/suite.py
        ("load_average_at_start", "load_average_at_end"),  # bench/rollup.py, bench/assessment.py (old)
    ):
        if start_key in data or end_key in data:
            return {"start": first(data.get(start_key)), "end": first(data.get(end_key)), "max": None}
    machine = data.get("machine") or {}
    when_written = machine.get("load_average") or machine.get("load_average_1_5_15")
    return {"start": None, "end": first(when_written), "max": None}


def load_text(readings: dict) -> str:
    parts = [
        f"{name} {num(readings[name])}" for name in ("start", "end", "max") if readings[name] is not None
    ]
    if not parts:
        return "load not recorded"
    if readings["start"] is None and readings["max"] is None:
        return f"{num(readings['end'])} when written (start not recorded)"
    return ", ".join(parts)


def conditions(readings: dict, quiet_below: float) -> str:
    """quiet only when the load stayed under the threshold at every reading, and there was more than one."""
    known = [value for value in readings.values() if value is not None]
    if not known:
        return "load not recorded"
    if readings["start"] is None:  # one reading, when the file was written
        if readings["end"] >= quiet_below:
            return f"loaded ({num(readings['end'])} when written)"
        return "not labelled quiet (one reading only)"
    if max(known) < quiet_below:
        return "**quiet**"
    return f"loaded (up to {num(max(known))})"


def provenance(data: dict) -> dict:
    return {
        "revision": data.get("git_revision"),
        "measured_at": data.get("measured_at") or data.get("finished_at"),
        "load": load_readings(data),
    }


def source(name: str, data: dict, quiet_below: float) -> str:
    """One line naming a section's JSON with its revision, date and load."""
    origin = provenance(data)
    revision = code(origin["revision"]) if origin["revision"] else "revision not recorded"
    when = code(origin["measured_at"]) if origin["measured_at"] else "date not recorded"
    return (
        f"From {code(f'bench/results/{name}.json')}: {revision}, {when}; load average (one minute) "
        f"{load_text(origin['load'])}: {conditions(origin['load'], quiet_below)}."
    )


# --- sections ------------------------------------------------------------------------------------------------------


def _runs(all_results: dict, g: dict) -> list[str]:
    quiet = g["quiet_load_1min"]
    lines = [
        "## Result files",
        "",
        f"A run is labelled quiet only when its one-minute load average stayed under {num(quiet)} at every "
        "reading (start, end and, for runs written by the current `bench/common.py`, every few seconds "
        "between), on a machine of the cores below; any other run is labelled with the highest load seen.",
        "",
    ]
    rows = []
    for name, data in all_results.items():
        origin = provenance(data)
        machine = data.get("machine") or {}
        rows.append(
            [
                code(f"{name}.json"),
                code(origin["revision"]) if origin["revision"] else "not recorded",
                code(origin["measured_at"]) if origin["measured_at"] else "not recorded",
                num(machine.get("cores") or machine.get("cpus")),
                load_text(origin["load"]),
                conditions(origin["load"], quiet),
            ]
        )
    return lines + table(["file", "revision", "measured (as recorded)", "cores", "load average", "run"], rows)


def _goals(all_results: dict, g: dict) -> list[str]:
    rows = []
    for goal in g["goals"]:
        data = all_results.get(goal["file"]) or {}
        value = pick(data, goal["path"])
        if goal.get("reduce") == "min" and isinstance(value, list) and value:
            value = min(value)
        if "at_most" in goal:
            target, met = f"at most {num(goal['at_most'], goal['unit'])}", None
            met = None if value is None else value <= goal["at_most"]
        else:
            target = f"at least {num(goal['at_least'], goal['unit'])}"
            met = None if value is None else value >= goal["at_least"]
        verdict = "not measured" if met is None else ("met" if met else "**missed**")
        rows.append([goal["goal"], target, num(value, goal["unit"]), code(f"{goal['file']}.json"), verdict])
    return ["## Goals", "", *table(["goal", "target", "figure", "from", "verdict"], rows)]


def _provisioning(r: dict) -> list[list[str]]:
    return [
        ["tenants present", num(r.get("tenants_present"))],
        ["ours: `union_provision` (rows + schema from template)", latency(r.get("ours_union_provision"))],
        ["ours: `union_provision`, mean", num(pick(r, "ours_union_provision.mean_ms"), "ms")],
        ["ours: schema from template only", latency(r.get("ours_schema_step"))],
        ["django-tenants: `create_schema` (runs migrations)", latency(r.get("django_tenants_create_schema"))],
        ["django-tenants: `create_schema`, mean", num(pick(r, "django_tenants_create_schema.mean_ms"), "ms")],
        ["speed-up, whole provisioning (means)", num(r.get("speedup_full_provision_mean"), "x")],
        ["speed-up, schema step (means)", num(r.get("speedup_schema_step_mean"), "x")],
        ["`migrate`, nothing to apply", num(r.get("migrate_nothing_to_apply_s"), "s")],
        ["django-tenants `migrate_schemas`, one tenant", latency(r.get("migrate_schemas_one_tenant"))],
        ["django-tenants' walk over every tenant, estimated by the script", num(r.get("django_tenants_walk_estimate_s"), "s")],
    ]  # fmt: skip


def _migrate(r: dict) -> list[list[str]]:
    return [
        ["tenants", num(r.get("tenants"))],
        ["the migration", str(r.get("migration"))],
        ["executor", str(r.get("executor"))],
        ["`migrate`, nothing to apply", num(r.get("nothing_to_apply_s"), "s")],
        ["`migrate` with the migration, template and every stale tenant", num(r.get("one_migration_s"), "s")],
        ["  per tenant, as the script divides it", num(r.get("one_migration_per_tenant_ms"), "ms")],
        ["schemas with the new column afterwards", num(r.get("schemas_with_new_column"))],
        ["`migrate` right after, nothing to apply again", num(r.get("nothing_to_apply_after_s"), "s")],
        ["copy of the database it ran on (`CREATE DATABASE ... TEMPLATE`)", num(r.get("database_copy_s"), "s")],
    ] + _migrate_replay(r)  # fmt: skip


def _migrate_replay(r: dict) -> list[list[str]]:
    """Rows of the replay path (docs/scaling.md), in results written since `migrate` replays."""
    replay = r.get("replay")
    if not replay:
        return []
    return [
        ["the migration of the replay run (same shape, another column)", str(replay.get("migration"))],
        ["`migrate` by replay, template and every stale tenant", num(replay.get("seconds"), "s")],
        ["  per tenant, as the script divides it", num(replay.get("per_tenant_ms"), "ms")],
        ["replay against the per-schema path, per tenant", f"{num(r.get('replay_speedup'))}x"],
    ]  # fmt: skip


def _rollup(r: dict) -> list[list[str]]:
    rows = [["unions x members per union", f"{num(r.get('unions'))} x {num(r.get('per_union'))}"]]
    for key, label in (("live", "live"), ("live_x10_members", "live, every member figure x10")):
        live = r.get(key)
        if not isinstance(live, dict):
            continue
        rows += [
            [f"{label}: units returned / members in the figures / SQL statements",
             f"{num(live.get('units'))} / {num(live.get('members_total'))} / {num(live.get('statements'))}"],
            [f"{label}: `rollup_tree`, dashboard indicators", latency(live.get("rollup_tree_dashboard"))],
            [f"{label}: - of which the statements", latency(live.get("phase_statements"))],
            [f"{label}: - of which the Python assembly", latency(live.get("phase_python_assembly"))],
            [f"{label}: `rollup_tree`, whole catalogue", latency(live.get("rollup_tree_catalogue"))],
            [f"{label}: GraphQL `rollup`, {IN_PROCESS}", latency(live.get("graphql_rollup_dashboard_http"))],
        ]  # fmt: skip
    freeze = r.get("freeze_live_county") or {}
    if freeze:
        rows.append(["freeze of the live county (snapshot values)", f"{num(freeze.get('seconds'), 's')} ({num(freeze.get('values'))})"])  # fmt: skip
    close = r.get("close") or {}
    if close:
        rows.append(
            ["close: unions / worker processes", f"{num(close.get('unions'))} / {num(close.get('workers'))}"]
        )
        if "closed_seconds" in close:
            rows += [
                ["close: period closed, without report files", num(close.get("closed_seconds"), "s")],
                [f"close: report files of {num(close.get('report_files_nodes'))} nodes, made in "
                 f"{close.get('report_files_in')}", num(close.get("report_files_seconds"), "s")],
                ["close: closed with report files (end to end)", num(close.get("end_to_end_seconds"), "s")],
            ]  # fmt: skip
        else:
            rows.append(["close: end to end, report files made by the bench process after the close",
                         num(close.get("end_to_end_seconds"), "s")])  # fmt: skip
        for phase, seconds in (close.get("phases_seconds") or {}).items():
            rows.append([f"close phase: {phase}", num(seconds, "s")])
        for part, seconds in (close.get("cpu_seconds_until_closed") or {}).items():
            rows.append([f"close CPU until closed: {part}", num(seconds)])
        rows += [
            ["close: per-union recount", latency(close.get("per_union_recount"))],
            ["close: differences flagged (one drift planted)", num(close.get("differences_flagged"))],
            ["close: snapshot values frozen", num(close.get("snapshot_values"))],
        ]
    return rows


def _assessment(r: dict) -> list[list[str]]:
    rows = [
        ["unions in the round / items on the sheet", f"{num(r.get('unions'))} / {num(r.get('items_per_standard'))}"],
        ["`round_score`, runs", num(r.get("round_score_seconds"), "s")],
        ["`round_score`, queries", num(r.get("round_score_queries"))],
    ]  # fmt: skip
    for phase, seconds in (r.get("round_score_phases_seconds") or {}).items():
        rows.append([f"`round_score` phase: {phase}", num(seconds, "s")])
    rows += [
        [f"`assessmentRanking(first: 50)` pages, {IN_PROCESS}", latency(r.get("ranking_page_latency"))],
        ["  CPU of the process per page", latency(r.get("ranking_page_cpu"))],
        ["  pages walked / queries per page", f"{num(r.get('ranking_pages'))} / {num(r.get('ranking_queries_per_page'))}"],
    ]  # fmt: skip
    return rows


def _members(r: dict) -> list[list[str]]:
    rows = [
        ["unions x members per union", f"{num(r.get('unions'))} x {num(r.get('members_per_union'))}"],
        [f"`members(first: 50)`, {IN_PROCESS}", latency(r.get("members_first_50"))],
        ["  queries per request", num(r.get("members_first_50_queries"))],
    ]
    for kind, figures in (r.get("search") or {}).items():
        rows.append([f"member search by {kind}, {IN_PROCESS}", latency(figures)])
        rows.append(["  queries per request", num((figures or {}).get("queries"))])
    return rows


def _imports(r: dict) -> list[list[str]]:
    return [
        [f"{r.get('importer')} import, {item.get('file')}, {num(item.get('rows'))} rows ({num(item.get('rejected'))} bad)",
         f"{num(item.get('rows_per_s'), 'rows/s')} ({num(item.get('total_s'), 's')})"]
        for item in r.get("results") or []
    ]  # fmt: skip


def _web(r: dict) -> list[list[str]]:
    return [
        [f"dashboard `GET /`, county of {num(r.get('unions'))} unions, {IN_PROCESS}", latency(r.get("dashboard_county"))],
        ["dashboard, one township", latency(r.get("dashboard_township"))],
        ["CSV export, county", latency(r.get("export_csv_county"))],
        ["queries per request", num(r.get("queries_per_request"))],
    ]  # fmt: skip


def _reporting(r: dict) -> list[list[str]]:
    return [
        [
            f"submission board, county ({num(r.get('unions'))} units), in-process",
            latency(r.get("board_county")),
        ],
        ["submission board, township", latency(r.get("board_township"))],
        ["report files (XLSX + PDF), live, first run", num(r.get("files_live_first_ms"), "ms")],
        ["report files, live, again", latency(r.get("files_live_regenerate"))],
        ["report files from a snapshot, first run", num(r.get("files_snapshot_first_ms"), "ms")],
        ["report files from a snapshot, again", latency(r.get("files_snapshot_regenerate"))],
    ]


def _modelworkers(r: dict) -> list[list[str]]:
    return [
        [f"`modelWorkers(first: 50)`, {num(r.get('model_workers'))} workers, county admin, {IN_PROCESS}",
         latency(r.get("model_workers_first_50_county_admin"))],
        ["same, union admin on its host", latency(r.get("model_workers_first_50_union_admin"))],
        [f"`notice_approve` of {num(pick(r, 'notice_approve.nominees'))} nominees", num(pick(r, "notice_approve.seconds"), "s")],
        ["registering a worker (history row and facts)", num(r.get("register_ms_each"), "ms")],
    ]  # fmt: skip


def _memory(r: dict) -> list[list[str]]:
    web, worker = r.get("web") or {}, r.get("worker") or {}
    rows = [
        ["unions x members per union", f"{num(r.get('unions'))} x {num(r.get('members_per_union'))}"],
        [f"gunicorn web worker, RSS after start / peak after {num(web.get('requests'))} requests",
         f"{num(web.get('worker_rss_after_start_mb'))} / {num(web.get('worker_peak_rss_mb'), 'MiB')}"],
        ["gunicorn master, peak RSS", num(web.get("master_peak_rss_mb"), "MiB")],
    ]  # fmt: skip
    for kind, figures in (web.get("latency") or {}).items():
        rows.append([f"web request {kind}, {OVER_HTTP}", latency(figures)])
    rows += [
        [f"Celery pool processes ({num(worker.get('concurrency'))}), RSS after start", num(worker.get("pool_rss_after_start_mb"), "MiB")],
        ["Celery pool processes, peaks", num(worker.get("pool_peaks_mb"), "MiB")],
        ["Celery main process, peak RSS", num(worker.get("main_peak_rss_mb"), "MiB")],
        [f"import of {num(worker.get('import_rows'))} members in the worker", f"{num(worker.get('import_seconds'), 's')} ({num(worker.get('import_rows_per_s'), 'rows/s')})"],
        [f"period close of {num(worker.get('close_unions'))} unions in the worker", num(worker.get("close_seconds"), "s")],
    ]  # fmt: skip
    return rows


def _loadtest_runs(all_results: dict, quiet: float) -> list[str]:
    rows = []
    for name, r in all_results.items():
        if not name.startswith("loadtest"):
            continue
        config, overall = r.get("config") or {}, r.get("overall") or {}
        gunicorn, cpu = config.get("gunicorn") or {}, r.get("cpu") or {}
        rows.append(
            [
                code(f"{name}.json"),
                f"{num(config.get('clients'))} / {num(config.get('think_s'), 's')}",
                f"{num(gunicorn.get('workers'))} x {num(gunicorn.get('threads'))} {gunicorn.get('worker_class', '')}",
                conditions(load_readings(r), quiet),
                num(overall.get("rps")),
                num(overall.get("p50_ms")),
                num(overall.get("p95_ms")),
                num(pick(r, "kinds.dashboard.p95_ms")),
                num(overall.get("errors")),
                num(cpu.get("server_ms_per_request")),
            ]
        )
    return table(
        ["file", "clients / think", "gunicorn", "run", "req/s", "p50 ms", "p95 ms", "dashboard p95 ms",
         "errors", "server CPU ms per request"],
        rows,
    )  # fmt: skip


def _loadtest_detail(r: dict) -> list[list[str]]:
    rows = []
    kinds = r.get("kinds") or {}
    for kind, figures in kinds.items():
        rows.append([f"**{kind}**", num(figures.get("n")), num(figures.get("errors")), num(figures.get("rps")),
                     num(figures.get("p50_ms")), num(figures.get("p95_ms")), num(figures.get("p99_ms"))])  # fmt: skip
        for operation, op in (r.get("operations") or {}).items():
            if op.get("kind") == kind:
                rows.append([f"- {operation}", num(op.get("n")), num(op.get("errors")), num(op.get("rps")),
                             num(op.get("p50_ms")), num(op.get("p95_ms")), num(op.get("p99_ms"))])  # fmt: skip
    overall = r.get("overall") or {}
    rows.append(["**overall**", num(overall.get("n")), num(overall.get("errors")), num(overall.get("rps")),
                 num(overall.get("p50_ms")), num(overall.get("p95_ms")), num(overall.get("p99_ms"))])  # fmt: skip
    return rows


def _suite(r: dict) -> list[list[str]]:
    rows = [["command", code(r.get("command"))], ["database", code(r.get("database"))]]
    for step in r.get("steps") or []:
        rows.append([f"step {step.get('name')}: {step.get('status')}, wall time incl. set-up", num(step.get("seconds"), "s")])  # fmt: skip
    rows.append(["the whole run", num(r.get("total_seconds"), "s")])
    return rows


SECTIONS: list[tuple[str, str, list[str], Callable[[dict], list[list[str]]]]] = [
    ("Provisioning a union", "bench/provisioning.py", ["provisioning"], _provisioning),
    ("`migrate` with a tenant migration", "bench/migrate_tenants.py", ["migrate"], _migrate),
    ("Roll-up and period close", "bench/rollup.py", ["rollup"], _rollup),
    ("职工之家 assessment", "bench/assessment.py", ["assessment"], _assessment),
    ("Member list and search", "bench/members.py", ["members"], _members),
    ("Imports", "bench/imports.py", ["imports", "imports-branches", "imports-run1"], _imports),
    ("Federation dashboard", "bench/web.py", ["web"], _web),
    ("Reporting", "bench/reporting.py", ["reporting"], _reporting),
    ("Model workers", "bench/modelworkers.py", ["modelworkers"], _modelworkers),
    ("Peak memory", "bench/memory.py", ["memory"], _memory),
    ("The suite run", "bench/suite.py", ["suite"], _suite),
]
DETAILED_LOADTESTS = ["loadtest", "loadtest-whole-tree"]


def render(all_results: dict, g: dict) -> str:
    quiet = g["quiet_load_1min"]
    lines = [
        "<!-- Generated by bench/page.py from bench/results/*.json and bench/goals.json: do not edit by hand. -->",
        "",
        *_runs(all_results, g),
        "",
        *_goals(all_results, g),
    ]
    for title, script, names, rows_of in SECTIONS:
        present = [name for name in names if name in all_results]
        if not present:
            continue
        lines += ["", f"## {title} ({code(script)})"]
        for name in present:
            lines += ["", source(name, all_results[name], quiet), "", *table(["measure", "figure"], rows_of(all_results[name]))]  # fmt: skip
    if any(name.startswith("loadtest") for name in all_results):
        lines += [
            "",
            f"## Load test ({code('bench/loadtest.py')}, {OVER_HTTP})",
            "",
            *_loadtest_runs(all_results, quiet),
        ]
        mix = pick(all_results.get("loadtest") or {}, "config.mix") or {}
        if mix:
            lines += [
                "",
                f"The request mix of {code('loadtest.json')} (each virtual user picks by weight):",
                "",
            ]
            lines += table(
                ["operation", "kind", "weight"],
                [[code(name), entry.get("kind"), num(entry.get("weight"))] for name, entry in mix.items()],
            )
        for name in DETAILED_LOADTESTS:
            if name in all_results:
                header = ["kind / operation", "n", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms"]
                lines += ["", source(name, all_results[name], quiet), "", *table(header, _loadtest_detail(all_results[name]))]  # fmt: skip
    return "\n".join(lines)


def replace_between_markers(text: str, block: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    if start == -1 or end == -1 or end < start:
        return text.rstrip("\n") + f"\n\n{BEGIN}\n{block}\n{END}\n"
    return text[: start + len(BEGIN)] + "\n" + block + "\n" + text[end:]


def generated_part(text: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    return text[start + len(BEGIN) : end] if start != -1 and end > start else ""


def page(docs: Path = DOCS, folder: Path = RESULTS) -> str:
    """The page as the JSONs make it (hand-written parts kept)."""
    return replace_between_markers(docs.read_text(), render(results(folder), goals()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/benchmarks.md is out of date")
    args = parser.parse_args(argv)
    text = page()
    if args.check:
        if text != DOCS.read_text():
            print("docs/benchmarks.md is out of date: run .venv/bin/python bench/page.py")
            return 1
        return 0
    DOCS.write_text(text)
    print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
