"""Benchmark: the live roll-up of a county of 1,000 unions, and a period close end to end.

    .venv/bin/python bench/rollup.py --unions 1000 --close-unions 200 --per-union 300

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_rollup_bench; created if
missing).

Live query: a county "汇总压测县" with 20 townships and `--unions` union rows (no schemas: the roll-up never enters
them) whose live facts are written directly with COPY, as the domains maintain them: union rows (branch 0) for
the member, assessment and model-worker indicators plus 10 branch rows per union; the member figures add up to
`--per-union` members per union (300,000 for 1,000 unions). Timed in-process (`rollup.selectors.rollup_tree`,
server time without HTTP) for a dashboard set of indicators and for the whole catalogue, then through GraphQL
`rollup(node, period, indicators)` over the Django test client (full middleware). The same query is timed again
after multiplying every member figure by 10 (3,000,000 members): the query reads facts, never members, so the
time must not move. The freeze (snapshot of every node and union) is timed on this county too.

Period close: a second county "结账压测县" with `--close-unions` provisioned unions (template clones) holding
`--per-union` members each (importer fast path, as bench/members.py), then `period_close` with tasks run eagerly
in this process (one worker): fan-out, per-union recount from each schema and comparison, freeze. Reports the
end-to-end time and the per-union recount time (from the fan-out progress rows), and extrapolates to 1,000 unions.
Prints the figures and writes bench/results/rollup.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
for source_root in ("platform", "tenants", "graphql", "workers"):
    sys.path.insert(0, str(ROOT / source_root))
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/uh_rollup_bench"
DASHBOARD = [
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE rollup_livefact")
        cursor.execute("ANALYZE federations_union")
        cursor.execute("ANALYZE federations_federationnode")
    print(
        f"  live county: {n_unions} unions, {LiveFact.objects.filter(node_path__startswith=county.path).count()} facts"
    )
    return county


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
    from rollup.services import period_open, snapshot_freeze

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
        print(f"  members {index + 1}/{n_unions}      ", end="\r", flush=True)
    print()
    return county, unions[:n_unions], provision_seconds, time.perf_counter() - started


def measure_close(county, unions) -> dict:
    from datetime import date

    from django.db.models import F

    from jobs.celery_app import app
    from operations.models import FanoutProgress
    from rollup.models import LiveFact, RecountDifference, ReportingPeriod
    from rollup.services import period_close, period_open

    # A drift to be found: one union's live member count is off by 3.
    LiveFact.objects.filter(union=unions[0], branch_id=0, indicator="members", period="").update(
        value=F("value") + 3
    )
    label = f"20{random.randint(30, 99)}-{random.randint(1, 12):02d}"
    while ReportingPeriod.objects.filter(owner_node=county, label=label).exists():
        label = f"20{random.randint(30, 99)}-{random.randint(1, 12):02d}"
    period = period_open(node=county, label=label)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    started = time.perf_counter()
    period = period_close(period=period, today=date(2100, 1, 1))
    seconds = time.perf_counter() - started
    period.refresh_from_db()
    assert period.status == "closed", period.status
    per_union = [
        row["ms"] / 1000
        for row in FanoutProgress.objects.filter(run=period.close_run).values_list("result", flat=True)
    ]
    differences = RecountDifference.objects.filter(period=period).count()
    snapshot = period.snapshots.get()
    return {
        "unions": len(unions),
        "end_to_end_seconds": round(seconds, 2),
        "per_union_recount": summary(per_union),
        "per_union_overall_ms": round(seconds / len(unions) * 1000, 1),
        "differences_flagged": differences,
        "snapshot_values": snapshot.values.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--unions", type=int, default=1000)
    parser.add_argument("--per-union", type=int, default=300)
    parser.add_argument("--close-unions", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "rollup.json"))
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from bench.provisioning import ensure_database

    ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from federations.schema_template import template_schema_ensure

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database {urlparse(url).path.lstrip('/')}: migrate")
    call_command("migrate", interactive=False, verbosity=0)
    template_schema_ensure()

    results = {"machine": {"cpus": os.cpu_count()}, "unions": args.unions, "per_union": args.per_union}
    county = build_live_county(args.unions, args.per_union)
    results["live"] = measure_live(county, args.repeat)
    print("live:", json.dumps(results["live"], ensure_ascii=False))
    scale_members(county, 10)
    try:
        results["live_x10_members"] = measure_live(county, args.repeat)
        print("live x10 members:", json.dumps(results["live_x10_members"], ensure_ascii=False))
    finally:
        from django.db import connection

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
    results["freeze_live_county"] = measure_freeze(county)
    print("freeze:", results["freeze_live_county"])

    if args.close_unions:
        close_county, unions, provision_s, fill_s = build_close_county(args.close_unions, args.per_union)
        results["close_setup"] = {
            "provision_seconds": round(provision_s, 1),
            "members_seconds": round(fill_s, 1),
        }
        results["close"] = measure_close(close_county, unions)
        close = results["close"]
        per_union_s = close["end_to_end_seconds"] / close["unions"]
        results["close_extrapolated_1000"] = {
            "one_worker_seconds": round(per_union_s * 1000, 1),
            "two_workers_seconds": round(per_union_s * 1000 / 2, 1),
            "note": "linear in unions: each union's recount reads only its own schema; the freeze is measured "
            "separately on the 1,000-union county",
        }
        print("close:", json.dumps(results["close"], ensure_ascii=False))
        print("extrapolated:", results["close_extrapolated_1000"])

    Path(args.output).write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
