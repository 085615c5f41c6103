"""Benchmark: `members(first: 50)` latency with many members across many unions, and bulk member writes.

    .venv/bin/python bench/members.py --tenants 1000 --per-union 300 --import-rows 100000

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_members_bench; created if
missing). Tops up N unions (template clones, as bench/provisioning.py) and `per-union` members in each through
the importer's interface (membership.validation.member_row_validate + services.members_bulk_create), then
  * times `{ members(first: 50) { edges { node { name status branch { name } } } } }` over HTTP (Django test
    client, full middleware: host routing, session, access, GraphQL) as each union's admin on random union hosts;
  * validates and writes `import-rows` members into one fresh union in batches of 1,000 (rows -> members,
    history, person index, live facts), i.e. the membership part of a 100,000-row import.
Prints the figures and writes bench/results/members.json.

Connections: Django's test client does not close the database connection after a request, so the timed requests
share one connection, as a production worker does with persistent connections (DATABASE_CONN_MAX_AGE > 0, the
recommended setting). `--new-connection-per-request` closes it before every request instead (DATABASE_CONN_MAX_AGE=0
in production: each request then also pays the connection set-up and PostgreSQL's catalog cache warm-up, ~10 ms).
`--import-rows 0` skips the import part.
"""

from __future__ import annotations

import argparse
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/uh_members_bench"
QUERY = "{ members(first: 50) { edges { node { name status branch { name } } } } }"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


def bench_id(n: int) -> str:
    from people.identity import check_character

    seq, rest = n % 1000, n // 1000
    day, rest = 1 + rest % 28, rest // 28
    month, rest = 1 + rest % 12, rest // 12
    year = 1960 + rest % 40
    first17 = f"330122{year:04d}{month:02d}{day:02d}{seq:03d}"
    return first17 + check_character(first17)


def rows_for(start: int, count: int, branch_names: list[str]) -> list[dict]:
    rows = []
    for n in range(start, start + count):
        rows.append(
            {
                "name": SURNAMES[n % 20] + GIVEN[(n // 20) % 20],
                "id_number": bench_id(n),
                "employment_type": ("regular", "migrant", "agency", "new_form")[n % 4],
                "join_date": "2023-05-01",
                "phone": f"139{n % 100_000_000:08d}",
                "branch": branch_names[n % len(branch_names)] if branch_names else "",
            }
        )
    return rows


def fill_union(union, *, start: int, count: int, batch: int = 1000) -> float:
    """Write `count` members into `union` through the importer interface; returns seconds."""
    from django_tenants.utils import schema_context

    from membership.services import members_bulk_create
    from membership.validation import member_row_context, member_row_validate
    from organisation.models import Branch
    from organisation.services import branch_create

    started = time.perf_counter()
    with schema_context(union.schema_name):
        if not Branch.objects.exists():
            for name in ("一车间分会", "二车间分会", "机关分会"):
                branch_create(name=name)
        names = list(Branch.objects.values_list("name", flat=True))
        # As the importer does: one context per file, then validate and write batch by batch.
        rows = rows_for(start, count, names)
        context = member_row_context(union=union, id_numbers=[r["id_number"] for r in rows])
        for offset in range(0, count, batch):
            clean = []
            for row in rows[offset : offset + batch]:
                values, errors = member_row_validate(row, union=union, context=context)
                if errors:
                    raise SystemExit(f"unexpected row errors: {errors}")
                clean.append(values)
            members_bulk_create(union=union, rows=clean)
    return time.perf_counter() - started


def summary(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(values[int(len(values) * 0.95) - 1] * 1000, 2),
        "max_ms": round(values[-1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--per-union", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument(
        "--new-connection-per-request",
        action="store_true",
        help="close the database connection before every timed request (as with DATABASE_CONN_MAX_AGE=0)",
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "members.json"))
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from bench.provisioning import ensure_database, top_up

    ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_tenants.utils import schema_context

    from accounts.models import RoleGrant, User
    from federations.models import FederationNode, Union
    from federations.services import node_create, union_host
    from membership.models import Member

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database {urlparse(url).path.lstrip('/')}: migrate")
    call_command("migrate", interactive=False, verbosity=0)
    county = FederationNode.objects.filter(name="压测县总工会").first() or node_create(
        level="county", name="压测县总工会", division_code="330122"
    )
    top_up(args.tenants, county)
    unions = list(Union.objects.filter(slug__startswith="bench-").order_by("slug")[: args.tenants])

    fill_started, filled = time.perf_counter(), 0
    for index, union in enumerate(unions):
        with schema_context(union.schema_name):
            present = Member.objects.count()
        if present < args.per_union:
            fill_union(
                union, start=index * 1000 + present, count=args.per_union - present, batch=args.per_union
            )
            filled += args.per_union - present
        print(f"  members: union {index + 1}/{len(unions)}", end="\r", flush=True)
    print()
    fill_seconds = time.perf_counter() - fill_started
    from rollup.models import LiveFact

    total_members = sum(
        LiveFact.objects.filter(branch_id=0, indicator="members", period="").values_list("value", flat=True)
    )

    admin = User.objects.filter(username="bench_member_admin").first()
    if admin is None:
        admin = User.objects.create_user(username="bench_member_admin", password="x")
        RoleGrant.objects.create(user=admin, role="federation_admin", node=county)
    client = Client()
    client.force_login(admin)
    rng = random.Random(7)
    latencies = []
    for i in range(args.requests + 20):
        union = rng.choice(unions)
        if args.new_connection_per_request:
            connection.close()
        t0 = time.perf_counter()
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": QUERY}),
            content_type="application/json",
            HTTP_HOST=union_host(union.slug),
        )
        elapsed = time.perf_counter() - t0
        edges = response.json()["data"]["members"]["edges"]
        assert len(edges) == min(50, args.per_union), response.content[:300]
        if i >= 20:  # warm-up: first hits of the host cache and connection
            latencies.append(elapsed)
    query_figures = summary(latencies)
    print(f"members(first: 50): {query_figures} with {total_members} members in {len(unions)} unions")

    import_figures = None
    if args.import_rows:
        from bench.provisioning import bench_credit_code
        from federations.services import union_provision

        run = int(time.time()) % 100
        target = union_provision(
            parent_node=county,
            slug=f"import-{int(time.time())}",
            name=f"导入{int(time.time())}号工会",
            credit_code=bench_credit_code(8_000_000 + int(time.time()) % 1_000_000),
            unit_type="enterprise",
            ownership_type="private",
        )
        # Identity numbers far from the ones already used by the bench unions (see bench_id).
        seconds = fill_union(target, start=2_000_000 + run * 100_000, count=args.import_rows)
        import_figures = {
            "rows": args.import_rows,
            "seconds": round(seconds, 1),
            "rows_per_second": round(args.import_rows / seconds),
        }
        print(f"import: {import_figures}")

    result = {
        "unions": len(unions),
        "members_total_active": total_members,
        "fill_seconds": round(fill_seconds, 1),
        "members_written_this_run": filled,
        "members_first_50": query_figures,
        "connection": "new per request" if args.new_connection_per_request else "persistent",
        "import_validate_and_write": import_figures,
    }
    Path(args.output).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
