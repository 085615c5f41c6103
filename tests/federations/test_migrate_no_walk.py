"""`migrate` with nothing to apply must not enter tenant schemas; a tenant with a stale fingerprint is the
only one migrated."""

import pytest
from django.core.management import call_command, get_commands
from django.db import connection

from tests.factories import union_kwargs


class SqlLog:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def mentioning(self, schema: str) -> list[str]:
        return [sql for sql in self.statements if schema in sql]


def _migrate() -> SqlLog:
    log = SqlLog()
    with connection.execute_wrapper(log):
        call_command("migrate", interactive=False, verbosity=0)
    return log


def test_our_migrate_takes_precedence_over_django_tenants():
    assert get_commands()["migrate"] == "federations"
    assert get_commands()["migrate_schemas"] == "django_tenants"


@pytest.mark.django_db
def test_migrate_enters_only_stale_tenant_schemas(county):
    from federations.schema_template import STATE_TABLE, code_fingerprint, recorded_fingerprint
    from federations.services import union_provision

    unions = [union_provision(parent_node=county, **union_kwargs()) for _ in range(4)]
    schemas = [union.schema_name for union in unions]
    assert all(recorded_fingerprint(schema) == code_fingerprint() for schema in schemas)

    log = _migrate()
    assert log.statements, "the wrapper saw no SQL at all"
    assert any("SET search_path" in sql for sql in log.statements)  # public was migrated
    for schema in [*schemas, "union_template"]:
        assert log.mentioning(schema) == [], schema

    stale = schemas[2]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {STATE_TABLE} SET fingerprint = 'old' WHERE schema_name = %s", [stale])
    log = _migrate()
    assert any(sql.startswith("SET search_path") and stale in sql for sql in log.mentioning(stale))
    for schema in [s for s in schemas if s != stale]:
        assert log.mentioning(schema) == [], schema
    assert recorded_fingerprint(stale) == code_fingerprint()

    # A schema nobody recorded (e.g. created before fingerprints existed) counts as stale too.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STATE_TABLE} WHERE schema_name = %s", [schemas[0]])
    log = _migrate()
    assert log.mentioning(schemas[0]) and not log.mentioning(schemas[1])
    assert recorded_fingerprint(schemas[0]) == code_fingerprint()


@pytest.mark.django_db
def test_all_tenants_flag_walks_every_schema(county):
    from federations.services import union_provision

    schemas = [union_provision(parent_node=county, **union_kwargs()).schema_name for _ in range(2)]
    log = SqlLog()
    with connection.execute_wrapper(log):
        call_command("migrate", all_tenants=True, interactive=False, verbosity=0)
    for schema in schemas:
        assert log.mentioning(schema), schema


@pytest.mark.django_db
def test_migrate_schemas_records_fingerprints(county):
    """django-tenants' own command still works and leaves the schema current for our migrate."""
    from federations.schema_template import STATE_TABLE, code_fingerprint, recorded_fingerprint
    from federations.services import union_provision

    schema = union_provision(parent_node=county, **union_kwargs()).schema_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STATE_TABLE} WHERE schema_name = %s", [schema])
    call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
    assert recorded_fingerprint(schema) == code_fingerprint()
