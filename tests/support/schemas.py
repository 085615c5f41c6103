"""A schema's structure as comparable text, for proving two schemas (provisioned, migrated, replayed) equal."""

from django.db import connection


def schema_catalog(schema: str) -> dict:
    """Everything a schema's structure is made of, with its own name replaced by <S>."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", [schema])
        ns = cursor.fetchone()[0]

        def rows(sql, params=None):
            cursor.execute(sql, [ns] if params is None else params)
            text = repr(sorted(cursor.fetchall()))
            return text.replace(f'"{schema}".', "<S>.").replace(f"{schema}.", "<S>.")

        return {
            "relations": rows(
                "SELECT relname, relkind, relpersistence, reloptions FROM pg_class WHERE relnamespace = %s"
            ),
            "columns": rows(
                """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                          pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, a.attcollation,
                          rank() OVER (PARTITION BY c.oid ORDER BY a.attnum)
                   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                   WHERE c.relnamespace = %s AND a.attnum > 0 AND NOT a.attisdropped"""
            ),
            "constraints": rows(
                """SELECT c.relname, k.conname, k.contype, k.condeferrable, k.condeferred,
                          pg_get_constraintdef(k.oid)
                   FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = %s"""
            ),
            "indexes": rows("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s", [schema]),
            "sequences": rows(
                """SELECT sequencename, data_type, start_value, min_value, max_value, increment_by, cycle,
                          cache_size, last_value
                   FROM pg_sequences WHERE schemaname = %s""",
                [schema],
            ),
            "sequence_owners": rows(
                """SELECT s.relname, d.deptype, t.relname, a.attname
                   FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
                        AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
                   JOIN pg_class t ON t.oid = d.refobjid
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                   WHERE s.relnamespace = %s AND s.relkind = 'S'"""
            ),
            "migrations": rows(f'SELECT app, name FROM "{schema}".django_migrations', []),
            "content_types": rows(f'SELECT id, app_label, model FROM "{schema}".django_content_type', []),
        }
