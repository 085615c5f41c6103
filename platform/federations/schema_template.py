"""Creating union schemas. PROVISIONAL: migrates each new schema (slow path); to be replaced by a template clone."""

from django.core.management import call_command
from django.db import connection


def schema_create_from_template(schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    call_command("migrate_schemas", schema_name=schema_name, tenant=True, interactive=False, verbosity=0)
