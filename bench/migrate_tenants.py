"""Benchmark: `migrate` over every tenant with nothing to apply, and with one trivial tenant migration.

    .venv/bin/python bench/migrate_tenants.py [--app organisation] [--executor standard|multiprocessing]

Works on a throwaway copy of the bench database (DATABASE_URL, default uh_scale): `CREATE DATABASE <db>_migrate
TEMPLATE <db>`, dropped again at the end, so the bench database keeps its migration state. (PostgreSQL copies a
database only while nobody is connected to it; the suite runs its steps one after the other.)

The trivial migration never touches the repository: MIGRATION_MODULES points the tenant app at a temporary
package holding a copy of the app's migrations plus one AddField (a nullable column, the commonest real change).
On the copy it times
  * `migrate` with nothing to apply: one fingerprint query, no tenant schema entered;
  * `migrate` with the new migration: the template schema, then every tenant schema through django-tenants'
    executor (ours enters only the stale schemas, and here every schema is stale);
  * `migrate` right after, nothing to apply again, and checks that no tenant is left stale.
Writes bench/results/migrate.json.
"""

from __future__ import annotations

import argparse
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
    """Benchmark only (bench/migrate_tenants.py): one nullable column on every tenant schema."""

    dependencies = {dependencies!r}

    operations = [
        migrations.AddField(
            model_name={model!r}, name="bench_note", field=models.TextField(blank=True, null=True)
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


def trivial_migration_package(app_label: str, model: str, folder: Path) -> str:
    """A package in `folder` with the app's migrations and one more; returns its module name."""
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    source = Path(apps.get_app_config(app_label).path) / "migrations"
    package = f"bench_migrations_{uuid.uuid4().hex[:8]}"
    target = folder / package
    target.mkdir()
    for path in source.glob("*.py"):
        shutil.copy(path, target / path.name)
    leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes(app_label)
    (target / "9999_bench_trivial.py").write_text(
        TRIVIAL_MIGRATION.format(dependencies=[tuple(leaf) for leaf in leaves], model=model)
    )
    return package


def timed_migrate(**options) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0, **options)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--app", default="organisation", help="tenant app that gets the migration")
    parser.add_argument("--model", default="branch", help="model of that app that gets the column")
    parser.add_argument("--executor", default="standard", choices=["standard", "multiprocessing"])
    parser.add_argument("--repeat", type=int, default=3, help="timed no-op migrates")
    args = parser.parse_args()

    import os

    source_url = os.environ.get("DATABASE_URL") or f"postgres://postgres@127.0.0.1:5432/{DEFAULT_DB}"
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

    with tempfile.TemporaryDirectory(prefix="uh-bench-migrations-") as folder:
        package = trivial_migration_package(args.app, args.model, Path(folder))
        sys.path.insert(0, folder)
        settings.MIGRATION_MODULES = {**getattr(settings, "MIGRATION_MODULES", {}), args.app: package}
        schema_template._code_tenant_migrations.cache_clear()  # the code's fingerprint now includes it
        stale_before = len(stale_tenant_schemas())
        one = timed_migrate(executor=args.executor)
        stale_after = len(stale_tenant_schemas())
        again = [timed_migrate() for _ in range(args.repeat)]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                [f"{args.app}_{args.model}", "bench_note"],
            )
            columns = cursor.fetchone()[0]
        sys.path.remove(folder)
    if stale_after or columns < tenants:
        raise SystemExit(
            f"migration not applied everywhere: {stale_after} stale, column in {columns} schemas"
        )
    print(
        f"migrate with one trivial migration over {stale_before} stale tenants: {one:.1f} s "
        f"({one / max(1, stale_before) * 1000:.0f} ms per tenant); nothing to apply after: {summary(again)}"
    )
    return {
        "tenants": tenants,
        "executor": args.executor,
        "migration": f"{args.app}: AddField {args.model}.bench_note (nullable text)",
        "nothing_to_apply": summary(nothing),
        "nothing_to_apply_s": round(summary(nothing)["p50_ms"] / 1000, 3),
        "stale_tenants_before": stale_before,
        "one_migration_s": round(one, 1),
        "one_migration_per_tenant_ms": round(one / max(1, stale_before) * 1000, 1),
        "schemas_with_new_column": columns,
        "nothing_to_apply_after": summary(again),
        "nothing_to_apply_after_s": round(summary(again)["p50_ms"] / 1000, 3),
    }


if __name__ == "__main__":
    main()
