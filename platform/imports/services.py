"""Writes for imports and exports. GraphQL creates jobs; the Celery tasks in workers/jobs/imports.py run them.

A run streams the file, validates row by row with the kind's importer, and commits batches of rows: each batch's
accepted rows, its rejected rows and the job's counters (with `committed_batches`) in one transaction. A run that
dies (worker killed, database gone) leaves whole batches only; running the job again skips the committed batches
and continues, so no row is ever written twice.
"""

from __future__ import annotations

import contextlib
import logging

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, tenant_context

from files.checks import TEXT, XLSX, file_check_upload
from files.keys import federation_file_key, tenant_file_key
from files.selectors import file_read
from files.services import file_store
from unionhub.errors import DomainValidationError, ServiceUnavailable
from unionhub.spreadsheets import export_xlsx

from .models import ExportJob, ExportStatus, ImportJob, ImportRejection, ImportStatus
from .registry import NODE, TENANT, CellError, Importer, importer_get
from .rejections import rejection_new
from .tabular import TableError, is_formula, map_headers, open_table

logger = logging.getLogger("unionhub.imports")

# A failure worth running the job again for (the run stopped mid-way); other failure codes are final.
INTERRUPTED = "interrupted"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _Superseded(Exception):
    """Another run of the same job committed this batch first: this run stops without writing."""


class BatchConflict(Exception):
    """A batch's write was refused because the data changed since it was validated (a row written meanwhile by
    someone else). The batch rolled back whole; running the job again re-validates it against the new data."""


def _importer_for(kind: str) -> Importer:
    try:
        return importer_get(kind)
    except LookupError:
        raise DomainValidationError.single("kind", "unknown_kind", _("不支持的导入导出类型。")) from None


def _check_scope(importer: Importer, union, node) -> None:
    if importer.scope == TENANT:
        if union is None:
            raise DomainValidationError.single("union", "required", _("请选择基层工会。"))
        if union.status != "active":
            raise DomainValidationError.single(
                "union", "union_not_active", _("该工会尚未开通或已停用，暂不能导入导出。")
            )
    elif node is None:
        raise DomainValidationError.single("node", "required", _("请选择组织节点。"))


def _file_key(job, area: str, natural: list, filename: str) -> str:
    # Job ids are sequential: the keys carry an unguessable part (files.keys), so an id does not name the object.
    if job.union_id is not None:
        return tenant_file_key(job.union.schema_name, area, natural, filename, unguessable=True)
    return federation_file_key(job.node_id, area, natural, filename, unguessable=True)


@contextlib.contextmanager
def _job_scope(job, importer: Importer):
    """Tenant importers run inside the union's schema (public tables stay reachable on its search path)."""
    if importer.scope == TENANT:
        with tenant_context(job.union):
            yield
    else:
        with schema_context("public"):
            yield


# --- Imports -------------------------------------------------------------------------------------------------


def import_job_create(*, kind: str, filename: str, content, user=None, union=None, node=None) -> ImportJob:
    """Check the upload (size, real type, encoding) and record a queued job with the file stored.

    The caller enqueues `jobs.imports.import_job_run_task` after commit. Nothing is stored when the file is refused.
    """
    importer = _importer_for(kind)
    _check_scope(importer, union, node)
    checked = file_check_upload(
        area="imports", filename=filename, content=content, allowed_kinds={XLSX, TEXT}
    )
    if checked.extension not in ("xlsx", "csv"):
        raise DomainValidationError.single(
            "file", "file_type_not_allowed", _("只能导入 Excel (.xlsx) 或 CSV 文件。")
        )
    with transaction.atomic():
        job = ImportJob.objects.create(
            union=union if importer.scope == TENANT else None,
            node=node if importer.scope == NODE else None,
            kind=kind,
            file_name=checked.filename,
            file_format="xlsx" if checked.kind == XLSX else "csv",
            encoding=checked.encoding or "",
            user=user if getattr(user, "pk", None) else None,
        )
        job.file_key = _file_key(job, "imports", [job.pk, "source"], checked.filename)
        file_store(
            key=job.file_key,
            content=checked.content,
            content_type=checked.content_type,
            original_name=checked.filename,
        )
        job.save(update_fields=["file_key", "updated_at"])
    return job


