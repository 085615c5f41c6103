"""Reads for imports and exports: jobs the actor may see, and short-lived download URLs for their files."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.access import AccessDenied, Actor
from files.selectors import file_download_url

from .models import ExportJob, ImportJob
from .registry import importer_get
from .rejections import error_file_link

DOWNLOAD_SECONDS = 300


def _may_use(actor: Actor, job) -> bool:
    try:
        perm = importer_get(job.kind).perm
    except LookupError:
        return False
    if job.union_id is not None:
        return actor.can_on_union(perm, job.union)
    return job.node_id is not None and actor.can_on_node(perm, job.node)


def import_job_access(actor: Actor, job_id) -> ImportJob:
    """Fetch an import job the actor may manage (the kind's permission on its union or node), or AccessDenied."""
    job = _fetch(ImportJob, job_id)
    if job is None or not _may_use(actor, job):
        raise AccessDenied
    return job


def export_job_access(actor: Actor, job_id) -> ExportJob:
    job = _fetch(ExportJob, job_id)
    if job is None or not _may_use(actor, job):
        raise AccessDenied
    return job


def _fetch(model, job_id):
    try:
        return model.objects.select_related("union", "node").filter(pk=int(job_id)).first()
    except (TypeError, ValueError, OverflowError):
        return None


def import_job_list(*, union=None, node=None) -> QuerySet[ImportJob]:
    """One union's (or node's) import jobs, newest first. Callers authorise the union or node first."""
    jobs = ImportJob.objects.select_related("union", "node", "user")
    if union is not None:
        return jobs.filter(union=union).order_by("-id")
    return jobs.filter(node=node).order_by("-id")


def import_job_error_file_url(job: ImportJob, actor: Actor) -> str | None:
    """Link to the rejected rows (XLSX with the error column) for this actor, once the job is done and had any.
    The file is built at download time, identity numbers in full only for the uploader and the union's admins."""
    return error_file_link(job, actor)


def export_job_download_url(job: ExportJob, *, user) -> str | None:
    if not job.file_key:
        return None
    return file_download_url(
        key=job.file_key, user=user, expires=DOWNLOAD_SECONDS, download_name=job.file_name or None
    )
