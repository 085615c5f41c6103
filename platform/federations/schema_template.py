"""Creating union schemas from a template schema instead of running migrations per tenant.

The template schema (settings.UNIONHUB_TEMPLATE_SCHEMA) is migrated the normal django-tenants way and never
holds user data. From its PostgreSQL catalog we generate one DDL script (tables, identity columns, sequences,
constraints, indexes, comments, plus the rows migrations seeded such as django_migrations and
django_content_type). The script never names a schema for template objects: it runs after
`SET LOCAL search_path` to the new schema, so no text substitution is needed and a schema name cannot break
out of it. The script is built once per *fingerprint* of the tenant migrations, cached in-process and in a
public table, and sent to the server in one round trip.

Fingerprints also drive `migrate` (see management/commands/migrate.py): every schema's applied fingerprint is
recorded in the public table `unionhub_schema_state`, so finding the stale tenants is one query, and the SQL the
template's migration executed is replayed in them (migration_replay.py).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from contextlib import contextmanager
from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name, get_tenant_model

logger = logging.getLogger(__name__)

STATE_TABLE = "unionhub_schema_state"
DDL_TABLE = "unionhub_template_ddl"
# Arbitrary constant for pg_advisory_lock: serialises template migration across web/worker processes.
_TEMPLATE_LOCK_KEY = 0x55485450  # "UHTP"

# Stricter than django-tenants: lower-case identifiers only, so quoting is never ambiguous.
_SCHEMA_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Bump when build_template_script's output changes, so scripts cached in the public table are rebuilt.
SCRIPT_FORMAT = 2
_scripts: dict[str, str] = {}
_scripts_lock = threading.Lock()
_state_tables_ready = False


class TemplateError(RuntimeError):
    """The template cannot be cloned faithfully (e.g. it holds an object kind the cloner does not copy)."""


def template_schema_name() -> str:
    return settings.UNIONHUB_TEMPLATE_SCHEMA


def validate_schema_name(schema_name: str) -> None:
    if not isinstance(schema_name, str) or not _SCHEMA_NAME_RE.match(schema_name):
        raise ValueError(f"invalid schema name: {schema_name!r}")
    if schema_name.startswith("pg_") or schema_name in {
        "public",
        "information_schema",
        template_schema_name(),
    }:
        raise ValueError(f"reserved schema name: {schema_name!r}")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL in SQL literal")
    return "'" + value.replace("'", "''") + "'"


# --- fingerprints -----------------------------------------------------------------------------------------


def tenant_app_labels() -> frozenset[str]:
    names = set(settings.TENANT_APPS)
    return frozenset(cfg.label for cfg in apps.get_app_configs() if cfg.name in names)


@lru_cache(maxsize=1)
def _code_tenant_migrations() -> frozenset[tuple[str, str]]:
    # Built from the migration files only (no database), once per process.

    labels = tenant_app_labels()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return frozenset(key for key in loader.graph.nodes if key[0] in labels)


def _fingerprint_of(keys) -> str:
    text = "\n".join(f"{app}.{name}" for app, name in sorted(keys))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def code_fingerprint() -> str:
    """Fingerprint of the tenant migrations in the code: what a fully migrated tenant schema records."""
    return _fingerprint_of(_code_tenant_migrations())


def schema_fingerprint(schema_name: str) -> str | None:
    """Fingerprint of the tenant migrations applied in a schema (None when it has no django_migrations).

    Applied rows are restricted to the code's tenant migrations, so it equals code_fingerprint() exactly
    when every tenant migration in the code is applied there.
    """
    wanted = _code_tenant_migrations()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"{quote_ident(schema_name)}.django_migrations"])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT app, name FROM {quote_ident(schema_name)}.django_migrations")
        applied = {(app, name) for app, name in cursor.fetchall()}
    return _fingerprint_of(applied & wanted)


def _ensure_state_tables(cursor) -> None:
    global _state_tables_ready
    if _state_tables_ready:
        return
    cursor.execute(
        f"""
        CREATE TABLE IF NOT EXISTS public.{STATE_TABLE} (
            schema_name varchar(63) PRIMARY KEY,
            fingerprint varchar(64) NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE IF NOT EXISTS public.{DDL_TABLE} (
            fingerprint varchar(64) PRIMARY KEY,
            script text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """
    )
    # Only trust the flag outside a transaction: a rolled-back CREATE TABLE would leave it wrong.
    if connection.get_autocommit():
        _state_tables_ready = True


def record_schema_fingerprint(schema_name: str, fingerprint: str | None = None) -> None:
    fingerprint = fingerprint or schema_fingerprint(schema_name)
    if fingerprint is None:
        return
    with connection.cursor() as cursor:
        _ensure_state_tables(cursor)
        cursor.execute(
            f"INSERT INTO public.{STATE_TABLE} (schema_name, fingerprint) VALUES (%s, %s) "
            "ON CONFLICT (schema_name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, recorded_at = now()",
            [schema_name, fingerprint],
        )


def recorded_fingerprint(schema_name: str) -> str | None:
    with connection.cursor() as cursor:
        _ensure_state_tables(cursor)
        cursor.execute(f"SELECT fingerprint FROM public.{STATE_TABLE} WHERE schema_name = %s", [schema_name])
        row = cursor.fetchone()
    return row[0] if row else None


def stale_tenant_schemas() -> list[str]:
    """Existing tenant schemas whose recorded fingerprint differs from the code's. One query."""
    table = get_tenant_model()._meta.db_table
    with connection.cursor() as cursor:
        _ensure_state_tables(cursor)
        cursor.execute(
            f"""
            SELECT u.schema_name
            FROM public.{quote_ident(table)} u
            JOIN pg_catalog.pg_namespace n ON n.nspname = u.schema_name
            LEFT JOIN public.{STATE_TABLE} s ON s.schema_name = u.schema_name
            WHERE u.schema_name <> %s AND s.fingerprint IS DISTINCT FROM %s
            ORDER BY u.schema_name
            """,
            [get_public_schema_name(), code_fingerprint()],
        )
        return [row[0] for row in cursor.fetchall()]


def on_schema_migrated(sender, schema_name: str, **kwargs) -> None:
    """django-tenants `schema_migrated` receiver: every migrated tenant schema records its fingerprint."""
    if schema_name != get_public_schema_name():
        record_schema_fingerprint(schema_name)


def schema_exists(schema_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = %s)", [schema_name]
        )
        return cursor.fetchone()[0]


# --- the template -----------------------------------------------------------------------------------------


@contextmanager
def _template_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_TEMPLATE_LOCK_KEY])
    try:
        yield
    finally:
        # django-tenants closes the connection after migrating outside a transaction, which already
        # released the session lock; unlocking then is a harmless no-op on the new connection.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_TEMPLATE_LOCK_KEY])


