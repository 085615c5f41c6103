"""Benchmark: the live roll-up of a county of 1,000 unions, and a period close end to end.

    .venv/bin/python bench/rollup.py --unions 1000 --close-unions 1000 --per-union 300 --workers 2

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_rollup_bench; created if
missing). `--setup-only` builds both counties and stops; `--skip-live` times the close only.

Live query: a county "汇总压测县" with 20 townships and `--unions` union rows (no schemas: the roll-up never enters
them) whose live facts are written directly with COPY, as the domains maintain them: union rows (branch 0) for
the member, assessment and model-worker indicators plus 10 branch rows per union; the member figures add up to
`--per-union` members per union (300,000 for 1,000 unions). Timed in-process (`rollup.selectors.rollup_tree`,
server time without HTTP) for a dashboard set of indicators and for the whole catalogue, split into its SQL
(three statements) and its Python assembly, then through GraphQL `rollup(node, period, indicators)` over the Django
test client (full middleware). The same query is timed again after multiplying every member figure by 10
(3,000,000 members): the query reads facts, never members, so the time must not move. The freeze (snapshot of
every node and union) is timed on this county too.

Period close: a second county "结账压测县" with 5 townships and `--close-unions` provisioned unions (template
clones) holding `--per-union` members each (importer fast path, as bench/members.py). Then, timed end to end:
`period_close` (fan-out start) -> per-union recount tasks on `--workers` real Celery worker processes (one prefork
worker, private queue and Redis key prefix, started before the clock) -> the freeze by the last union's task ->
the period closed; then the report files (XLSX + PDF, platform/reporting) of the county and of each township from
the frozen snapshot, made where production makes them: one `report_files_generate_task` per node on the same
workers, stored on a temporary local directory. Both are reported: closed (without files) and closed with files.
Phases come from the database timestamps (first claim, last union done, run finished, period closed).
`--workers 0` runs the tasks eagerly in this process instead (one worker).
Prints the figures and writes bench/results/rollup.json (bench.common.write_result: revision, load average).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
for source_root in ("platform", "tenants", "graphql", "workers"):
    sys.path.insert(0, str(ROOT / source_root))
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/uh_rollup_bench"
from bench.common import DASHBOARD_INDICATORS as DASHBOARD  # noqa: E402
from bench.common import write_result  # noqa: E402

QUERY = """query($n: ID!, $i: [String!]) { rollup(node: $n, period: "2026", indicators: $i) {
  indicators units { key parentKey kind name values } } }"""


def summary(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(values[max(0, int(len(values) * 0.95) - 1)] * 1000, 2),
        "max_ms": round(values[-1] * 1000, 2),
    }


def timed(func, repeat: int, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def timed_cpu(func, repeat: int, warmup: int = 5) -> list[float]:
    """CPU time of this process per call (client side only: Python, psycopg; not PostgreSQL): barely moved by
    other processes' load, unlike wall time."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        started = time.process_time()
        func()
        times.append(time.process_time() - started)
    return times


