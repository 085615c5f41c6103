"""Bulk inserts with PostgreSQL COPY (psycopg 3): several times faster than INSERT for import batches, roll-up
snapshots and assessment results.

Ids are taken from the table's sequence first, so callers know every new row's id before the COPY (children
can point at parents in the same batch). Runs on the current connection and transaction: a failed batch rolls
back with everything else in it. Model defaults and auto_now(_add) are NOT applied: pass every column (a column
left out gets the database default, e.g. the id from its sequence). Errors come out as Django's database errors
(IntegrityError for a unique constraint), as from the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from django.db import connection


def _escape(value: str) -> str:
    # str.replace rather than str.translate with a mapping: on the ~1 MB of JSON text a 1,000-union assessment
    # round writes, translate took 3.4 s and replace 0.05 s.
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


# COPY's text format, written here rather than with psycopg's write_row (a dumper lookup per value): at 100,000
# rows that is seconds. Only the types import and result rows hold; anything else is refused rather than guessed.
_FORMATS = {
    str: _escape,
    int: str,
    bool: lambda value: "t" if value else "f",
    float: repr,
    Decimal: str,
    date: date.isoformat,
    datetime: datetime.isoformat,  # aware datetimes carry their offset
    time: time.isoformat,
    type(None): lambda value: "\\N",
}
_CHUNK_ROWS = 500  # sent while the next rows are made, so the server inserts while Python works


def _subclass_text(value) -> str:
    # E.g. a TextChoices member (a str) or a SafeString: formatted as its base type.
    for base in type(value).__mro__[1:]:
        if base in _FORMATS:
            return _FORMATS[base](value)
    raise TypeError(f"COPY cannot write a {type(value)!r} value")


def _line(row: Sequence) -> str:
    return "\t".join([_FORMATS.get(type(value), _subclass_text)(value) for value in row]) + "\n"


def ids_reserve(model, count: int) -> list[int]:
    """`count` fresh primary keys from the model's id sequence (in the connection's current schema)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # One array rather than `count` result rows: a 1,000-id batch costs one row to fetch.
        cursor.execute(
            "SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) FROM generate_series(1, %s)",
            [table, count],
        )
        return cursor.fetchone()[0]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY `rows` into `table` (already quoted / schema-qualified as needed, e.g. a temporary table). Values:
    str, int, bool, float, Decimal, date, datetime, time, None (NULL)."""
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    count = 0
    chunk: list[str] = []
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                chunk.append(_line(row))
                if len(chunk) >= _CHUNK_ROWS:
                    copy.write("".join(chunk))
                    count += len(chunk)
                    chunk = []
            if chunk:
                copy.write("".join(chunk))
                count += len(chunk)
    return count


def copy_insert(model, columns: Sequence[str], rows: Sequence[Sequence]) -> int:
    """COPY `rows` (tuples in `columns` order; Python values, None for NULL) into the model's table."""
    if not rows:
        return 0
    return copy_rows(connection.ops.quote_name(model._meta.db_table), columns, rows)
