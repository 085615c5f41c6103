"""Tenant migrations by replay: migrate the template once, replay its SQL in every stale union schema.

django-tenants applies a tenant migration by running `migrate` in each schema (about 325 ms per schema, mostly
Python: loading the graph, rendering model states, introspecting). The SQL that comes out is the same in every
schema, because Django names tables, indexes and constraints without the schema and relies on search_path.

So when `template_schema_ensure` migrates the template schema, `capture` records:
  * every statement the schema editor executed (the DDL, composed client-side, no schema name in it);
  * the django_migrations rows the migration added there (the bookkeeping `migrate` keeps per schema);
  * the django_content_type rows post_migrate added there (new models get a content type in each schema);
and stores them as one script in the public table `unionhub_migration_replay`, keyed by the tenant-migration
fingerprint before and after (the same fingerprints `unionhub_schema_state` records per schema).

`migrate` (management/commands/migrate.py) then replays that script in every stale schema whose recorded
fingerprint is the script's "before": many schemas per transaction and round trip, each after
`SET LOCAL search_path`, each recording its new fingerprint in the same transaction. A batch that fails is
rolled back and its schemas replayed one transaction each, so one broken schema (say, a conflicting object
created by hand) fails alone, is reported, keeps its old fingerprint and is retried by the next `migrate`.

Replay is refused, automatically, from the migration plan and from what the template's migration actually did
(never declared by hand): RunPython, RunSQL that is not plain DDL (anything reading or writing rows),
RenameModel (contenttypes renames rows), a field default computed in Python (each schema would get the
template's value), non-atomic migrations, operation classes not known to be pure DDL, any SQL naming the
template schema, and any row written outside the schema editor other than the bookkeeping above. Those
migrations take django-tenants' per-schema path, as before.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, connections, router, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations import operations as ops

from .schema_template import STATE_TABLE, quote_ident, quote_literal

logger = logging.getLogger(__name__)

REPLAY_TABLE = "unionhub_migration_replay"
# Schemas per transaction and round trip. A statement text of a few KB per schema; 100 keeps one batch's
# script well under a megabyte and its locks (one per altered table per schema) modest.
BATCH_SIZE = 100
# Sequences the replayed bookkeeping rows draw from (ids as the per-schema path would give them).
BOOKKEEPING_SEQUENCES = ("django_migrations_id_seq", "django_content_type_id_seq")

# Operations whose database effect is DDL only, the same in every schema.
_DDL_OPERATIONS = tuple(
    cls
    for cls in (
        getattr(ops, name, None)
        for name in (
            "CreateModel",
            "DeleteModel",
            "AlterModelTable",
            "AlterModelTableComment",
            "AlterUniqueTogether",
            "AlterIndexTogether",
            "AlterOrderWithRespectTo",
            "AlterModelOptions",
            "AlterModelManagers",
            "AddIndex",
            "RemoveIndex",
            "RenameIndex",
            "AddConstraint",
            "RemoveConstraint",
            "AlterConstraint",
            "AddField",
            "RemoveField",
            "AlterField",
            "RenameField",
        )
    )
    if cls is not None
)
_DDL_STATEMENT_TYPES = {"CREATE", "ALTER", "DROP"}
# Rows `migrate` itself writes: the migration recorder, post_migrate's content types, our fingerprint.
_BOOKKEEPING_WRITE = re.compile(
    rf'^\s*INSERT INTO ("django_migrations"|"django_content_type"|public\.{STATE_TABLE}\b)', re.IGNORECASE
)
_DATA_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE)\b", re.IGNORECASE)


@dataclass
class ReplayOutcome:
    replayed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # schema -> error
    per_schema: list[str] = field(default_factory=list)  # left to django-tenants' per-schema path
    fallback_reason: str | None = None


def _ensure_table(cursor) -> None:
    cursor.execute(
        f"""
        CREATE TABLE IF NOT EXISTS public.{REPLAY_TABLE} (
            from_fingerprint varchar(64) NOT NULL,
            to_fingerprint varchar(64) NOT NULL,
            script text,
            fallback_reason text,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (from_fingerprint, to_fingerprint)
        )
        """
    )


# --- detection --------------------------------------------------------------------------------------------


def _runsql_is_ddl(sql) -> bool:
    import sqlparse

    if sql is ops.RunSQL.noop:
        return True
    items = [sql] if isinstance(sql, str) else list(sql)
    for item in items:
        text = item[0] if isinstance(item, list | tuple) else item
        if not isinstance(text, str):
            return False
        for statement in sqlparse.parse(text):
            if not str(statement).strip(" \n\t;"):
                continue
            if statement.get_type() not in _DDL_STATEMENT_TYPES:
                return False
            if any(token.normalized == "SELECT" for token in statement.flatten()):
                return False
    return True


def _callable_default(operation) -> bool:
    fld = getattr(operation, "field", None)
    return fld is not None and fld.has_default() and callable(fld.default)


def _operation_blocker(operation, app_label: str, alias: str) -> str | None:
    if isinstance(operation, ops.SeparateDatabaseAndState):
        for inner in operation.database_operations:
            reason = _operation_blocker(inner, app_label, alias)
            if reason:
                return reason
        return None
    if isinstance(operation, ops.RunPython):
        if router.allow_migrate(alias, app_label, **operation.hints):
            return "RunPython"
        return None
    if isinstance(operation, ops.RunSQL):
        if router.allow_migrate(alias, app_label, **operation.hints) and not _runsql_is_ddl(operation.sql):
            return "RunSQL that is not plain DDL"
        return None
    if isinstance(operation, ops.RenameModel):
        return "RenameModel (renames content types)"
    if not isinstance(operation, _DDL_OPERATIONS):
        return f"operation {type(operation).__name__} is not known to be DDL only"
    if _callable_default(operation):
        return "a field default computed in Python"
    return None


def plan_blockers(plan, alias: str) -> list[str]:
    """Why this migration plan cannot be replayed (empty: it can). Checked with the connection in a tenant
    schema, so migrations of shared apps (no-ops in tenant schemas) block nothing."""
    reasons = []
    for migration, backwards in plan:
        label = f"{migration.app_label}.{migration.name}"
        if backwards:
            reasons.append(f"{label}: unapplying")
            continue
        if not router.allow_migrate(alias, migration.app_label):
            continue  # recorded in the schema, executes nothing there
        if not migration.atomic:
            reasons.append(f"{label}: non-atomic migration")
        for operation in migration.operations:
            reason = _operation_blocker(operation, migration.app_label, alias)
            if reason:
                reasons.append(f"{label}: {reason}")
    return reasons


# --- capture (template) -----------------------------------------------------------------------------------


def _rows(cursor, sql: str) -> list[tuple]:
    cursor.execute(sql)
    return cursor.fetchall()


def _template_blockers(template: str) -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    # In the template's schema: the router then tells tenant apps (whose operations run) from shared ones.
    connection.set_schema(template)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        return plan_blockers(plan, connection.alias)
    finally:
        connection.set_schema_to_public()


@contextmanager
def capture(template: str, from_fingerprint: str | None, to_fingerprint: str):
    """Record what migrating the template does, for replay in schemas at `from_fingerprint`.

    Wraps the template's `migrate`. Stores a script, or the reason it cannot be replayed, in REPLAY_TABLE.
    """
    if from_fingerprint is None or from_fingerprint == to_fingerprint:
        yield
        return
    qtemplate = quote_ident(template)
    blockers = _template_blockers(template)
    with connection.cursor() as cursor:
        migrations_before = set(_rows(cursor, f"SELECT app, name FROM {qtemplate}.django_migrations"))
        types_before = set(_rows(cursor, f"SELECT app_label, model FROM {qtemplate}.django_content_type"))

    statements: list[str] = []
    original = BaseDatabaseSchemaEditor.execute
    # The patch is process-wide; only this thread's connection (the template's migrate) is recorded.
    wrapper = connections[connection.alias]

    def recording_execute(editor, sql, params=()):
        if editor.connection is wrapper and not editor.collect_sql:
            text = str(sql) if params is None else editor.connection.ops.compose_sql(str(sql), params)
            statements.append(text)
            return original(editor, text, None)
        return original(editor, sql, params)

    writes: list[str] = []

    def watch_writes(execute, sql, params, many, context):
        if isinstance(sql, str) and _DATA_WRITE.match(sql) and not _BOOKKEEPING_WRITE.match(sql):
            writes.append(sql.split("\n", 1)[0][:120])
        return execute(sql, params, many, context)

    BaseDatabaseSchemaEditor.execute = recording_execute
    try:
        with connection.execute_wrapper(watch_writes):
            yield
    finally:
        BaseDatabaseSchemaEditor.execute = original

    with connection.cursor() as cursor:
        migrations_after = _rows(
            cursor, f"SELECT app, name, applied FROM {qtemplate}.django_migrations ORDER BY id"
        )
        types_after = _rows(
            cursor, f"SELECT id, app_label, model FROM {qtemplate}.django_content_type ORDER BY id"
        )
    statements = [s.strip().rstrip(";") for s in statements if s.strip()]
    if writes:
        blockers.append("wrote rows outside the schema editor: " + "; ".join(writes[:3]))
    named = [s for s in statements if template in s]
    if named:
        blockers.append(f"SQL names the template schema: {named[0][:120]}")

    new_migrations = [
        (app, name) for app, name, _ in migrations_after if (app, name) not in migrations_before
    ]
    new_types = [row for row in types_after if row[1:] not in types_before]
    script_parts = [f"{s};" for s in statements]
    if new_migrations:
        script_parts.append(
            "INSERT INTO django_migrations (app, name, applied) VALUES "
            + ", ".join(f"({quote_literal(a)}, {quote_literal(n)}, now())" for a, n in new_migrations)
            + ";"
        )
    if new_types:
        script_parts.append(
            "INSERT INTO django_content_type (app_label, model) VALUES "
            + ", ".join(f"({quote_literal(a)}, {quote_literal(m)})" for _id, a, m in new_types)
            + " ON CONFLICT (app_label, model) DO NOTHING;"
        )
    reason = "; ".join(blockers) or None
    script = None if reason else "\n".join(script_parts)
    if reason:
        logger.info(
            "tenant migration %s -> %s takes the per-schema path: %s",
            from_fingerprint,
            to_fingerprint,
            reason,
        )
    with connection.cursor() as cursor:
        _ensure_table(cursor)
        cursor.execute(
            f"INSERT INTO public.{REPLAY_TABLE} (from_fingerprint, to_fingerprint, script, fallback_reason) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (from_fingerprint, to_fingerprint) "
            "DO UPDATE SET script = EXCLUDED.script, fallback_reason = EXCLUDED.fallback_reason, created_at = now()",
            [from_fingerprint, to_fingerprint, script, reason],
        )


# --- replay (tenants) -------------------------------------------------------------------------------------


def _replay_scripts(to_fingerprint: str) -> dict[str, tuple[str | None, str | None]]:
    with connection.cursor() as cursor:
        _ensure_table(cursor)
        cursor.execute(
            f"SELECT from_fingerprint, script, fallback_reason FROM public.{REPLAY_TABLE} WHERE to_fingerprint = %s",
            [to_fingerprint],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _recorded(schemas: list[str]) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT schema_name, fingerprint FROM public.{STATE_TABLE} WHERE schema_name = ANY(%s)",
            [schemas],
        )
        return dict(cursor.fetchall())


def _batch_sql(schemas: list[str], script: str, to_fingerprint: str) -> str:
    parts = []
    for schema in schemas:
        parts.append(f"SET LOCAL search_path TO {quote_ident(schema)}, public;\n{script}")
        parts.append(
            f"INSERT INTO public.{STATE_TABLE} (schema_name, fingerprint) "
            f"VALUES ({quote_literal(schema)}, {quote_literal(to_fingerprint)}) "
            "ON CONFLICT (schema_name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, recorded_at = now();"
        )
    return "\n".join(parts)


def _sequence_positions(schemas: list[str]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, sequencename, last_value, start_value FROM pg_catalog.pg_sequences "
            "WHERE schemaname = ANY(%s) AND sequencename = ANY(%s)",
            [schemas, list(BOOKKEEPING_SEQUENCES)],
        )
        return cursor.fetchall()


def _sequence_restore(positions: list[tuple]) -> None:
    """Sequences are not transactional: undo what a rolled-back batch drew from the bookkeeping sequences."""
    calls = []
    for schema, sequence, last_value, start_value in positions:
        name = quote_literal(f"{quote_ident(schema)}.{quote_ident(sequence)}")
        if last_value is None:
            calls.append(f"pg_catalog.setval({name}, {int(start_value)}, false)")
        else:
            calls.append(f"pg_catalog.setval({name}, {int(last_value)}, true)")
    if calls:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(calls))


def _run(schemas: list[str], script: str, to_fingerprint: str) -> None:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_batch_sql(schemas, script, to_fingerprint))
    finally:
        connection.search_path_set_schemas = None  # our SET LOCAL ended with the transaction


def replay(stale: list[str], to_fingerprint: str, batch_size: int = BATCH_SIZE) -> ReplayOutcome:
    """Replay the captured script in the stale schemas it applies to; the rest are left for the per-schema path."""
    outcome = ReplayOutcome()
    if not stale:
        return outcome
    scripts = _replay_scripts(to_fingerprint)
    recorded = _recorded(stale)
    groups: dict[str, list[str]] = {}
    for schema in stale:
        script, reason = scripts.get(recorded.get(schema), (None, None))
        if script is None:
            outcome.per_schema.append(schema)
            outcome.fallback_reason = outcome.fallback_reason or reason
        else:
            groups.setdefault(script, []).append(schema)
    for script, schemas in groups.items():
        for start in range(0, len(schemas), batch_size):
            batch = schemas[start : start + batch_size]
            positions = _sequence_positions(batch)
            try:
                _run(batch, script, to_fingerprint)
                outcome.replayed.extend(batch)
                continue
            except Exception:  # noqa: BLE001 - find the schema that broke the batch, below
                logger.info("replay batch of %d schemas failed; replaying them one by one", len(batch))
            _sequence_restore(positions)
            for schema in batch:
                try:
                    _run([schema], script, to_fingerprint)
                    outcome.replayed.append(schema)
                except Exception as exc:  # noqa: BLE001 - reported; the schema stays stale for the next migrate
                    outcome.failed[schema] = (
                        str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                    )
                    logger.warning("replaying tenant migration in %s failed: %s", schema, exc)
    return outcome