def _runnable(job: ImportJob) -> bool:
    if job.status == ImportStatus.DONE:
        return False
    return job.status != ImportStatus.FAILED or job.error_code == INTERRUPTED


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run (or resume) an import job. Idempotent: a finished job is left alone, an interrupted one continues
    after its last committed batch. Returns the job, or None when it no longer exists."""
    with schema_context("public"):
        job = ImportJob.objects.select_related("union", "node", "user").filter(pk=job_id).first()
    if job is None or not _runnable(job):
        return job
    importer = importer_get(job.kind)
    with _job_scope(job, importer):
        try:
            _run(job, importer)
        except TableError as exc:
            error = exc.errors[0]
            _fail(job, error.code, error.message)
        except _Superseded:
            logger.info("import job %s: another run committed the same batch; this run stops", job.pk)
        except (OperationalError, InterfaceError, ServiceUnavailable):
            raise  # the database or file storage went away: the task retries, resuming after the last batch
        except Exception:
            logger.exception("import job %s interrupted", job.pk)
            _fail(
                job,
                INTERRUPTED,
                _("导入中断（系统内部错误）。已写入的数据会保留，重新运行时从中断处继续，不会重复写入。"),
            )
            raise
    job.refresh_from_db()
    return job


def _update(job: ImportJob, **fields) -> None:
    fields["updated_at"] = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _fail(job: ImportJob, code: str, message) -> None:
    with transaction.atomic():
        _update(
            job,
            status=ImportStatus.FAILED,
            error_code=code,
            error_message=str(message),
            finished_at=timezone.now(),
        )


def _run(job: ImportJob, importer: Importer) -> None:
    resuming = job.committed_batches > 0
    _update(
        job,
        status=ImportStatus.WRITING if resuming else ImportStatus.VALIDATING,
        started_at=job.started_at or timezone.now(),
        error_code="",
        error_message="",
    )
    table = open_table(file_read(key=job.file_key), job.file_format, job.encoding)
    columns = map_headers(table.header, importer)
    _update(job, headers=table.header, total_rows=max(table.estimated_rows, job.processed_rows))
    run = _Run(job, importer, table.header, columns, importer.prepare(job.union, user=job.user))

    batch: list[tuple[int, list[str]]] = []
    for number, cells in table.rows():
        if not any(cells):
            continue  # blank rows (Excel keeps formatted empty rows) are not data
        batch.append((number, cells))
        if len(batch) >= importer.batch_size:
            run.batch(batch)
            batch = []
    if batch:
        run.batch(batch)
    if run.index == 0:
        raise TableError.of("no_data", _("文件中只有表头，没有数据行。"))
    _finish(job, importer)


class _Run:
    """State of one pass over the file: batch counter, first row number of each natural key, importer ctx."""

    def __init__(self, job, importer, header, columns, ctx):
        self.job, self.importer, self.header, self.columns, self.ctx = job, importer, header, columns, ctx
        self.index = 0
        self.first_row: dict[tuple, int] = {}
        required = set(importer.required_fields)
        self.key_fields = list(importer.natural_key)
        self.key_required = [f for f in self.key_fields if f in required] or self.key_fields
        self.key_label = "、".join(importer.header_for(f) for f in self.key_fields)

    def _column(self, index: int) -> str:
        text = self.header[index] if index < len(self.header) else ""
        return text or _("第%(n)s列") % {"n": index + 1}

    def _row(self, cells: list[str]) -> dict[str, str]:
        row = dict.fromkeys(self.importer.headers.values(), "")  # optional columns absent from the file: ""
        for field, i in self.columns.items():
            if i < len(cells):
                row[field] = cells[i]
        return row

    def _key(self, row: dict[str, str]) -> tuple | None:
        if not self.key_fields or not all(row[f] for f in self.key_required):
            return None  # an empty key is reported by the validator (missing value), not as a duplicate
        return tuple(self.importer.natural_key_normalise(f, row[f]) for f in self.key_fields)

    def batch(self, rows: list[tuple[int, list[str]]]) -> None:
        index = self.index
        self.index += 1
        if index < self.job.committed_batches:
            # Written by an earlier run: only remember its keys so later duplicates name the same first row.
            for number, cells in rows:
                key = self._key(self._row(cells))
                if key is not None:
                    self.first_row.setdefault(key, number)
            return

        accepted, accepted_cells, rejected = [], [], []
        mapped = [(number, cells, self._row(cells)) for number, cells in rows]
        self.importer.prepare_batch([row for _n, _c, row in mapped], self.ctx)
        for number, cells, row in mapped:
            errors = [
                CellError(
                    self._column(i),
                    _("内容以“%(char)s”开头，可能是公式；为安全起见不导入公式，请改为纯文本。")
                    % {"char": text[0]},
                )
                for i, text in enumerate(cells)
                if is_formula(text)
            ]
            key = self._key(row)
            if key is not None:
                first = self.first_row.setdefault(key, number)
                if first != number and not errors:
                    errors = [
                        CellError(
                            "",
                            _("与第%(row)s行重复（%(columns)s相同）。")
                            % {"row": first, "columns": self.key_label},
                        )
                    ]
            clean = None
            if not errors:
                clean, errors = self.importer.validate(row, self.ctx)
            if errors:
                rejected.append(
                    rejection_new(
                        job_id=self.job.pk,
                        row_number=number,
                        cells=cells,
                        reason="；".join(str(e) for e in errors),
                    )
                )
            else:
                accepted.append(clean)
                accepted_cells.append((number, cells))

        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().only("committed_batches").get(pk=self.job.pk)
            if locked.committed_batches != index:
                raise _Superseded
            outcomes = {}
            if accepted:
                try:
                    outcomes = self.importer.write_batch(accepted, self.ctx) or {}
                except DomainValidationError as exc:
                    raise BatchConflict(str(exc)) from exc
            # Valid rows the importer did not write as records (e.g. turned into transfer requests) go to the
            # error file with their reason, in the same transaction.
            transfers = sum(1 for outcome in outcomes.values() if outcome.transfer_requested)
            for i, outcome in sorted(outcomes.items()):
                number, cells = accepted_cells[i]
                rejected.append(
                    rejection_new(job_id=self.job.pk, row_number=number, cells=cells, reason=outcome.reason)
                )
            if rejected:
                ImportRejection.objects.bulk_create(rejected)
            ImportJob.objects.filter(pk=self.job.pk).update(
                status=ImportStatus.WRITING,
                committed_batches=index + 1,
                processed_rows=F("processed_rows") + len(rows),
                accepted_rows=F("accepted_rows") + len(accepted) - len(outcomes),
                rejected_rows=F("rejected_rows") + len(rejected) - transfers,
                transfers_requested=F("transfers_requested") + transfers,
                updated_at=timezone.now(),
            )
        self.job.committed_batches = index + 1


def _finish(job: ImportJob, importer: Importer) -> None:
    job.refresh_from_db()
    # No error file is stored: it is built from the (masked, encrypted) rejections for each download
    # (imports.rejections), so identity numbers never sit in clear in the file store.
    with transaction.atomic():
        _update(job, status=ImportStatus.DONE, total_rows=job.processed_rows, finished_at=timezone.now())
    logger.info("import job %s done: %s accepted, %s rejected", job.pk, job.accepted_rows, job.rejected_rows)


# --- Exports -------------------------------------------------------------------------------------------------


def export_job_create(*, kind: str, user=None, union=None, node=None) -> ExportJob:
    """Record a queued export; the caller enqueues `jobs.imports.export_job_run_task` after commit."""
    importer = _importer_for(kind)
    _check_scope(importer, union, node)
    return ExportJob.objects.create(
        union=union if importer.scope == TENANT else None,
        node=node if importer.scope == NODE else None,
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
    )


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the export file (deterministic key, so a rerun overwrites it) and mark the job done."""
    with schema_context("public"):
        job = ExportJob.objects.select_related("union", "node").filter(pk=job_id).first()
    if job is None or job.status == ExportStatus.DONE:
        return job
    importer = importer_get(job.kind)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)
    counter = {"rows": 0}

    def counted(rows):
        for row in rows:
            counter["rows"] += 1
            yield row

    with _job_scope(job, importer):
        try:
            content = export_xlsx(
                importer.export_headers,
                counted(importer.export_rows(job.union if job.union_id else job.node)),
                sheet_title=str(importer.label),
            )
            # The key is fixed per job (a rerun overwrites it); the dated name is what the download is called.
            key = _file_key(job, "exports", [job.pk], f"{importer.file_stem}.xlsx")
            filename = f"{importer.file_stem}-{timezone.localdate():%Y%m%d}.xlsx"
            file_store(key=key, content=content, content_type=XLSX_CONTENT_TYPE, original_name=filename)
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.exception("export job %s failed", job.pk)
            ExportJob.objects.filter(pk=job.pk).update(
                status=ExportStatus.FAILED,
                error_message=str(_("导出失败（系统内部错误），请稍后重试。")),
                finished_at=timezone.now(),
            )
            raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE,
        row_count=counter["rows"],
        file_key=key,
        file_name=filename,
        error_message="",
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job
