"""COPY for result rows. Like imports.copy.copy_rows, but escaping with str.replace: the breakdowns are ~1 MB of
text per 1,000 results, and str.translate with a mapping table takes seconds on that (measured: 3.4 s vs 0.05 s)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.db import connection


def _text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot COPY a {type(value)!r}")


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
            chunk: list[str] = []
            for row in rows:
                chunk.append("\t".join(_text(value) for value in row) + "\n")
                if len(chunk) >= 500:
                    copy.write("".join(chunk))
                    chunk = []
            if chunk:
                copy.write("".join(chunk))