def build_live_county(n_unions: int, per_union: int):
    """The county, its townships and n union rows (no schemas), with facts written by COPY. Idempotent."""
    from django.db import connection, transaction

    from bench.provisioning import bench_credit_code
    from federations.models import FederationNode, Union, UnionStatus
    from federations.services import node_create
    from rollup.models import LiveFact

    county = FederationNode.objects.filter(name="汇总压测县总工会").first()
    if county is None:
        county = node_create(level="county", name="汇总压测县总工会", division_code="330122")
    towns = list(FederationNode.objects.filter(parent=county).order_by("pk"))
    for i in range(len(towns), 20):
        towns.append(
            node_create(level="township", name=f"压测{i + 1}镇工会", division_code="330122", parent=county)
        )
    present = Union.objects.filter(node_path__startswith=county.path).count()
    if present >= n_unions:
        return county
    rng = random.Random(11)
    with transaction.atomic():
        unions = Union.objects.bulk_create(
            [
                Union(
                    slug=f"live-{i:07d}",
                    schema_name=f"live_{i:07d}",  # never created: the roll-up does not enter union schemas
                    name=f"汇总压测{i}号工会",
                    credit_code=bench_credit_code(5_000_000 + i),
                    unit_type=("enterprise", "public_institution", "government")[i % 3],
                    ownership_type=("private", "state", "foreign", "collective")[i % 4],
                    staff_count=per_union + 30,
                    female_staff_count=per_union // 2,
                    has_workers_congress=i % 2 == 0,
                    has_affairs_disclosure=i % 3 != 0,
                    parent_node=towns[i % len(towns)],
                    node_path=towns[i % len(towns)].path,
                    status=UnionStatus.ACTIVE,
                )
                for i in range(present, n_unions)
            ],
            batch_size=1000,
        )
        buffer = io.StringIO()
        for union in unions:
            members = per_union
            union_facts = {
                "members": members,
                "female_members": members * 45 // 100,
                "migrant_members": members * 30 // 100,
                "agency_members": members * 10 // 100,
                "new_form_members": members * 5 // 100,
                "retained_members": members // 10,
                "member_records_ok": members * 95 // 100,
                f"home_grade_{rng.choice(['qualified', 'advanced', 'model', 'star3'])}": 1,
                "mw_status_managed": rng.randint(0, 2),
                "mw_level_county": rng.randint(0, 2),
            }
            flows = {
                "new_members": members // 12,
                "home_results": 1,
                "home_score_centi": rng.randint(6000, 9800),
                "home_appraisal_invited": 50,
                "home_appraisal_responses": 40,
                "home_appraisal_satisfied": 35,
                "mw_benefits_fen": rng.randint(0, 500000),
            }
            rows = [(0, code, "", value) for code, value in union_facts.items()]
            rows += [(0, code, "2026", value) for code, value in flows.items()]
            for branch in range(1, 11):  # branch rows: present in the table, not read for a county roll-up
                rows += [(union.pk * 100 + branch, "members", "", members // 10)]
                rows += [(union.pk * 100 + branch, "female_members", "", members // 25)]
                rows += [(union.pk * 100 + branch, "new_members", "2026", members // 120)]
            for branch_id, code, period, value in rows:
                if value:
                    buffer.write(
                        f"{union.pk}\t{union.node_path}\t{branch_id}\t{code}\t{period}\t{value}\tnow\n"
                    )
        buffer.seek(0)
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY rollup_livefact (union_id, node_path, branch_id, indicator, period, value, updated_at) FROM STDIN"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
    vacuum_analyze()
    print(
        f"  live county: {n_unions} unions, {LiveFact.objects.filter(node_path__startswith=county.path).count()} facts"
    )
    return county


def vacuum_analyze() -> None:
    """As autovacuum would after a bulk load: statistics, and the visibility map for index-only scans."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("rollup_livefact", "federations_union", "federations_federationnode"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def scale_members(county, factor: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE rollup_livefact SET value = value * %s WHERE node_path LIKE %s AND indicator IN "
            "('members', 'female_members', 'migrant_members', 'retained_members', 'member_records_ok', "
            "'new_members', 'agency_members', 'new_form_members')",
            [factor, county.path + "%"],
        )
        cursor.execute(
            "UPDATE federations_union SET staff_count = staff_count * %s WHERE node_path LIKE %s",
            [factor, county.path + "%"],
        )


def measure_live(county, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import RoleGrant, User
    from api.core.ids import FEDERATION_NODE, to_global_id
    from rollup.catalogue import CATALOGUE
    from rollup.selectors import rollup_tree

    figures = {}
    tree = rollup_tree(node=county, period="2026", indicators=DASHBOARD)
    figures["members_total"] = tree.values["members"]
    figures["units"] = sum(1 for _ in tree.walk())
    with CaptureQueriesContext(connection) as queries:
        rollup_tree(node=county, period="2026", indicators=DASHBOARD)
    figures["statements"] = len(queries)
    figures["rollup_tree_dashboard"] = summary(
        timed(lambda: rollup_tree(node=county, period="2026", indicators=DASHBOARD), repeat)
    )
    figures["rollup_tree_catalogue"] = summary(
        timed(
            lambda: rollup_tree(node=county, period="2026", indicators=list(CATALOGUE)), max(20, repeat // 5)
        )
    )
    # The SQL alone (PostgreSQL execution time from EXPLAIN ANALYZE, no Python).
    from rollup.catalogue import base_codes
    from rollup.selectors import _unions_sql

    sql, fact_codes = _unions_sql(base_codes(DASHBOARD))
    params = {"prefix": county.path + "%", "year": "2026", "codes": fact_codes}
    params.update({f"i{n}": code for n, code in enumerate(fact_codes)})
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        plan = plan if isinstance(plan, list) else json.loads(plan)
    figures["sql_execution_ms"] = round(plan[0]["Execution Time"], 2)
    # Phase split of rollup_tree: the statements (with their round trips) and the Python assembly.
    from rollup.selectors import _assemble, _live_rows, indicators_clean

    codes = indicators_clean(DASHBOARD)
    bases = base_codes(codes)
    nodes, unions = _live_rows(path=county.path, year="2026", bases=bases)
    figures["phase_statements"] = summary(
        timed(lambda: _live_rows(path=county.path, year="2026", bases=bases), repeat)
    )
    figures["phase_python_assembly"] = summary(
        timed(
            lambda: _assemble(root_id=county.pk, nodes=nodes, unions=unions, codes=codes, bases=bases), repeat
        )
    )
    figures["cpu_rollup_tree_dashboard"] = summary(
        timed_cpu(lambda: rollup_tree(node=county, period="2026", indicators=DASHBOARD), repeat)
    )
    figures["cpu_python_assembly"] = summary(
        timed_cpu(
            lambda: _assemble(root_id=county.pk, nodes=nodes, unions=unions, codes=codes, bases=bases), repeat
        )
    )
    sql_times = []
    with connection.cursor() as cursor:
        for _ in range(max(20, repeat // 5)):
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = plan if isinstance(plan, list) else json.loads(plan)
            sql_times.append(plan[0]["Execution Time"] / 1000)
    # The least disturbed run: on a loaded machine the median mostly measures waiting for a CPU.
    figures["sql_execution_ms_p50_min"] = summary(sql_times)["p50_ms"], round(min(sql_times) * 1000, 2)

    admin = User.objects.filter(username="bench_rollup_admin").first()
    if admin is None:
        admin = User.objects.create_user(username="bench_rollup_admin", password="x")
        RoleGrant.objects.create(user=admin, role="federation_admin", node=county)
    client = Client()
    client.force_login(admin)
    body = json.dumps(
        {"query": QUERY, "variables": {"n": to_global_id(FEDERATION_NODE, county.pk), "i": DASHBOARD}}
    )

    def request():
        response = client.post(
            "/graphql/", data=body, content_type="application/json", HTTP_HOST="unionhub.localhost"
        )
        data = response.json()
        assert "errors" not in data, data["errors"]
        return data

    figures["graphql_rollup_dashboard_http"] = summary(timed(request, max(20, repeat // 5)))
    return figures


def measure_freeze(county) -> dict:
    from django.db import transaction

    from rollup.models import SnapshotValue
    from rollup.periods import period_open, snapshot_freeze

    with transaction.atomic():
        period = period_open(node=county, label=f"2099-{random.randint(1, 12):02d}")
        started = time.perf_counter()
        snapshot = snapshot_freeze(period=period, version=1, reason="")
        seconds = time.perf_counter() - started
        rows = SnapshotValue.objects.filter(snapshot=snapshot).count()
        transaction.set_rollback(True)
    return {"seconds": round(seconds, 3), "values": rows}


def build_close_county(n_unions: int, per_union: int):
    from django_tenants.utils import schema_context

    from bench.members import fill_union
    from federations.models import FederationNode, Union
    from federations.services import node_create, union_provision
    from membership.models import Member
    from tests.factories import credit_code

    county = FederationNode.objects.filter(name="结账压测县总工会").first()
    if county is None:
        county = node_create(level="county", name="结账压测县总工会", division_code="330122")
    towns = list(FederationNode.objects.filter(parent=county).order_by("pk"))
    for i in range(len(towns), 5):
        towns.append(
            node_create(level="township", name=f"结账{i + 1}镇工会", division_code="330122", parent=county)
        )
    unions = list(Union.objects.filter(node_path__startswith=county.path).order_by("pk"))
    started = time.perf_counter()
    for i in range(len(unions), n_unions):
        unions.append(
            union_provision(
                parent_node=towns[i % 5],
                slug=f"close-{i:05d}",
                name=f"结账压测{i}号工会",
                credit_code=credit_code(7_000_000 + i),
                unit_type="enterprise",
                ownership_type="private",
                staff_count=per_union + 20,
                female_staff_count=per_union // 3,
            )
        )
        print(f"  provision {i + 1}/{n_unions}", end="\r", flush=True)
    provision_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for index, union in enumerate(unions[:n_unions]):
        with schema_context(union.schema_name):
            present = Member.objects.count()
        if present < per_union:
            fill_union(
                union, start=8_000_000 + index * 1000 + present, count=per_union - present, batch=per_union
            )
        if (index + 1) % 100 == 0:
            print(f"  members {index + 1}/{n_unions}", flush=True)
    print()
    return county, unions[:n_unions], provision_seconds, time.perf_counter() - started


class Workers:
    """`count` worker processes (one prefork Celery worker, -c count) on a private queue and Redis key prefix, so
    nothing else on the machine sees the bench's messages; the bench process sends to the same queue."""

    REDIS_DB = 12

    def __init__(self, count: int, database_url: str):
        import uuid

        token = uuid.uuid4().hex[:10]
        # The broker given in the environment (an engineer's own Redis database), else database REDIS_DB.
        self.broker = os.environ.get("CELERY_BROKER_URL") or f"redis://127.0.0.1:6379/{self.REDIS_DB}"
        self.count = count
        self.queue = f"uh-bench-rollup-{token}"
        self.prefix = f"uh-bench-rollup-{token}:"
        self.env = {
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": self.broker,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_REDIS_KEY_PREFIX": self.prefix,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_SKIP_CHECKS": "1",
            # As deployed (docker-compose.yml): workers keep their connection between tasks. With 0 every union's
            # task opens a new one (~10 ms: backend start and catalog cache warm-up).
            "DATABASE_CONN_MAX_AGE": os.environ.get("BENCH_WORKER_CONN_MAX_AGE", "60"),
        }
        self.process = None
        self.log_path = Path(f"/tmp/{self.queue}.log")

    def configure_this_process(self) -> None:
        """Before django.setup(): settings and jobs.celery_app read these."""
        os.environ.update(self.env)

    def start(self) -> None:
        import subprocess

        env = {
            **os.environ,
            **self.env,
            "PYTHONPATH": os.pathsep.join(
                str(ROOT / p) for p in ("platform", "tenants", "graphql", "workers", ".")
            ),
        }
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "jobs.celery_app", "worker", "-Q", self.queue,
                 "-n", f"{self.queue}@%h", "-c", str(self.count), "-P", "prefork", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while b"ready." not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker did not start:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)

    def pids(self) -> list[int]:
        import psutil

        if self.process is None:
            return []
        parent = psutil.Process(self.process.pid)
        return [parent.pid] + [child.pid for child in parent.children(recursive=True)]

    def stop(self) -> None:
        import signal

        import redis

        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except Exception:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        client = redis.Redis.from_url(self.broker)
        keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
        if keys:
            client.delete(*keys)


def cpu_seconds(pids) -> float:
    """User + system CPU of these processes (gone ones count 0)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def database_backend_pids() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [row[0] for row in cursor.fetchall()]


def measure_close(county, unions, workers: Workers | None) -> dict:
    from datetime import date

    from django.db.models import F, Max, Min
    from django.utils import timezone

    from federations.models import FederationNode
    from jobs.celery_app import app
    from jobs.reporting import report_files_generate_task
    from operations.models import FanoutProgress
    from reporting.models import ReportFile
    from rollup.models import LiveFact, RecountDifference, ReportingPeriod
    from rollup.periods import period_close, period_open

    # A drift to be found: one union's live member count is off by 3.
    LiveFact.objects.filter(union=unions[0], branch_id=0, indicator="members", period="").update(
        value=F("value") + 3
    )
    label = f"20{random.randint(30, 99)}-{random.randint(1, 12):02d}"
    while ReportingPeriod.objects.filter(owner_node=county, label=label).exists():
        label = f"20{random.randint(30, 99)}-{random.randint(1, 12):02d}"
    period = period_open(node=county, label=label)
    towns = list(FederationNode.objects.filter(parent=county).order_by("pk"))
    if workers is None:
        app.conf.task_always_eager = True
        app.conf.task_eager_propagates = True
    # CPU used by the close on this machine (bench process, worker processes, PostgreSQL backends of this
    # database): divided by the cores it is a load-independent floor for the quiet wall time of the fan-out.
    own = os.getpid()
    worker_pids = workers.pids() if workers else []
    cpu_before = {pid: cpu_seconds([pid]) for pid in [own, *worker_pids, *database_backend_pids()]}
    requested_at = timezone.now()
    started = time.perf_counter()
    period = period_close(period=period, today=date(2100, 1, 1))
    start_seconds = time.perf_counter() - started
    while period.status != "closed":
        time.sleep(0.05)
        period.refresh_from_db()
        if time.perf_counter() - started > 1800:
            raise SystemExit(f"period not closed after 30 minutes: {period.status}")
    closed_seconds = time.perf_counter() - started
    # Backends that came and went during the run are not counted (none with persistent worker connections).
    pids = set(cpu_before) | set(worker_pids) | set(database_backend_pids())
    cpu_used = {pid: cpu_seconds([pid]) - cpu_before.get(pid, 0.0) for pid in pids}
    cpu_workers = sum(cpu_used[pid] for pid in worker_pids)
    cpu_bench = cpu_used.get(own, 0.0)
    cpu_postgres = sum(used for pid, used in cpu_used.items() if pid not in worker_pids and pid != own)
    # The report files, where production makes them: one `report_files_generate_task` per node (the county and
    # each township) on the same workers, sent once the period is closed; done when every node has its two files.
    files_started = time.perf_counter()
    nodes = [county, *towns]
    for node in nodes:
        report_files_generate_task.apply_async(
            args=[node.pk, period.pk], queue=workers.queue if workers else None
        )
    while ReportFile.objects.filter(period=period, node__in=nodes).count() < 2 * len(nodes):
        time.sleep(0.05)
        if time.perf_counter() - files_started > 900:
            raise SystemExit("report files not generated after 15 minutes")
    files_seconds = time.perf_counter() - files_started
    seconds = time.perf_counter() - started
    county_files = list(ReportFile.objects.filter(period=period, node=county))

    progress = FanoutProgress.objects.filter(run=period.close_run)
    per_union = [row["ms"] / 1000 for row in progress.values_list("result", flat=True)]
    span = progress.aggregate(first=Min("claimed_at"), last=Max("finished_at"))
    run = period.close_run
    run.refresh_from_db()
    snapshot = period.snapshots.get()
    assert RecountDifference.objects.filter(period=period).count() >= 1, "the drift was not flagged"

    def since(moment) -> float:
        return round((moment - requested_at).total_seconds(), 2)

    return {
        "unions": len(unions),
        "workers": workers.count if workers else "eager (1, in process)",
        "report_files_in": "the worker processes (report_files_generate_task)"
        if workers
        else "this process (eager)",
        "closed_seconds": round(closed_seconds, 2),
        "report_files_nodes": len(nodes),
        "report_files_seconds": round(files_seconds, 2),
        "end_to_end_seconds": round(seconds, 2),
        "phases_seconds": {
            "period_close_call (fan-out start)": round(start_seconds, 2),
            "first union claimed": since(span["first"]),
            "last union done": since(span["last"]),
            "run finished (freeze starts)": since(run.finished_at),
            "period closed (freeze done)": since(period.closed_at),
            "freeze": round((period.closed_at - run.finished_at).total_seconds(), 2),
            "closed, seen by the bench": round(closed_seconds, 2),
            f"report files, county + {len(towns)} townships, in the workers": round(files_seconds, 2),
            "closed with report files": round(seconds, 2),
        },
        "cpu_seconds_until_closed": {
            "worker processes": round(cpu_workers, 2),
            "postgresql backends": round(cpu_postgres, 2),
            "bench process": round(cpu_bench, 2),
            "total": round(cpu_workers + cpu_postgres + cpu_bench, 2),
            "per union, ms": round((cpu_workers + cpu_postgres + cpu_bench) / len(unions) * 1000, 1),
        },
        "per_union_recount": summary(per_union),
        "fan_out_wall_ms_per_union": round(
            (span["last"] - span["first"]).total_seconds() / len(unions) * 1000, 1
        ),
        "differences_flagged": RecountDifference.objects.filter(period=period).count(),
        "snapshot_values": snapshot.values.count(),
        "file_sizes": {row.kind: row.size for row in county_files},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unions", type=int, default=1000)
    parser.add_argument("--per-union", type=int, default=300)
    parser.add_argument("--close-unions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the close; 0: eager")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--setup-only", action="store_true", help="build both counties, time nothing")
    parser.add_argument("--skip-live", action="store_true", help="time the period close only")
    parser.add_argument(
        "--output", help="the JSON (default bench/results/rollup.json, or $BENCH_RESULTS_DIR)"
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    workers = (
        Workers(args.workers, url) if args.workers and args.close_unions and not args.setup_only else None
    )
    # Report files go to a temporary local directory, not S3: set before Django starts here and in the workers
    # (they inherit this environment), so both write to the same place.
    os.environ["UNIONHUB_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="uh-rollup-bench-")
    os.environ.pop("UNIONHUB_S3_BUCKET", None)
    if workers is not None:
        workers.configure_this_process()
    from bench.provisioning import ensure_database

    ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from federations.schema_template import template_schema_ensure

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database {urlparse(url).path.lstrip('/')}: migrate")
    setup_started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    template_schema_ensure()

    results = {
        "unions": args.unions,
        "per_union": args.per_union,
    }
    county = build_live_county(args.unions, args.per_union)
    close_county = None
    if args.close_unions:
        close_county, unions, provision_s, fill_s = build_close_county(args.close_unions, args.per_union)
        results["close_setup"] = {
            "provision_seconds": round(provision_s, 1),
            "members_seconds": round(fill_s, 1),
        }
    vacuum_analyze()
    results["setup_seconds"] = round(time.perf_counter() - setup_started, 1)
    print(f"setup: {results['setup_seconds']} s")
    if args.setup_only:
        return

    if not args.skip_live:
        measure_live_all(county, args.repeat, results)

    if close_county is not None:
        try:
            if workers is not None:
                workers.start()
            results["close"] = measure_close(close_county, unions, workers)
        finally:
            if workers is not None:
                workers.stop()
        print("close:", json.dumps(results["close"], ensure_ascii=False, indent=2))

    path = write_result("rollup", results, args.output)
    print(f"load average (1 min): {json.loads(path.read_text())['load']}")
    print(f"wrote {path}")


def measure_live_all(county, repeat: int, results: dict) -> None:
    from django.db import connection

    results["live"] = measure_live(county, repeat)
    print("live:", json.dumps(results["live"], ensure_ascii=False))
    scale_members(county, 10)
    vacuum_analyze()
    try:
        results["live_x10_members"] = measure_live(county, repeat)
        print("live x10 members:", json.dumps(results["live_x10_members"], ensure_ascii=False))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE rollup_livefact SET value = value / 10 WHERE node_path LIKE %s AND indicator IN "
                "('members', 'female_members', 'migrant_members', 'retained_members', 'member_records_ok', "
                "'new_members', 'agency_members', 'new_form_members')",
                [county.path + "%"],
            )
            cursor.execute(
                "UPDATE federations_union SET staff_count = staff_count / 10 WHERE node_path LIKE %s",
                [county.path + "%"],
            )
    vacuum_analyze()
    results["freeze_live_county"] = measure_freeze(county)
    print("freeze:", results["freeze_live_county"])


if __name__ == "__main__":
    main()
