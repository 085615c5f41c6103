"""GraphQL types for import and export jobs."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied
from api.core import ids
from api.core.pagination import CountableConnection
from api.core.types import ModelNode, enum_from_choices
from imports import models, selectors
from imports.registry import importer_get, importer_kinds

IMPORT_JOB = "ImportJob"
EXPORT_JOB = "ExportJob"

ImportKindEnum = graphene.Enum(
    "ImportKind",
    [(kind.upper(), kind) for kind in importer_kinds()],
    description="What a tabular import or export holds (branches: 分会/小组, members: 会员).",
)
ImportStatusEnum = enum_from_choices(models.ImportStatus, "Stage of an import job.")
ExportStatusEnum = enum_from_choices(models.ExportStatus, "Stage of an export job.")


def kind_value(kind) -> str:
    return getattr(kind, "value", kind)  # graphene passes enum members to resolvers


def _absolute(info, url: str | None) -> str | None:
    # Local storage gives a signed path on this host; S3 gives an absolute presigned URL.
    if url and url.startswith("/"):
        return info.context.request.build_absolute_uri(url)
    return url


def job_for(context, global_id, type_name: str):
    """The import/export job behind `global_id` if the actor may use its kind on its union (and, on a union host,
    it is that union's); AccessDenied otherwise."""
    pk = ids.decode_global_id(global_id, type_name)
    if pk is None:
        raise AccessDenied
    access = selectors.import_job_access if type_name == IMPORT_JOB else selectors.export_job_access
    job = access(context.actor, pk)
    if context.union is not None and job.union_id != context.union.pk:
        raise AccessDenied
    return job


def import_job_for(context, global_id) -> models.ImportJob:
    return job_for(context, global_id, IMPORT_JOB)


def export_job_for(context, global_id) -> models.ExportJob:
    return job_for(context, global_id, EXPORT_JOB)


def _kind_label(root) -> str:
    try:
        return str(importer_get(root.kind).label)
    except LookupError:
        return root.kind


class ImportJob(ModelNode):
    """A tabular import: the file is checked at upload, then validated and written in the background."""

    class Meta:
        name = IMPORT_JOB
        model = models.ImportJob
        fetch = import_job_for

    kind = graphene.Field(ImportKindEnum, required=True)
    kind_label = graphene.String(required=True)
    status = graphene.Field(ImportStatusEnum, required=True)
    status_label = graphene.String(required=True)
    file_name = graphene.String(required=True)
    total_rows = graphene.Int(required=True, description="Data rows (an estimate until the job is done).")
    processed_rows = graphene.Int(required=True)
    accepted_rows = graphene.Int(required=True, description="Rows written.")
    rejected_rows = graphene.Int(required=True, description="Rows refused; listed in the error file.")
    transfers_requested = graphene.Int(
        required=True,
        description="Member rows for people active in another union: a transfer request was created instead of a "
        "member (listed in the error file with that reason; not counted in acceptedRows or rejectedRows).",
    )
    progress = graphene.Float(required=True, description="0 to 1.")
    error_code = graphene.String(
        description="Why the whole job failed (e.g. missing_columns); null otherwise."
    )
    error_message = graphene.String(description="The same in the user's language.")
    error_file_url = graphene.String(
        description="Short-lived download of the rejected rows and the rows that became transfer requests "
        "(original columns plus 错误原因), once done."
    )
    created_at = graphene.DateTime(required=True)
    started_at = graphene.DateTime()
    finished_at = graphene.DateTime()

    @staticmethod
    def resolve_kind_label(root, info):
        return _kind_label(root)

    @staticmethod
    def resolve_status_label(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_error_code(root, info):
        return root.error_code or None

    @staticmethod
    def resolve_error_message(root, info):
        return root.error_message or None

    @staticmethod
    def resolve_error_file_url(root, info):
        return _absolute(info, selectors.import_job_error_file_url(root, info.context.actor))


class ImportJobConnection(CountableConnection):
    class Meta:
        node = ImportJob


class ExportJob(ModelNode):
    """A tabular export to XLSX (Chinese headers), written in the background."""

    class Meta:
        name = EXPORT_JOB
        model = models.ExportJob
        fetch = export_job_for

    kind = graphene.Field(ImportKindEnum, required=True)
    kind_label = graphene.String(required=True)
    status = graphene.Field(ExportStatusEnum, required=True)
    status_label = graphene.String(required=True)
    row_count = graphene.Int(required=True)
    file_name = graphene.String(required=True)
    download_url = graphene.String(description="Short-lived download link, once done.")
    error_message = graphene.String()
    created_at = graphene.DateTime(required=True)
    finished_at = graphene.DateTime()

    @staticmethod
    def resolve_kind_label(root, info):
        return _kind_label(root)

    @staticmethod
    def resolve_status_label(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_download_url(root, info):
        if root.status != models.ExportStatus.DONE:
            return None
        return _absolute(info, selectors.export_job_download_url(root, user=info.context.user))

    @staticmethod
    def resolve_error_message(root, info):
        return root.error_message or None
