"""Benchmark: the federation dashboard (web UI, GET /) over 1,000 unions.

    .venv/bin/python bench/web.py --unions 1000 --requests 50

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_web_bench; created if missing).
The dashboard reads public tables only (unions, live facts, drives), so the unions are written as public rows
without schemas: a county with 10 townships, `--unions` unions spread over them, their member and new-member facts
and three running drives with a target for every union. Then it times GET / as the county's federation admin over
the full middleware stack (Django test client: host routing, session, access, template), and the drill-down to one
township, and counts the SQL queries of one request. Prints the figures and writes bench/results/web.json (milliseconds).
The goal (issue 8): the dashboard renders in under 1 s with 1,000 unions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bootstrap, summary, write_result  # noqa: E402

DEFAULT_DB = "uh_web_bench"
TOWNSHIPS = 10


def build(unions: int):
    """The county, townships, unions, facts and drives (idempotent: tops up to `unions`)."""
    from django.utils import timezone

    from bench.provisioning import bench_credit_code
    from drives.models import Drive, DriveProgress, DriveTarget
    from federations.models import FederationNode, Union
    from federations.services import node_create
    from rollup import indicators as ind
    from rollup.models import LiveFact

    county = FederationNode.objects.filter(name="压测县总工会").first() or node_create(
        level="county", name="压测县总工会", division_code="330122"
    )
    towns = list(FederationNode.objects.filter(parent=county).order_by("path"))
    for n in range(len(towns), TOWNSHIPS):
        towns.append(
            node_create(level="township", name=f"压测{n + 1}镇工会", division_code="330122", parent=county)
        )
    present = Union.objects.filter(slug__startswith="webbench-").count()
    new = []
    for n in range(present, unions):
        town = towns[n % TOWNSHIPS]
        new.append(
            Union(
                slug=f"webbench-{n:05d}",
                schema_name=f"u_webbench_{n:05d}",
                name=f"压测{n:05d}号企业工会",
                credit_code=bench_credit_code(n + 500000),
                unit_type="enterprise",
                ownership_type="private",
                union_kind="single",
                staff_count=100 + n % 400,
                female_staff_count=40,
                status="active",
                parent_node=town,
                node_path=town.path,
            )
        )
    Union.objects.bulk_create(new, batch_size=1000)
    created = list(Union.objects.filter(slug__in=[u.slug for u in new]))
    years = [ind.reporting_year(timezone.localdate() - timedelta(days=365 * k)) for k in range(5)]
    facts = []
    for union in created:
        facts.append(
            LiveFact(
                union=union, node_path=union.node_path, indicator=ind.MEMBERS, value=union.staff_count // 2
            )
        )
        for k, year in enumerate(years):
            facts.append(
                LiveFact(
                    union=union,
                    node_path=union.node_path,
                    indicator=ind.NEW_MEMBERS,
                    period=year,
                    value=5 + k,
                )
            )
    LiveFact.objects.bulk_create(facts, batch_size=5000)

    today = timezone.localdate()
    drives = list(Drive.objects.filter(owner_node=county, name__startswith="压测行动"))
    for n in range(len(drives), 3):
        drives.append(
            Drive.objects.create(
                owner_node=county,
                name=f"压测行动{n + 1}",
                starts_on=today - timedelta(days=10),
                ends_on=today + timedelta(days=60),
            )
        )
    for drive in drives:
        DriveTarget.objects.bulk_create(
            [
                DriveTarget(drive=drive, union=u, node_path=u.node_path, new_members_target=20)
                for u in created
            ],
            batch_size=2000,
        )
        DriveProgress.objects.bulk_create(
            [DriveProgress(drive=drive, union=u, node_path=u.node_path, new_members=7) for u in created],
            batch_size=2000,
        )
    return county, towns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unions", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    url = bootstrap(DEFAULT_DB)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import RoleGrant, User

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database {url.rsplit('/', 1)[-1]}")
    county, towns = build(args.unions)
    with connection.cursor() as cursor:  # fresh statistics after the bulk writes, as autovacuum would give
        cursor.execute("ANALYZE")

    admin = User.objects.filter(username="bench_web_admin").first()
    if admin is None:
        admin = User.objects.create_user(username="bench_web_admin", password="x")
        RoleGrant.objects.create(user=admin, role="federation_admin", node=county)
    client = Client()
    client.force_login(admin)
    host = settings.UNIONHUB_BASE_DOMAIN

    def timed(path: str, params: dict) -> list[float]:
        latencies = []
        for i in range(args.requests + 5):
            t0 = time.perf_counter()
            response = client.get(path, params, HTTP_HOST=host)
            elapsed = time.perf_counter() - t0
            assert response.status_code == 200, response.status_code
            if i >= 5:  # warm-up
                latencies.append(elapsed)
        return latencies

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/", HTTP_HOST=host)
    assert f"{args.unions}</span>" in page.content.decode(), "dashboard does not show every union"
    results = {
        "unions": args.unions,
        "townships": TOWNSHIPS,
        "running_drives": 3,
        "queries_per_request": len(queries),
        "dashboard_county": summary(timed("/", {})),
        "dashboard_township": summary(timed("/", {"node": towns[0].pk})),
        "export_csv_county": summary(timed("/", {"export": "members"})),
    }
    print(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written {write_result('web', results)}")


if __name__ == "__main__":
    main()
