"""Benchmark: `migrate` over every tenant with nothing to apply, and one AddField + index tenant migration
applied both ways in the same run: django-tenants' per-schema path and replay (federations/migration_replay.py).

    .venv/bin/python bench/migrate_tenants.py [--tenants 200] [--app organisation] [--executor standard|multiprocessing]

Works on a throwaway copy of the bench database (DATABASE_URL, default uh_scale): `CREATE DATABASE <db>_migrate
TEMPLATE <db>`, dropped again at the end, so the bench database keeps its migration state. (PostgreSQL copies a
database only while nobody is connected to it; the suite runs its steps one after the other.) With --tenants N
the bench database is first topped up to N tenants (bench/provisioning.py's fast path).

The migrations never touch the repository: MIGRATION_MODULES points the tenant app at a temporary package
holding a copy of the app's migrations plus the benchmark's (a nullable column and an index on it, the
commonest real change). On the copy it times
  * `migrate` with nothing to apply: one fingerprint query, no tenant schema entered;
  * migration A with `migrate --per-schema`: the template schema, then every tenant schema through
    django-tenants' executor (every schema is stale);
  * migration B, the same shape on another column, with `migrate`: the template schema (its SQL captured),
    then the SQL replayed in every tenant schema, BATCH_SIZE schemas per transaction;
  * `migrate` right after, nothing to apply again, and checks that no tenant is left stale.
Writes bench/results/migrate.json (BENCH_RESULTS_DIR replaces bench/results).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import bootstrap, summary, write_result  # noqa: E402

DEFAULT_DB = "uh_scale"
COPY_SUFFIX = "_migrate"
TRIVIAL_MIGRATION = '''from django.db import migrations, models


class Migration(migrations.Migration):
    """Benchmark only (bench/migrate_tenants.py): one nullable column and an index on every tenant schema."""

    dependencies = {dependencies!r}

    operations = [
        migrations.AddField(
            model_name={model!r}, name={column!r}, field=models.TextField(blank=True, null=True)
        ),
        migrations.AddIndex(
            model_name={model!r}, index=models.Index(fields=[{column!r}], name={index!r})
        ),
    ]
'''


def database_copy(source_url: str, suffix: str, wait_s: float = 60.0) -> tuple[str, float]:
    """Create <source><suffix> as a file copy of the source database; returns (url, seconds)."""
    import psycopg

    parsed = urlparse(source_url)
    source = parsed.path.lstrip("/")
    target = source + suffix
    admin = parsed._replace(path="/postgres").geturl()
    started = time.perf_counter()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
        deadline = time.monotonic() + wait_s
        while True:
            try:
                conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                break
            except psycopg.errors.ObjectInUse:
                # A session on the source (autovacuum, a step that just ended) blocks the copy for a moment.
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
    return parsed._replace(path=f"/{target}").geturl(), time.perf_counter() - started


def database_drop(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    assert name.endswith(COPY_SUFFIX), name  # only ever the throwaway copy
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_leaves(app_label: str) -> list[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return [
        tuple(leaf) for leaf in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app_label)
    ]


def trivial_migration_package(
    app_label: str, model: str, folder: Path, columns: list[str], leaves: list[tuple[str, str]]
) -> str:
    """A package in `folder` with the app's migrations (whose leaves are `leaves`) and one more per column,
    each depending on the one before; returns its module name."""
    from django.apps import apps

    source = Path(apps.get_app_config(app_label).path) / "migrations"
    package = f"bench_migrations_{uuid.uuid4().hex[:8]}"
    target = folder / package
    target.mkdir()
    for path in source.glob("*.py"):
        shutil.copy(path, target / path.name)
    dependencies = list(leaves)
    for n, column in enumerate(columns, 1):
        name = f"999{n}_bench_{column}"
        (target / f"{name}.py").write_text(
            TRIVIAL_MIGRATION.format(
                dependencies=dependencies, model=model, column=column, index=f"{model}_{column}_idx"[:30]
            )
        )
        dependencies = [(app_label, name)]
    return package


def timed_migrate(**options) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0, **options)
    return time.perf_counter() - started


def top_up_tenants(n: int) -> None:
    """Bring the bench database to n tenants with schemas. Django stays out of this process (the copy that
    follows needs no session on the source and a DATABASE_URL of its own), so a child process does it."""
    import subprocess

    subprocess.run([sys.executable, __file__, "--top-up-only", str(n)], check=True)


def top_up_only(n: int) -> None:
    bootstrap(DEFAULT_DB)
    from bench.provisioning import top_up
    from federations.models import FederationNode
    from federations.services import node_create

    county = FederationNode.objects.filter(name="压测县总工会").first() or node_create(
        level="county", name="压测县总工会", division_code="330122"
    )
    created, seconds = top_up(n, county)
    print(f"tenants created: {created} in {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app", default="organisation", help="tenant app that gets the migration")
    parser.add_argument("--model", default="branch", help="model of that app that gets the column")
    parser.add_argument("--executor", default="standard", choices=["standard", "multiprocessing"])
    parser.add_argument("--repeat", type=int, default=3, help="timed no-op migrates")
    parser.add_argument("--tenants", type=int, help="top the bench database up to this many tenants first")
    parser.add_argument("--top-up-only", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.top_up_only:
        return top_up_only(args.top_up_only)

    source_url = os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{DEFAULT_DB}"
    if args.tenants:
        top_up_tenants(args.tenants)
    copy_url, copy_s = database_copy(source_url, COPY_SUFFIX)
    print(f"copied {urlparse(source_url).path[1:]} to {urlparse(copy_url).path[1:]} in {copy_s:.1f} s")
    os.environ["DATABASE_URL"] = copy_url
    try:
        result = measure(args)
    finally:
        from django.db import connections

        connections.close_all()
        database_drop(copy_url)
    result["database_copy_s"] = round(copy_s, 1)
    print(f"written {write_result('migrate', result)}")


def measure(args) -> dict:
    bootstrap(DEFAULT_DB)  # DATABASE_URL is the copy; migrates public and the template if they need it
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import get_public_schema_name

    from federations import schema_template
    from federations.migration_replay import BATCH_SIZE
    from federations.models import Union
    from federations.schema_template import stale_tenant_schemas

    with connection.cursor() as cursor:  # unions with a schema (some benchmarks write union rows only)
        cursor.execute(
            f"SELECT count(*) FROM {Union._meta.db_table} u JOIN pg_namespace n ON n.nspname = u.schema_name "
            "WHERE u.schema_name <> %s",
            [get_public_schema_name()],
        )
        tenants = cursor.fetchone()[0]
    nothing = [timed_migrate() for _ in range(args.repeat)]
    print(f"{tenants} tenants; migrate, nothing to apply: {summary(nothing)}")

    def columns_present(column: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                [f"{args.app}_{args.model}", column],
            )
            return cursor.fetchone()[0]

    runs = {}
    leaves = app_leaves(args.app)  # the real app's, before MIGRATION_MODULES points elsewhere
    with tempfile.TemporaryDirectory(prefix="uh-bench-migrations-") as folder:
        sys.path.insert(0, folder)
        for path, columns, options in (
            ("per_schema", ["bench_note"], {"per_schema": True, "executor": args.executor}),
            ("replay", ["bench_note", "bench_tag"], {}),
        ):
            package = trivial_migration_package(args.app, args.model, Path(folder), columns, leaves)
            settings.MIGRATION_MODULES = {**getattr(settings, "MIGRATION_MODULES", {}), args.app: package}
            schema_template._code_tenant_migrations.cache_clear()  # the code's fingerprint now includes it
            stale_before = len(stale_tenant_schemas())
            load_before = os.getloadavg()[0]
            seconds = timed_migrate(**options)
            stale_after = len(stale_tenant_schemas())
            present = columns_present(columns[-1])
            if stale_after or present < tenants:
                raise SystemExit(f"{path}: {stale_after} stale, column in {present} schemas")
            runs[path] = {
                "migration": f"{args.app}: AddField {args.model}.{columns[-1]} (nullable text) + AddIndex",
                "stale_tenants_before": stale_before,
                "seconds": round(seconds, 2),
                "per_tenant_ms": round(seconds / max(1, stale_before) * 1000, 1),
                "load_average_1min_before": round(load_before, 2),
                "load_average_1min_after": round(os.getloadavg()[0], 2),
                "schemas_with_new_column": present,
            }
            print(
                f"{path}: migrate with one AddField + index over {stale_before} stale tenants: {seconds:.1f} s "
                f"({runs[path]['per_tenant_ms']:.1f} ms per tenant; load {load_before:.1f})"
            )
        again = [timed_migrate() for _ in range(args.repeat)]
        sys.path.remove(folder)
    speedup = runs["per_schema"]["per_tenant_ms"] / max(0.001, runs["replay"]["per_tenant_ms"])
    print(f"replay {speedup:.1f}x the per-schema path; nothing to apply after: {summary(again)}")
    return {
        "tenants": tenants,
        "executor": args.executor,
        "replay_batch_size": BATCH_SIZE,
        "nothing_to_apply": summary(nothing),
        "nothing_to_apply_s": round(summary(nothing)["p50_ms"] / 1000, 3),
        "per_schema": runs["per_schema"],
        "replay": runs["replay"],
        "replay_speedup": round(speedup, 1),
        # The figures earlier runs reported under these names (bench/page.py reads them): the per-schema path.
        "migration": runs["per_schema"]["migration"] + " with `migrate --per-schema`",
        "schemas_with_new_column": runs["per_schema"]["schemas_with_new_column"],
        "one_migration_s": runs["per_schema"]["seconds"],
        "one_migration_per_tenant_ms": runs["per_schema"]["per_tenant_ms"],
        "nothing_to_apply_after": summary(again),
        "nothing_to_apply_after_s": round(summary(again)["p50_ms"] / 1000, 3),
    }


if __name__ == "__main__":
    main()
