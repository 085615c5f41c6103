"""Tenant migrations by replay (federations/migration_replay.py): the template's migration SQL replayed in the
stale union schemas gives the same catalog as django-tenants' per-schema migrate; one broken schema fails
alone, is reported and is retried; migrations that touch data take the per-schema path on their own.

The test migrations live in a temporary copy of the organisation app's migrations (MIGRATION_MODULES), never in
the app itself."""

import shutil
import sys
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader

from tests.factories import union_kwargs
from tests.support.schemas import schema_catalog

ADD_FIELD_AND_INDEX = """
    operations = [
        migrations.AddField(
            model_name="branch", name="replay_note", field=models.TextField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="branch", name="replay_rank", field=models.IntegerField(default=7)
        ),
        migrations.AddIndex(
            model_name="branch", index=models.Index(fields=["replay_rank", "name"], name="branch_replay_rank_idx")
        ),
        migrations.CreateModel(
            name="ReplayTag",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("label", models.CharField(max_length=40, unique=True)),
                ("branch", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="organisation.branch")),
            ],
        ),
    ]
"""

WITH_RUN_PYTHON = """
    operations = [
        migrations.AddField(
            model_name="branch", name="replay_note", field=models.TextField(blank=True, null=True)
        ),
        migrations.RunPython(fill_note, migrations.RunPython.noop),
    ]
"""

MIGRATION = """import django.db.models.deletion
from django.db import migrations, models


def fill_note(apps, schema_editor):
    apps.get_model("organisation", "Branch").objects.update(replay_note="填写")


class Migration(migrations.Migration):
    dependencies = {dependencies!r}
{operations}"""


@pytest.fixture
def tenant_migration(db, tmp_path):
    """add(operations): the organisation app gains one migration, for this test only."""
    from federations import schema_template
    from federations.migration_replay import _sequence_positions, _sequence_restore

    original = getattr(settings, "MIGRATION_MODULES", {})
    # The test's transaction rolls the template back, but not the sequences its migration drew from; the
    # cloner copies sequence positions, so later tests would provision schemas unlike a migrated one.
    positions = _sequence_positions(["union_template", "public"])

    def add(operations: str) -> None:
        source = Path(apps.get_app_config("organisation").path) / "migrations"
        package = f"replay_test_migrations_{uuid.uuid4().hex[:8]}"
        target = tmp_path / package
        target.mkdir()
        for path in source.glob("*.py"):
            shutil.copy(path, target / path.name)
        leaves = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("organisation")
        (target / "9999_replay_test.py").write_text(
            MIGRATION.format(dependencies=[tuple(leaf) for leaf in leaves], operations=operations)
        )
        settings.MIGRATION_MODULES = {**original, "organisation": package}
        schema_template._code_tenant_migrations.cache_clear()

    sys.path.insert(0, str(tmp_path))
    yield add
    sys.path.remove(str(tmp_path))
    settings.MIGRATION_MODULES = original
    schema_template._code_tenant_migrations.cache_clear()
    _sequence_restore(positions)


class SqlLog:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


def _migrate(**options) -> SqlLog:
    log = SqlLog()
    with connection.execute_wrapper(log):
        call_command("migrate", interactive=False, verbosity=0, **options)
    return log


def _provision(county, count: int) -> list[str]:
    from federations.services import union_provision

    return [union_provision(parent_node=county, **union_kwargs()).schema_name for _ in range(count)]


def _has_column(schema: str, column: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
            "AND table_name = 'organisation_branch' AND column_name = %s",
            [schema, column],
        )
        return cursor.fetchone() is not None


def _entered_by_django_tenants(log: SqlLog, schema: str) -> bool:
    return any(sql.startswith("SET search_path") and schema in sql for sql in log.statements)


@pytest.mark.django_db
def test_replayed_schemas_equal_schemas_migrated_by_django_tenants(county, tenant_migration):
    from federations.schema_template import code_fingerprint, recorded_fingerprint

    replayed = _provision(county, 3)
    standard = _provision(county, 2)
    tenant_migration(ADD_FIELD_AND_INDEX)
    for schema in standard:  # django-tenants' own per-schema path
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)

    log = _migrate()
    for schema in replayed:
        assert not _entered_by_django_tenants(log, schema), schema
        assert recorded_fingerprint(schema) == code_fingerprint()
    # Many schemas in one round trip.
    assert any(all(f'"{schema}"' in sql for schema in replayed) for sql in log.statements)

    reference = schema_catalog(standard[0])
    assert "replay_rank" in reference["columns"] and "branch_replay_rank_idx" in reference["indexes"]
    assert "organisation_replaytag" in reference["relations"]
    assert "9999_replay_test" in reference["migrations"]
    for schema in [*replayed, standard[1], "union_template"]:
        catalog = schema_catalog(schema)
        for part in reference:
            assert catalog[part] == reference[part], (schema, part)

    # A union provisioned now is a copy of the migrated template, and nothing is stale any more.
    assert schema_catalog(_provision(county, 1)[0]) == reference
    log = _migrate()
    assert not any(_entered_by_django_tenants(log, schema) for schema in replayed + standard)