def template_schema_ensure() -> str:
    """Make sure the template schema exists and carries every tenant migration. Returns its fingerprint.

    Cheap when current (two small queries); otherwise migrates the template with django-tenants under an
    advisory lock, so concurrent callers do it once.
    """
    template = template_schema_name()
    fingerprint = code_fingerprint()
    if schema_exists(template) and recorded_fingerprint(template) == fingerprint:
        return fingerprint
    with _template_lock():
        if schema_exists(template) and recorded_fingerprint(template) == fingerprint:
            return fingerprint
        from .migration_replay import capture

        before = None
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {quote_ident(template)}")
        else:
            before = recorded_fingerprint(template)
        logger.info("migrating template schema %s", template)
        # What the template's migration executes is kept for replay in the stale union schemas.
        with capture(template, before, fingerprint):
            call_command("migrate_schemas", schema_name=template, interactive=False, verbosity=0)
        actual = schema_fingerprint(template)
        if actual != fingerprint:
            raise TemplateError(
                f"template schema {template} is not fully migrated ({actual} != {fingerprint})"
            )
        record_schema_fingerprint(template, fingerprint)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM public.{DDL_TABLE} WHERE fingerprint LIKE %s", [f"{fingerprint}/%"])
        with _scripts_lock:
            _scripts.pop(fingerprint, None)
    return fingerprint


