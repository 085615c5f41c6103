"""Benchmark: member list and member search latency in-process (Django test client, full middleware) with their
query counts, many unions present.

    .venv/bin/python bench/members.py --tenants 1000 --per-union 300 [--import-rows 100000]

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_members_bench; created if
missing) and the scale county there (bench/scale.py: `--tenants` unions with `--per-union` members each, built
when missing, reused in a second). Then, as the county's federation admin over the Django test client (full
middleware: host routing, session, access, GraphQL) on random union hosts, it times
  * the list: `{ members(first: 50) { edges { node { name status branch { name } } } } }`;
  * search (`members(search: ...)`) by surname, name prefix, phone, full identity number and its last four characters,
    each for a random member of the union;
and counts the SQL queries of one request of each kind (they must not grow with the union or the result).
`--import-rows N` also validates and writes N members into one fresh union in batches of 1,000 (rows -> members,
history, person index, live facts), the membership part of an import. Writes bench/results/members.json.

Connections: Django's test client does not close the database connection after a request, so the timed requests
share one connection, as a production worker does with persistent connections (DATABASE_CONN_MAX_AGE > 0, the
recommended setting). `--new-connection-per-request` closes it before every request instead (DATABASE_CONN_MAX_AGE=0
in production: each request then also pays the connection set-up and PostgreSQL's catalog cache warm-up, ~10 ms).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bootstrap, summary, write_result  # noqa: E402

DEFAULT_DB = "uh_members_bench"
LIST_QUERY = "{ members(first: 50) { edges { node { name status branch { name } } } } }"
SEARCH_QUERY = """query($search: String) { members(first: 50, search: $search) {
  edges { node { name status branch { name } } } } }"""
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"
WARMUP = 20


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

    from membership.bulk import members_bulk_create
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


def search_terms(county, union_index: int, rng: random.Random) -> dict[str, str]:
    """Search texts for a random member of union `union_index` of the scale county (as bench.scale writes them)."""
    from bench.scale import _member_stride, identity_number

    n = union_index * _member_stride(county.members_per_union) + rng.randrange(county.members_per_union)
    number = identity_number(county.county_id, n)
    return {
        "surname": SURNAMES[n % 20],  # a one-character prefix: many matches, the first page of 50
        "name_prefix": SURNAMES[n % 20] + GIVEN[(n // 20) % 20],
        "phone": f"139{n % 100_000_000:08d}",
        "identity_number": number,
        "identity_last4": number[-4:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--per-union", type=int, default=300)
    parser.add_argument("--requests", type=int, default=300, help="timed requests of each kind")
    parser.add_argument("--import-rows", type=int, default=0)
    parser.add_argument(
        "--new-connection-per-request",
        action="store_true",
        help="close the database connection before every timed request (as with DATABASE_CONN_MAX_AGE=0)",
    )
    args = parser.parse_args()

    url = bootstrap(DEFAULT_DB)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from bench.scale import build_county
    from rollup.models import LiveFact

    settings.ALLOWED_HOSTS = ["*"]
    print(f"database {urlparse(url).path.lstrip('/')}: scale county")
    county = build_county(args.tenants, args.per_union)
    total_members = sum(
        LiveFact.objects.filter(
            union_id__in=county.union_ids, branch_id=0, indicator="members", period=""
        ).values_list("value", flat=True)
    )
    client = Client()
    client.force_login(User.objects.get(username=county.county_admin))
    rng = random.Random(7)

    def request(host: str, query: str, variables: dict | None = None) -> list:
        response = client.post(
            "/graphql/",
            data=json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            HTTP_HOST=host,
        )
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), response.content[:300]
        return body["data"]["members"]["edges"]

    def timed(kind: str | None) -> tuple[list[float], int, float]:
        """(seconds per request, queries of one request, mean hits) for the list (kind None) or a search."""
        latencies, hits = [], []
        queries = None
        for i in range(args.requests + WARMUP):
            index = rng.randrange(county.unions)
            host = county.union_hosts[index]
            variables = None if kind is None else {"search": search_terms(county, index, rng)[kind]}
            query = LIST_QUERY if kind is None else SEARCH_QUERY
            if args.new_connection_per_request:
                connection.close()
            if queries is None and i == WARMUP - 1:
                # Counted on a host seen before: the first request to a host in a process also looks the
                # union up (two more queries), later ones hit the host cache, as most timed requests do.
                request(host, query, variables)
                with CaptureQueriesContext(connection) as captured:
                    request(host, query, variables)
                queries = len(captured)
                continue
            t0 = time.perf_counter()
            edges = request(host, query, variables)
            elapsed = time.perf_counter() - t0
            if kind is None:
                assert len(edges) == min(50, args.per_union), len(edges)
            elif kind == "identity_number":
                assert len(edges) == 1, f"search by identity number found {len(edges)} members"
            if i >= WARMUP:  # warm-up: first hits of the host cache and connection
                latencies.append(elapsed)
                hits.append(len(edges))
        return latencies, queries, sum(hits) / len(hits)

    list_seconds, list_queries, _ = timed(None)
    result = {
        "unions": county.unions,
        "members_per_union": county.members_per_union,
        "members_total_active": total_members,
        "connection": "new per request" if args.new_connection_per_request else "persistent",
        "members_first_50": summary(list_seconds),
        "members_first_50_queries": list_queries,
        "search": {},
    }
    print(f"members(first: 50): {result['members_first_50']}, {list_queries} queries")
    for kind in ("surname", "name_prefix", "phone", "identity_number", "identity_last4"):
        seconds, queries, hits = timed(kind)
        result["search"][kind] = {**summary(seconds), "queries": queries, "mean_hits": round(hits, 1)}
        print(f"search by {kind}: {result['search'][kind]}")

    if args.import_rows:
        from bench.provisioning import bench_credit_code
        from federations.models import FederationNode
        from federations.services import union_provision

        run = int(time.time()) % 100
        target = union_provision(
            parent_node=FederationNode.objects.get(pk=county.county_id),
            slug=f"import-{int(time.time())}",
            name=f"导入{int(time.time())}号工会",
            credit_code=bench_credit_code(8_000_000 + int(time.time()) % 1_000_000),
            unit_type="enterprise",
            ownership_type="private",
        )
        # Identity numbers far from the scale county's (see bench_id).
        seconds = fill_union(target, start=2_000_000 + run * 100_000, count=args.import_rows)
        result["import_validate_and_write"] = {
            "rows": args.import_rows,
            "seconds": round(seconds, 1),
            "rows_per_second": round(args.import_rows / seconds),
        }
        print(f"import: {result['import_validate_and_write']}")
    print(f"written {write_result('members', result)}")


if __name__ == "__main__":
    main()
