"""Starting imports and exports. The file travels either as base64 in the JSON request (`fileBase64`; Django
refuses request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB by default, so about 1.8 MB of file) or as a
multipart/form-data request with form fields `query` and `variables` and the file in a part named `file`
(streamed to disk by Django; up to the import size limit, UNIONHUB_FILE_MAX_BYTES["imports"] or the default)."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from accounts.access import AccessDenied
from api.core.access import union_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.core.uploads import MULTIPART_FILE_FIELD, decoded_base64
from audit.services import audit_record
from files.checks import max_upload_bytes
from imports import services
from imports.registry import importer_get
from jobs.celery_app import enqueue_on_commit
from jobs.imports import export_job_run_task, import_job_run_task
from unionhub.errors import DomainValidationError

from .types import ExportJob, ImportJob, ImportKindEnum, kind_value


def _union_for_kind(context, global_id, kind: str):
    """The union behind `global_id` if the actor holds the kind's permission there (union.manage for branches)."""
    try:
        perm = importer_get(kind).perm
        return union_for(context, global_id, perm)
    except (AccessDenied, LookupError):
        raise field_not_found("union") from None


class _JobMutation(BaseMutation):
    class Meta:
        abstract = True

    audit_sensitive_fields = BaseMutation.audit_sensitive_fields | {"file_base64"}

    @classmethod
    def after_success(cls, info, arguments: dict, result: dict) -> None:
        # Recorded against the job's union, on whichever host the job was started.
        job = next(value for value in result.values() if hasattr(value, "union_id"))
        audit_record(
            actor=info.context.actor,
            operation=info.field_name,
            object_type=type(job).__name__,
            object_id=job.pk,
            changes=cls.audit_changes(arguments, result),
            union=job.union,
            node=job.node,
        )


class ImportJobStart(_JobMutation):
    """Upload an XLSX or CSV (UTF-8, with or without BOM, or GBK) and start importing it in the background.

    Size, real file type and encoding are checked now; a refused file starts no job. Poll `importJob(id)` for
    progress; rejected rows come back in `errorFileUrl`."""

    class Arguments:
        union = graphene.ID(required=True)
        kind = ImportKindEnum(required=True)
        file_name = graphene.String(
            required=True, description='Original name with extension, e.g. "会员.xlsx".'
        )
        file_base64 = graphene.String(
            description="The file, base64-encoded; omit it when sending the file as multipart part `file`."
        )

    import_job = graphene.Field(ImportJob)

    @classmethod
    def perform(cls, info, context, union, kind, file_name, file_base64=None):
        kind = kind_value(kind)
        union_obj = _union_for_kind(context, union, kind)
        if file_base64 is not None:
            content = decoded_base64(file_base64, max_upload_bytes("imports"))
        else:
            content = context.request.FILES.get(MULTIPART_FILE_FIELD)
            if content is None:
                raise DomainValidationError.single("file_base64", "required", _("请选择要导入的文件。"))
        job = services.import_job_create(
            kind=kind, filename=file_name, content=content, user=context.actor.user, union=union_obj
        )
        enqueue_on_commit(import_job_run_task, job.pk)
        return {"import_job": job}


class ExportStart(_JobMutation):
    """Export a union's data of one kind to XLSX (Chinese headers) in the background; poll `exportJob(id)` for
    `downloadUrl`."""

    class Arguments:
        union = graphene.ID(required=True)
        kind = ImportKindEnum(required=True)

    export_job = graphene.Field(ExportJob)

    @classmethod
    def perform(cls, info, context, union, kind):
        kind = kind_value(kind)
        union_obj = _union_for_kind(context, union, kind)
        job = services.export_job_create(kind=kind, user=context.actor.user, union=union_obj)
        enqueue_on_commit(export_job_run_task, job.pk)
        return {"export_job": job}


class ImportMutations(graphene.ObjectType):
    import_job_start = ImportJobStart.Field()
    export_start = ExportStart.Field()
