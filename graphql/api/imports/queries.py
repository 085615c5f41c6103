"""Root query fields for import and export jobs."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core.access import or_none, union_for
from api.core.pagination import connection_args, empty_connection, paginate_queryset
from imports import selectors

from .types import ExportJob, ImportJob, ImportJobConnection, export_job_for, import_job_for


class ImportQueries(graphene.ObjectType):
    import_job = graphene.Field(ImportJob, id=graphene.ID(required=True))
    import_jobs = graphene.Field(
        ImportJobConnection,
        required=True,
        union=graphene.ID(required=True),
        description="A union's import jobs, newest first (union admins and the federation above).",
        **connection_args(),
    )
    export_job = graphene.Field(ExportJob, id=graphene.ID(required=True))

    @staticmethod
    def resolve_import_job(root, info, id):
        return or_none(import_job_for, info.context, id)

    @staticmethod
    def resolve_import_jobs(root, info, union, first=None, after=None):
        try:
            # The list shows every kind's jobs: it takes union.manage (each job also checks its own kind).
            union_obj = union_for(info.context, union, Perm.UNION_MANAGE)
        except AccessDenied:
            return empty_connection(ImportJobConnection)
        return paginate_queryset(
            selectors.import_job_list(union=union_obj),
            ImportJobConnection,
            keys=("id",),
            first=first,
            after=after,
            descending=True,
        )

    @staticmethod
    def resolve_export_job(root, info, id):
        return or_none(export_job_for, info.context, id)
