"""Importers by kind. Each tabular data kind registers one:

    @importer("branches")
    class BranchImporter(Importer):
        label = _("分会/小组")
        headers = {"名称": "name", "类型": "kind", ...}   # Chinese header -> field (aliases allowed)
        required = ("名称", "类型")
        natural_key = ("parent_name", "name")          # fields; a repeat within the file is rejected
        def prepare(self, union, *, user=None): ...    # prefetch lookups once -> ctx
        def validate(self, row, ctx): ...              # -> (clean, []) or (None, [CellError, ...])
        def write_batch(self, rows, ctx): ...          # bulk write of clean rows (inside the batch transaction);
                                                       # may return {row index: RowOutcome} for rows not written
        def export_rows(self, union): ...              # rows for export, in `export_headers` order

`validate` gets the row as {field: text} (cells stripped, "" when empty) and may record what it accepted in ctx
(later rows in the file can refer to earlier ones). Tenant importers run inside the union's schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accounts.access import Perm

TENANT = "tenant"
NODE = "node"


@dataclass(frozen=True)
class CellError:
    """A problem with one cell: `column` is the Chinese header, `message` says what is wrong (Chinese)."""

    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.column}：{self.message}" if self.column else self.message


@dataclass(frozen=True)
class RowOutcome:
    """A valid row that `write_batch` handled without writing it as a record, e.g. a person who holds membership in
    another union became a transfer request. It is listed in the job's error file with `reason` and counted in
    ImportJob.transfers_requested when `transfer_requested`, else in rejected_rows."""

    reason: str
    transfer_requested: bool = False


class Importer:
    kind: str = ""
    label = ""  # what is imported, shown to users, e.g. "分会/小组"
    scope: str = TENANT
    # Who may import and export this kind (on the job's union or node).
    perm: Perm = Perm.UNION_MANAGE
    file_stem: str = "export"  # download file names: <stem>-<date>.xlsx
    headers: dict[str, str] = {}
    required: tuple[str, ...] = ()
    natural_key: tuple[str, ...] = ()
    batch_size: int = 1000

    def prepare(self, union, *, user=None):
        """Lookups for the whole file, fetched once (`user`: who started the import)."""
        return None

    def prepare_batch(self, rows: list[dict], ctx) -> None:
        """Optional: lookups for one batch of rows before they are validated (e.g. one query for their keys)."""

    def natural_key_normalise(self, field: str, value: str) -> str:
        return value

    def validate(self, row: dict[str, str], ctx) -> tuple[dict | None, list[CellError]]:
        raise NotImplementedError

    def write_batch(self, rows: list[dict], ctx) -> dict[int, RowOutcome] | None:
        """Write the batch's clean rows. Rows handled otherwise are returned by their index in `rows`."""
        raise NotImplementedError

    # Export: the canonical headers (first header of each field), rows in the same order.
    @property
    def export_headers(self) -> list[str]:
        seen, result = set(), []
        for header, field in self.headers.items():
            if field not in seen:
                seen.add(field)
                result.append(header)
        return result

    def export_rows(self, union) -> Iterable[list]:
        raise NotImplementedError

    def header_for(self, field: str) -> str:
        """The canonical Chinese header of a field (for messages)."""
        return next(header for header, f in self.headers.items() if f == field)

    @property
    def required_fields(self) -> list[str]:
        return list(dict.fromkeys(self.headers[header] for header in self.required))


_importers: dict[str, Importer] = {}


def importer(kind: str):
    """Class decorator: register an Importer subclass under `kind`."""

    def register(cls):
        existing = _importers.get(kind)
        if existing is not None and type(existing).__qualname__ != cls.__qualname__:
            raise ValueError(f"importer {kind!r} is already registered by {type(existing)!r}")
        instance = cls()
        instance.kind = kind
        missing = [h for h in cls.required if h not in cls.headers]
        if missing:
            raise ValueError(f"importer {kind!r}: required headers {missing} are not in its headers map")
        _importers[kind] = instance
        return cls

    return register


def importer_get(kind: str) -> Importer:
    try:
        return _importers[kind]
    except KeyError:
        raise LookupError(f"unknown importer {kind!r}") from None


def importer_kinds() -> list[str]:
    return list(_importers)
