"""Rejected import rows (ImportRejection) and the error file built from them, without identity numbers in clear.

A rejected row keeps its cells for the error file, so the uploader can correct and re-import them. Cells that hold
an identity number (any run of 15-19 digits, an X allowed last: a mistyped number is still someone's number) are
stored masked in `values`; the original cells are encrypted together in `id_number_encrypted` with the identity
encryption of people.identity (the same keys as members' numbers, rotated by `members_reencrypt`).

The error file is built when it is downloaded (never stored): the full cells for the uploader and for whoever
manages the job's union (or node), masked cells for everyone else who may see the job; each download is audited.
The link is signed, short-lived and bound to the user (and API-token scopes) it was issued to.
Rejections are deleted after `UNIONHUB_IMPORT_REJECTION_RETENTION_DAYS` (beat task jobs.imports.purge).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import AccessDenied, Actor, Perm
from people.identity import mask_id
from unionhub.secrets import secret_decrypt, secret_encrypt

from .models import ImportJob, ImportRejection, ImportStatus

ERROR_COLUMN = "错误原因"
ROW_NUMBER_COLUMN = "原行号"
LINK_SALT = "unionhub.imports.error-file"
LINK_SECONDS = 300
DEFAULT_RETENTION_DAYS = 30

_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{14,18}[0-9Xx](?![0-9A-Za-z])")


def _mask_text(text: str) -> str:
    return _ID_LIKE.sub(lambda match: mask_id(match.group(0)), text)


def rejection_new(*, job_id: int, row_number: int, cells: list, reason: str) -> ImportRejection:
    """The rejection of one row: identity numbers masked in `values`, the cells they were in encrypted."""
    masked, originals = [], {}
    for index, value in enumerate(cells):
        text = value if isinstance(value, str) else ""
        hidden = _mask_text(text) if text else value
        if hidden != value:
            originals[str(index)] = value
        masked.append(hidden)
    return ImportRejection(
        job_id=job_id,
        row_number=row_number,
        values=masked,
        id_number_encrypted=secret_encrypt(json.dumps(originals, ensure_ascii=False)) if originals else "",
        reason=_mask_text(reason),
    )


def _full_cells(values: list, encrypted: str) -> list:
    if not encrypted:
        return list(values)
    originals = json.loads(secret_decrypt(encrypted))
    return [originals.get(str(index), value) for index, value in enumerate(values)]


def sees_full_values(actor: Actor, job: ImportJob) -> bool:
    """The uploader, and whoever manages the job's union or node, see the rows as uploaded; others masked."""
    user = actor.user if actor.is_authenticated else None
    if user is None:
        return False
    if job.union_id is not None:
        manages = actor.can_on_union(Perm.UNION_MANAGE, job.union)
    else:
        manages = job.node_id is not None and actor.can_on_node(Perm.NODE_MANAGE, job.node)
    # The uploader's own rows, as long as the uploader still may run this kind of import (checked by the caller;
    # that permission is a write one, so a read-only API token never gets this far).
    return manages or (job.user_id is not None and job.user_id == user.pk)


def has_error_file(job: ImportJob) -> bool:
    return (
        job.status == ImportStatus.DONE
        and bool(job.rejected_rows or job.transfers_requested)
        and job.rejections_purged_at is None
    )


def error_file_link(job: ImportJob, actor: Actor) -> str | None:
    """A short-lived link to the job's error file, bound to this user and token scopes; None without one."""
    if not has_error_file(job) or not actor.is_authenticated:
        return None
    scopes = None if actor.token_scopes is None else sorted(actor.token_scopes)
    token = signing.dumps({"j": job.pk, "u": actor.user.pk, "s": scopes}, salt=LINK_SALT, compress=True)
    return reverse("import-error-file", kwargs={"token": token})


def error_file_link_open(token: str) -> tuple[int, int, frozenset[str] | None]:
    """(job id, user id, token scopes) of a valid, unexpired link; signing.BadSignature otherwise."""
    payload = signing.loads(token, salt=LINK_SALT, max_age=LINK_SECONDS)
    scopes = payload.get("s")
    return int(payload["j"]), int(payload["u"]), None if scopes is None else frozenset(scopes)


def error_file_rows(job: ImportJob, *, full: bool):
    width = len(job.headers)
    rejections = ImportRejection.objects.filter(job_id=job.pk).order_by("row_number")
    rows = rejections.values_list("values", "id_number_encrypted", "reason", "row_number")
    for values, encrypted, reason, number in rows.iterator(2000):
        cells = _full_cells(values, encrypted) if full else list(values)
        cells = cells[:width] + [""] * max(width - len(cells), 0)
        yield [*cells, reason, number]


def error_file_content(job: ImportJob, *, full: bool) -> bytes:
    """The rejected rows as XLSX: the file's own columns, then the reason and the original row number."""
    from unionhub.spreadsheets import export_xlsx

    return export_xlsx(
        [*job.headers, ERROR_COLUMN, ROW_NUMBER_COLUMN], error_file_rows(job, full=full), sheet_title="错误行"
    )


def error_file_build(job: ImportJob, actor: Actor) -> tuple[bytes, bool]:
    """The error file for `actor` (the caller has checked the actor may use the job), audited.
    Returns (xlsx bytes, whether identity numbers are in full)."""
    from audit.services import audit_record

    if not has_error_file(job):
        raise AccessDenied
    full = sees_full_values(actor, job)
    content = error_file_content(job, full=full)
    with transaction.atomic():
        audit_record(
            actor=actor,
            operation="importJob.download_error_file",
            object_type="ImportJob",
            object_id=job.pk,
            changes={"id_numbers": {"before": None, "after": "full" if full else "masked"}},
            union=job.union if job.union_id else None,
            node=job.node if job.node_id else None,
        )
    return content, full


def retention_days() -> int:
    return int(getattr(settings, "UNIONHUB_IMPORT_REJECTION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def rejections_purge(*, now=None) -> int:
    """Delete the rejected rows of jobs started more than the retention period ago; their error files go with
    them. Idempotent (a second run finds nothing). Returns the number of rows deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    jobs = ImportJob.objects.filter(created_at__lt=cutoff, rejections_purged_at__isnull=True)
    deleted = 0
    with transaction.atomic():
        job_ids = list(jobs.select_for_update(skip_locked=True).values_list("pk", flat=True))
        if job_ids:
            deleted, _by_model = ImportRejection.objects.filter(job_id__in=job_ids).delete()
            ImportJob.objects.filter(pk__in=job_ids).update(rejections_purged_at=now or timezone.now())
    return deleted


def error_file_name(job: ImportJob) -> str:
    return _("导入错误行-%(id)s.xlsx") % {"id": job.pk}
