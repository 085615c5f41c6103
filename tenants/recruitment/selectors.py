"""Reads for the approval queue (the union's schema: the connection's, as on the union's host)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from accounts.access import AccessDenied, Actor, Perm

from .models import Application


def application_list(
    *, actor: Actor, union, status: str | None = None, drive_id: int | None = None
) -> QuerySet:
    """Applications the actor may decide on (member.manage; a branch-limited role sees its branches), newest
    first, each with `already_member` (the person holds membership here now: the join page does not say so to
    the applicant, the queue does). Empty for anyone else."""
    scope = actor.branch_scope(Perm.MEMBER_MANAGE, union)
    queryset = with_already_member(Application.objects.select_related("branch").order_by("-id"))
    if scope is not None:
        queryset = queryset.filter(branch_id__in=sorted(scope))
    if status:
        queryset = queryset.filter(status=status)
    if drive_id is not None:
        queryset = queryset.filter(drive_id=drive_id)
    return queryset


def with_already_member(queryset: QuerySet) -> QuerySet:
    from membership.models import HOLDING_STATUSES, Member

    holding = Member.objects.filter(id_hash=OuterRef("id_hash"), status__in=list(HOLDING_STATUSES))
    return queryset.annotate(already_member=Exists(holding))


def access_application(actor: Actor, union, application_id) -> Application:
    """Fetch an application the actor may decide on, or raise AccessDenied."""
    try:
        pk = int(application_id)
    except (TypeError, ValueError):
        raise AccessDenied from None
    application = application_list(actor=actor, union=union).filter(pk=pk).first()
    if application is None:
        raise AccessDenied
    return application