def template_script() -> tuple[str, str]:
    """(fingerprint, DDL script body) for the current tenant migrations; built at most once per fingerprint."""
    fingerprint = code_fingerprint()
    cache_key = f"{fingerprint}/v{SCRIPT_FORMAT}"
    script = _scripts.get(fingerprint)
    if script is not None:
        return fingerprint, script
    with _scripts_lock:
        script = _scripts.get(fingerprint)
        if script is None:
            template_schema_ensure()
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT script FROM public.{DDL_TABLE} WHERE fingerprint = %s", [cache_key])
                row = cursor.fetchone()
            if row:
                script = row[0]
            else:
                script = build_template_script(template_schema_name())
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO public.{DDL_TABLE} (fingerprint, script) VALUES (%s, %s) "
                        "ON CONFLICT (fingerprint) DO NOTHING",
                        [cache_key, script],
                    )
            _scripts[fingerprint] = script
    return fingerprint, script


def schema_create_from_template(schema_name: str) -> None:
    """CREATE SCHEMA and replay the template's DDL and seeded rows in one round trip; records the fingerprint.

    Runs inside a transaction (joins the caller's), so a failure leaves no half-built schema.
    """
    validate_schema_name(schema_name)
    fingerprint, script = template_script()
    name = quote_ident(schema_name)
    sql = (
        f"CREATE SCHEMA {name};\n"
        f"SET LOCAL search_path TO {name};\n"
        f"{script}\n"
        f"INSERT INTO public.{STATE_TABLE} (schema_name, fingerprint) "
        f"VALUES ({quote_literal(schema_name)}, {quote_literal(fingerprint)}) "
        "ON CONFLICT (schema_name) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, recorded_at = now();\n"
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)
        # Our SET LOCAL lasts until the outer transaction ends; make django-tenants set its own path again.
        connection.search_path_set_schemas = None


# --- DDL generation from the catalog ----------------------------------------------------------------------


def _fetch(cursor, sql: str, params=None) -> list[tuple]:
    cursor.execute(sql, params or [])
    return cursor.fetchall()


def _check_supported(cursor, ns: int) -> None:
    """Refuse to build a script that would silently miss objects the cloner does not copy."""
    checks = {
        "relations other than tables, sequences and indexes": """
            SELECT relname FROM pg_class WHERE relnamespace = %s AND relkind NOT IN ('r', 'S', 'i')""",
        "functions": "SELECT proname FROM pg_proc WHERE pronamespace = %s",
        "user-defined types": """
            SELECT typname FROM pg_type t WHERE typnamespace = %s AND typrelid = 0
              AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.oid = t.typelem AND e.typrelid <> 0)""",
        "triggers": """
            SELECT tgname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
            WHERE c.relnamespace = %s AND NOT g.tgisinternal""",
        "rules": """
            SELECT rulename FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace = %s""",
        "row-level security": """
            SELECT relname FROM pg_class WHERE relnamespace = %s AND (relrowsecurity OR relforcerowsecurity)""",
        "extended statistics": "SELECT stxname FROM pg_statistic_ext WHERE stxnamespace = %s",
        "table inheritance": """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relnamespace = %s""",
    }
    for what, sql in checks.items():
        found = _fetch(cursor, sql, [ns])
        if found:
            names = ", ".join(sorted(str(r[0]) for r in found))
            raise TemplateError(f"template holds {what} ({names}); teach schema_template.py to copy them")


def _sequence_options(row, *, with_type: bool = True) -> str:
    seqtype, start, increment, minvalue, maxvalue, cache, cycle = row
    # An identity sequence takes the column's type; naming it there is an error.
    return (
        f"{f'AS {seqtype} ' if with_type else ''}START WITH {int(start)} INCREMENT BY {int(increment)} MINVALUE {int(minvalue)} "
        f"MAXVALUE {int(maxvalue)} CACHE {int(cache)} {'CYCLE' if cycle else 'NO CYCLE'}"
    )


