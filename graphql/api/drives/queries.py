"""Root query fields for drives, joining links, progress and the approval queue."""

from __future__ import annotations

import graphene
from django.db.models import F
from django.utils import timezone

from accounts.access import AccessDenied, Perm, access_union
from api.core import ids
from api.core.access import or_none, union_for
from api.core.pagination import connection_args, empty_connection, paginate_queryset
from drives import links, selectors
from recruitment.selectors import application_list
from unionhub.links import link_qr_svg

from .loaders import VisibleDriveLoader
from .types import (
    APPLICATION,
    BRANCH,
    DRIVE,
    ApplicationConnection,
    ApplicationStatusEnum,
    Drive,
    DriveConnection,
    DriveJoinLink,
    DriveProgressRow,
    drive_for,
)


def link_union(context, drive, global_id):
    """The union a joining link is for: the one named, else the host's union, else the owner of a union-run drive.
    The actor must manage members there and the drive must cover it."""
    if global_id is not None:
        union = union_for(context, global_id, Perm.MEMBER_MANAGE)
    else:
        union_id = context.union.pk if context.union is not None else drive.owner_union_id
        if union_id is None:
            raise AccessDenied
        union = access_union(context.actor, union_id, Perm.MEMBER_MANAGE)
    if not selectors.drive_covers_union(drive=drive, union_id=union.pk):
        raise AccessDenied
    return union


def link_branch_id(union, global_id) -> int:
    """The branch of `union` behind a Branch global id (0 when none is given); AccessDenied if it is not there."""
    from django_tenants.utils import schema_context

    from organisation.models import Branch

    if global_id is None:
        return 0
    pk = ids.decode_global_id(global_id, BRANCH)
    if pk is None:
        raise AccessDenied
    with schema_context(union.schema_name):
        if not Branch.objects.filter(pk=pk).exists():
            raise AccessDenied
    return pk


class DriveQueries(graphene.ObjectType):
    drives = graphene.Field(
        DriveConnection,
        required=True,
        active=graphene.Boolean(description="Only drives running today."),
        description="Drives the viewer may see, newest first (on a union host: those covering that union).",
        **connection_args(),
    )
    drive = graphene.Field(Drive, id=graphene.ID(required=True))
    drive_join_link = graphene.Field(
        DriveJoinLink,
        drive=graphene.ID(required=True),
        union=graphene.ID(description="Default: the union of the host, or the owner of a union-run drive."),
        branch=graphene.ID(description="Preselect this branch of the union on the form."),
        description="A signed joining link and its QR code, for people who manage the union's members; null when "
        "refused.",
    )
    drive_progress = graphene.List(
        graphene.NonNull(DriveProgressRow),
        required=True,
        drive=graphene.ID(required=True),
        description="Live progress per county, township, union and branch that the viewer may see (one aggregate "
        "query over public facts).",
    )
    applications = graphene.Field(
        ApplicationConnection,
        required=True,
        status=ApplicationStatusEnum(),
        drive=graphene.ID(),
        description="The approval queue of the host's union (member.manage), newest first; empty elsewhere.",
        **connection_args(),
    )

    @staticmethod
    def resolve_drives(root, info, active=None, first=None, after=None):
        context = info.context
        if context.union is not None and not context.union_visible:
            return empty_connection(DriveConnection)
        queryset = selectors.drive_list(
            actor=context.actor, union=context.union, active_on=timezone.localdate() if active else None
        )
        return paginate_queryset(
            _newest_first(queryset), DriveConnection, keys=("newest_first",), first=first, after=after
        )

    @staticmethod
    def resolve_drive(root, info, id):
        return or_none(drive_for, info.context, id)

    @staticmethod
    def resolve_drive_join_link(root, info, drive, union=None, branch=None):
        context = info.context
        try:
            found = drive_for(context, drive)
            target = link_union(context, found, union)
            branch_id = link_branch_id(target, branch)
        except AccessDenied:
            return None
        token = links.link_token(drive=found, union_id=target.pk, branch_id=branch_id)
        url = links.link_url(union=target, token=token)
        return DriveJoinLink(url=url, token=token, qr_svg=link_qr_svg(url), expires_on=found.ends_on)

    @staticmethod
    def resolve_drive_progress(root, info, drive):
        context = info.context
        found = or_none(drive_for, context, drive)
        if found is None:
            return []
        rows = selectors.drive_progress(actor=context.actor, drive=found, union=context.union)
        _name_branches_here(context, rows)
        return rows

    @staticmethod
    def resolve_applications(root, info, status=None, drive=None, first=None, after=None):
        context = info.context
        if context.union is None or not context.union_visible:
            return empty_connection(ApplicationConnection)
        drive_id = None
        if drive is not None:
            drive_id = ids.decode_global_id(drive, DRIVE)
            if drive_id is None:
                return empty_connection(ApplicationConnection)
        queryset = application_list(
            actor=context.actor,
            union=context.union,
            status=getattr(status, "value", status),
            drive_id=drive_id,
        )
        connection = paginate_queryset(
            _newest_first(queryset), ApplicationConnection, keys=("newest_first",), first=first, after=after
        )
        context.loader(VisibleDriveLoader).queue(a.drive_id for a in connection.items)
        return connection


def _newest_first(queryset):
    """Keyset pagination walks ascending keys: the negated id orders newest first."""
    return queryset.annotate(newest_first=-F("pk")).order_by("newest_first")


def _name_branches_here(context, rows) -> None:
    """Branch rows of the host's union get their current names from its schema (one query)."""
    from organisation.models import Branch

    if context.union is None:
        return
    wanted = {r.branch_id for r in rows if r.level == "branch" and r.union_id == context.union.pk}
    if wanted:
        names = dict(Branch.objects.filter(pk__in=wanted).values_list("pk", "name"))
        for row in rows:
            if row.level == "branch" and row.branch_id in names:
                row.name = names[row.branch_id]


__all__ = ["DriveQueries", "APPLICATION"]