@pytest.mark.django_db
def test_a_schema_that_fails_stops_nothing_else_and_is_retried(county, tenant_migration):
    from federations.schema_template import code_fingerprint, recorded_fingerprint

    schemas = _provision(county, 4)
    broken = schemas[1]
    with connection.cursor() as cursor:  # a conflicting object created by hand
        cursor.execute(f'ALTER TABLE "{broken}".organisation_branch ADD COLUMN replay_note integer')
    old = recorded_fingerprint(broken)
    tenant_migration(ADD_FIELD_AND_INDEX)

    with pytest.raises(CommandError) as failure:
        call_command("migrate", interactive=False, verbosity=0)
    assert broken in str(failure.value) and "replay_note" in str(failure.value)
    for schema in schemas:
        if schema != broken:
            assert recorded_fingerprint(schema) == code_fingerprint(), schema
            assert _has_column(schema, "replay_rank"), schema
    assert recorded_fingerprint(broken) == old
    assert not _has_column(broken, "replay_rank")

    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{broken}".organisation_branch DROP COLUMN replay_note')
    log = _migrate()
    assert recorded_fingerprint(broken) == code_fingerprint()
    assert schema_catalog(broken) == schema_catalog(schemas[0])
    assert not _entered_by_django_tenants(log, broken)  # retried by replay, not the per-schema path


@pytest.mark.django_db
def test_run_python_takes_the_per_schema_path(county, tenant_migration):
    from django_tenants.utils import schema_context

    from federations.migration_replay import REPLAY_TABLE
    from federations.schema_template import code_fingerprint, recorded_fingerprint
    from organisation.models import Branch

    schemas = _provision(county, 2)
    with schema_context(schemas[0]):
        Branch.objects.create(name="一车间")
    with connection.cursor() as cursor:  # the test's transaction must not hold deferred checks on the table
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    tenant_migration(WITH_RUN_PYTHON)

    log = _migrate()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT script, fallback_reason FROM {REPLAY_TABLE} WHERE to_fingerprint = %s",
            [code_fingerprint()],
        )
        script, reason = cursor.fetchone()
    assert script is None and "RunPython" in reason
    for schema in schemas:
        assert _entered_by_django_tenants(log, schema), schema
        assert recorded_fingerprint(schema) == code_fingerprint()
    with connection.cursor() as cursor:  # the data step ran in the schema itself
        cursor.execute(f'SELECT replay_note FROM "{schemas[0]}".organisation_branch')
        assert cursor.fetchall() == [("填写",)]


@pytest.mark.django_db
def test_per_schema_flag_never_replays(county, tenant_migration):
    schemas = _provision(county, 2)
    tenant_migration(ADD_FIELD_AND_INDEX)
    log = _migrate(per_schema=True)
    for schema in schemas:
        assert _entered_by_django_tenants(log, schema), schema
        assert _has_column(schema, "replay_rank")


def test_detection_reads_the_operations():
    from django.db import models

    from federations.migration_replay import _operation_blocker, _runsql_is_ddl

    def blocker(operation):
        connection.set_schema("union_template")  # a tenant schema: tenant apps' operations run there
        try:
            return _operation_blocker(operation, "organisation", "default")
        finally:
            connection.set_schema_to_public()

    assert _runsql_is_ddl("CREATE INDEX x ON organisation_branch (name); ALTER TABLE y ADD COLUMN z int")
    assert not _runsql_is_ddl("UPDATE organisation_branch SET name = upper(name)")
    assert not _runsql_is_ddl("CREATE TABLE copy AS SELECT * FROM organisation_branch")
    assert not _runsql_is_ddl([("INSERT INTO t VALUES (%s)", [1])])
    assert blocker(ops.RunSQL("SELECT 1")) == "RunSQL that is not plain DDL"
    assert blocker(ops.RunSQL("CREATE INDEX x ON organisation_branch (name)")) is None
    assert blocker(ops.RunPython(ops.RunPython.noop)) == "RunPython"
    assert blocker(ops.RenameModel("Branch", "Section")).startswith("RenameModel")
    assert blocker(ops.AddField("branch", "token", models.UUIDField(default=uuid.uuid4))) == (
        "a field default computed in Python"
    )
    assert blocker(ops.AddField("branch", "note", models.TextField(null=True))) is None
    inner = ops.SeparateDatabaseAndState(database_operations=[ops.RunPython(ops.RunPython.noop)])
    assert blocker(inner) == "RunPython"