def build_template_script(template: str) -> str:
    """Generate the schema-independent DDL + data script from the template's catalog."""
    statements: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        # Only the template on the path: its own objects print unqualified, everything else qualified.
        cursor.execute(f"SET LOCAL search_path TO {quote_ident(template)}")
        row = _fetch(
            cursor, "SELECT oid, quote_ident(nspname) FROM pg_namespace WHERE nspname = %s", [template]
        )
        if not row:
            raise TemplateError(f"template schema {template} does not exist")
        ns, qtemplate = row[0]
        _check_supported(cursor, ns)

        tables = _fetch(
            cursor,
            """SELECT c.oid, c.relname, quote_ident(c.relname), c.relpersistence, c.reloptions,
                      obj_description(c.oid, 'pg_class')
               FROM pg_class c WHERE c.relnamespace = %s AND c.relkind = 'r' ORDER BY c.relname""",
            [ns],
        )
        table_oids = [t[0] for t in tables]

        sequences = _fetch(
            cursor,
            """SELECT c.oid, quote_ident(c.relname), format_type(s.seqtypid, NULL), s.seqstart,
                      s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                      d.deptype, d.refobjid, quote_ident(a.attname), ps.last_value
               FROM pg_class c
               JOIN pg_sequence s ON s.seqrelid = c.oid
               JOIN pg_sequences ps ON ps.schemaname = %s AND ps.sequencename = c.relname
               LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
               LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
               WHERE c.relnamespace = %s AND c.relkind = 'S' ORDER BY c.relname""",
            [template, ns],
        )
        identity_seq = {}  # (table oid, quoted column) -> (quoted sequence name, options)
        for _oid, qname, *opts, deptype, owner, qcol, _last in sequences:
            if deptype == "i":
                identity_seq[(owner, qcol)] = (qname, _sequence_options(opts, with_type=False))
            else:
                statements.append(f"CREATE SEQUENCE {qname} {_sequence_options(opts)};")

        columns: dict[int, list[tuple]] = {oid: [] for oid in table_oids}
        for rel, qcol, coltype, notnull, default, identity, generated, collation, comment in _fetch(
            cursor,
            """SELECT a.attrelid, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), a.attnotnull,
                      pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                      CASE WHEN a.attcollation <> t.typcollation THEN
                          (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                           FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                           WHERE co.oid = a.attcollation) END,
                      col_description(a.attrelid, a.attnum)
               FROM pg_attribute a
               JOIN pg_type t ON t.oid = a.atttypid
               LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
               ORDER BY a.attrelid, a.attnum""",
            [table_oids],
        ):
            columns[rel].append((qcol, coltype, notnull, default, identity, generated, collation, comment))

        # Keys and checks go inline into CREATE TABLE: fewer statements than one ALTER TABLE each.
        inline: dict[int, list[str]] = {oid: [] for oid in table_oids}
        foreign_keys: dict[str, list[str]] = {}
        for rel, qtable, qcon, contype, definition in _fetch(
            cursor,
            """SELECT c.oid, quote_ident(c.relname), quote_ident(k.conname), k.contype, pg_get_constraintdef(k.oid)
               FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
               WHERE c.relnamespace = %s AND k.contype <> 'n'
               ORDER BY c.relname, k.conname""",
            [ns],
        ):
            if contype == "f" or definition.endswith("NOT VALID"):
                foreign_keys.setdefault(qtable, []).append(f"ADD CONSTRAINT {qcon} {definition}")
            else:
                inline[rel].append(f"CONSTRAINT {qcon} {definition}")

        comments: list[str] = []
        for oid, _name, qtable, persistence, reloptions, table_comment in tables:
            parts = []
            for qcol, coltype, notnull, default, identity, generated, collation, comment in columns[oid]:
                col = f"{qcol} {coltype}"
                if collation:
                    col += f" COLLATE {collation}"
                if generated == "s":
                    col += f" GENERATED ALWAYS AS ({default}) STORED"
                elif default is not None:
                    col += f" DEFAULT {default}"
                if identity:
                    seq_name, seq_opts = identity_seq[(oid, qcol)]
                    kind = "ALWAYS" if identity == "a" else "BY DEFAULT"
                    col += f" GENERATED {kind} AS IDENTITY (SEQUENCE NAME {seq_name} {seq_opts})"
                if notnull:
                    col += " NOT NULL"
                parts.append(col)
                if comment is not None:
                    comments.append(f"COMMENT ON COLUMN {qtable}.{qcol} IS {quote_literal(comment)};")
            parts.extend(inline[oid])
            unlogged = "UNLOGGED " if persistence == "u" else ""
            with_opts = f" WITH ({', '.join(reloptions)})" if reloptions else ""
            statements.append(
                f"CREATE {unlogged}TABLE {qtable} (\n  " + ",\n  ".join(parts) + f"\n){with_opts};"
            )
            if table_comment is not None:
                comments.append(f"COMMENT ON TABLE {qtable} IS {quote_literal(table_comment)};")

        table_names = {t[0]: t[2] for t in tables}
        for _oid, qname, *_opts, deptype, owner, qcol, _last in sequences:
            if deptype == "a":
                statements.append(f"ALTER SEQUENCE {qname} OWNED BY {table_names[owner]}.{qcol};")

        # Rows the migrations seeded, as literals (text I/O round trip, cast back to the column type).
        for oid, _name, qtable, *_rest in tables:
            cols = [c for c in columns[oid] if c[5] != "s"]
            exprs = ", ".join(f"quote_nullable({c[0]}::text)" for c in cols)
            rows = _fetch(cursor, f"SELECT ARRAY[{exprs}] FROM {qtable} ORDER BY {cols[0][0]}")
            if not rows:
                continue
            overriding = " OVERRIDING SYSTEM VALUE" if any(c[4] for c in cols) else ""
            values = ",\n".join(
                "(" + ", ".join(f"{lit}::{c[1]}" for lit, c in zip(r[0], cols, strict=True)) + ")"
                for r in rows
            )
            col_list = ", ".join(c[0] for c in cols)
            statements.append(f"INSERT INTO {qtable} ({col_list}){overriding} VALUES\n{values};")

        positions = [
            f"pg_catalog.setval({quote_literal(qname)}, {int(last_value)}, true)"
            for _oid, qname, *_opts, _deptype, _owner, _qcol, last_value in sequences
            if last_value is not None
        ]
        if positions:
            statements.append("SELECT " + ", ".join(positions) + ";")

        # Foreign keys (and NOT VALID checks) last, one statement per table: they need the referenced keys.
        for qtable, clauses in foreign_keys.items():
            statements.append(f"ALTER TABLE {qtable} " + ", ".join(clauses) + ";")

        for qindex, qtable, unique, definition in _fetch(
            cursor,
            """SELECT quote_ident(ic.relname), quote_ident(tc.relname), i.indisunique, pg_get_indexdef(i.indexrelid)
               FROM pg_index i
               JOIN pg_class ic ON ic.oid = i.indexrelid
               JOIN pg_class tc ON tc.oid = i.indrelid
               WHERE tc.relnamespace = %s
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                                 AND k.contype IN ('p', 'u', 'x'))
               ORDER BY ic.relname""",
            [ns],
        ):
            # pg_get_indexdef always schema-qualifies the table; drop exactly that qualification.
            head = f"CREATE {'UNIQUE ' if unique else ''}INDEX {qindex} ON "
            qualified = f"{head}{qtemplate}.{qtable} "
            if not definition.startswith(qualified):
                raise TemplateError(f"unexpected index definition: {definition}")
            statements.append(f"{head}{qtable} {definition[len(qualified) :]};")

        for qindex, comment in _fetch(
            cursor,
            """SELECT quote_ident(c.relname), obj_description(c.oid, 'pg_class') FROM pg_class c
               WHERE c.relnamespace = %s AND c.relkind = 'i'
                 AND obj_description(c.oid, 'pg_class') IS NOT NULL""",
            [ns],
        ):
            comments.append(f"COMMENT ON INDEX {qindex} IS {quote_literal(comment)};")
        statements.extend(comments)
    connection.search_path_set_schemas = None
    return "\n".join(statements)
