"""Benchmark: seconds per new union, template clone vs django-tenants' migrate-based creation.

    .venv/bin/python bench/provisioning.py --tenants 1000

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/uh_bench; created if
missing). Tops the database up to N tenants in all (unions of other benchmarks, e.g. the scale county of
bench/scale.py, count) through the fast path, then in the same run times
  * our path: union_provision (validate + rows + schema from the template), and the schema step alone,
  * django-tenants' path: Union.create_schema() (CREATE SCHEMA + migrate_schemas for that schema),
  * `migrate` with nothing to apply while N tenants exist, and migrate_schemas on a few single tenants
    (what the default django-tenants migrate would pay per tenant).
The timed unions are removed afterwards, so repeated runs measure with the same N present.
Prints a table and writes bench/results/provisioning.json (bench.common.write_result).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bootstrap, summary, write_result  # noqa: E402
from bench.common import database_ensure as ensure_database  # noqa: E402, F401 - other bench scripts import it

DEFAULT_DB = "uh_bench"


def bench_credit_code(n: int) -> str:
    from federations.validators import credit_code_check_character

    first17 = f"91330122BE{n:07d}"
    return first17 + credit_code_check_character(first17)


def top_up(n_target: int, county) -> tuple[int, float]:
    """Create tenants bench-0000001.. up to n_target with the fast path in batches; returns (created, s)."""
    from django.db import transaction

    from federations.models import Domain, Union, UnionStatus
    from federations.schema_template import schema_create_from_template
    from federations.services import schema_name_for_slug, union_host

    existing = Union.objects.filter(slug__startswith="bench-").count()
    started = time.perf_counter()
    created = 0
    batch = 50
    for start in range(existing + 1, n_target + 1, batch):
        numbers = range(start, min(start + batch, n_target + 1))
        with transaction.atomic():
            unions = Union.objects.bulk_create(
                [
                    Union(
                        slug=f"bench-{i:07d}",
                        schema_name=schema_name_for_slug(f"bench-{i:07d}"),
                        name=f"压测{i}号工会",
                        credit_code=bench_credit_code(i),
                        unit_type="enterprise",
                        ownership_type="private",
                        parent_node=county,
                        node_path=county.path,
                        status=UnionStatus.ACTIVE,
                    )
                    for i in numbers
                ]
            )
            Domain.objects.bulk_create(
                [Domain(domain=union_host(u.slug), tenant=u, is_primary=True) for u in unions]
            )
            for union in unions:
                schema_create_from_template(union.schema_name)
        created += len(numbers)
        print(f"  tenants: {existing + created}/{n_target}", end="\r", flush=True)
    if created:
        print()
    return created, time.perf_counter() - started


def measure_ours(count: int, county, run_id: str) -> tuple[list[float], list[float], list]:
    from django.db import transaction

    from federations.services import union_register, union_schema_create

    full, schema_only, unions = [], [], []
    for i in range(count):
        kwargs = dict(
            slug=f"ours-{run_id}-{i}",
            name=f"计时{i}号工会",
            credit_code=bench_credit_code(9_000_000 + i),
            unit_type="enterprise",
            ownership_type="private",
            parent_node=county,
        )
        t0 = time.perf_counter()
        with transaction.atomic():  # what union_provision does, with the schema step timed on its own
            union = union_register(**kwargs)
            t1 = time.perf_counter()
            union_schema_create(union=union)
        t2 = time.perf_counter()
        full.append(t2 - t0)
        schema_only.append(t2 - t1)
        unions.append(union)
    return full, schema_only, unions


def measure_django_tenants(count: int, county, run_id: str) -> tuple[list[float], list]:
    from federations.services import union_register

    seconds, unions = [], []
    for i in range(count):
        union = union_register(
            slug=f"dt-{run_id}-{i}",
            name=f"对照{i}号工会",
            credit_code=bench_credit_code(9_500_000 + i),
            unit_type="enterprise",
            ownership_type="private",
            parent_node=county,
        )
        t0 = time.perf_counter()
        union.create_schema(check_if_exists=True, sync_schema=True, verbosity=0)
        seconds.append(time.perf_counter() - t0)
        unions.append(union)
    return seconds, unions


def measure_migrate_noop(existing_schemas: list[str]) -> tuple[float, list[float]]:
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    ours = time.perf_counter() - t0
    per_tenant = []
    for schema in existing_schemas:
        t0 = time.perf_counter()
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
        per_tenant.append(time.perf_counter() - t0)
    return ours, per_tenant


def drop_unions(unions) -> None:
    from django.db import connection, transaction

    from federations.models import Domain, Union
    from federations.schema_template import STATE_TABLE, quote_ident

    with transaction.atomic(), connection.cursor() as cursor:
        for union in unions:
            cursor.execute(f"DROP SCHEMA IF EXISTS {quote_ident(union.schema_name)} CASCADE")
        cursor.execute(
            f"DELETE FROM {STATE_TABLE} WHERE schema_name = ANY(%s)", [[u.schema_name for u in unions]]
        )
        Domain.objects.filter(tenant__in=unions).delete()
        Union.objects.filter(pk__in=[u.pk for u in unions]).delete()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tenants", type=int, default=1000, help="tenants present while measuring")
    parser.add_argument("--ours", type=int, default=20, help="unions provisioned through our path")
    parser.add_argument("--django-tenants", type=int, default=3, dest="dt", help="through create_schema()")
    args = parser.parse_args()

    url = bootstrap(DEFAULT_DB)
    from django.db import connection

    from federations.models import FederationNode, Union
    from federations.schema_template import code_fingerprint, template_script
    from federations.services import node_create

    print(f"database {urlparse(url).path.lstrip('/')}")
    county = FederationNode.objects.filter(name="压测县总工会").first() or node_create(
        level="county", name="压测县总工会", division_code="330122"
    )
    # Unions of other benchmarks (the scale county) count towards N; only the shortfall is added.
    others = Union.objects.exclude(slug__startswith="bench-").count()
    bench_present = Union.objects.filter(slug__startswith="bench-").count()
    created, setup_s = top_up(max(bench_present, args.tenants - others), county)
    present = Union.objects.count()
    print(f"tenants present: {present} (created now: {created} in {setup_s:.1f} s)")

    t0 = time.perf_counter()
    template_script()  # first use in a process: template check + script load/build
    warmup_s = time.perf_counter() - t0

    run_id = f"{int(time.time()) % 100000:05d}"
    ours_full, ours_schema, our_unions = measure_ours(args.ours, county, run_id)
    dt, dt_unions = measure_django_tenants(args.dt, county, run_id)
    sample = list(Union.objects.order_by("pk").values_list("schema_name", flat=True)[:3])
    migrate_noop_s, migrate_schemas_per_tenant = measure_migrate_noop(sample)
    drop_unions(our_unions + dt_unions)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'u\\_%'")
        schemas = cursor.fetchone()[0]
    result = {
        "tenants_present": present,
        "tenant_schemas_present": schemas,
        "fingerprint": code_fingerprint(),
        "setup": {"created": created, "seconds": round(setup_s, 2)},
        "first_use_in_process_s": round(warmup_s, 4),
        "ours_union_provision": summary(ours_full),
        "ours_schema_step": summary(ours_schema),
        "django_tenants_create_schema": summary(dt),
        "speedup_schema_step_mean": round(statistics.fmean(dt) / statistics.fmean(ours_schema), 1),
        "speedup_full_provision_mean": round(statistics.fmean(dt) / statistics.fmean(ours_full), 1),
        "migrate_nothing_to_apply_s": round(migrate_noop_s, 3),
        "migrate_schemas_one_tenant": summary(migrate_schemas_per_tenant),
        "django_tenants_walk_estimate_s": round(present * statistics.fmean(migrate_schemas_per_tenant), 1),
    }
    rows = [
        ("ours: union_provision (rows + schema)", result["ours_union_provision"]),
        ("ours: schema from template only", result["ours_schema_step"]),
        ("django-tenants: create_schema (migrate)", result["django_tenants_create_schema"]),
        ("django-tenants: migrate_schemas, 1 tenant", result["migrate_schemas_one_tenant"]),
    ]
    print(f"\nwith {present} tenants present")
    print(f"{'path':44} {'n':>3} {'mean ms':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for label, s in rows:
        print(f"{label:44} {s['n']:>3} {s['mean_ms']:>8.1f} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f}")
    print(f"speed-up (schema step, mean): {result['speedup_schema_step_mean']}x")
    print(f"speed-up (full provision vs create_schema, mean): {result['speedup_full_provision_mean']}x")
    print(f"`migrate` with nothing to apply: {result['migrate_nothing_to_apply_s']} s")
    print(f"django-tenants walk over every tenant (estimate): {result['django_tenants_walk_estimate_s']} s")
    print(f"written {write_result('provisioning', result)}")


if __name__ == "__main__":
    main()
