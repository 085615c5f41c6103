"""Reading members of the union whose schema the connection is in. Access is decided by the caller's actor:
branch officers see their branches (and the branches below them) only."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.access import Actor, Perm
from organisation.selectors import branch_subtree_ids
from people.identity import id_hash, parse_identity_number
from unionhub.errors import DomainValidationError

from .models import DuesPayment, Member, MemberStatus, MemberStatusChange

MASKED_ID_RE = re.compile(r"^\d{6}\*+\d{3}[\dX]$")
LAST4_RE = re.compile(r"^\d{3}[\dX]$")
FULL_ID_RE = re.compile(r"^(\d{17}[\dX]|\d{15})$")


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)


def member_scope(*, actor: Actor, union, perm: Perm = Perm.MEMBER_VIEW) -> frozenset[int] | None:
    """Branch ids the actor may reach in `union` for `perm` (sub-branches included); None = the whole union."""
    scope = actor.branch_scope(perm, union)
    if scope is None or not scope:
        return scope
    return frozenset(branch_subtree_ids(scope))


def member_visible(*, actor: Actor, union, perm: Perm = Perm.MEMBER_VIEW) -> QuerySet:
    """Members the actor may reach with `perm` in this union (none without the permission)."""
    if not actor.can_on_union(perm, union):
        return Member.objects.none()
    scope = member_scope(actor=actor, union=union, perm=perm)
    members = Member.objects.all()
    if scope is not None:
        members = members.filter(branch_id__in=sorted(scope)) if scope else members.none()
    return members


def member_get(*, actor: Actor, union, member_id: int, perm: Perm = Perm.MEMBER_VIEW) -> Member | None:
    return member_visible(actor=actor, union=union, perm=perm).filter(pk=member_id).first()


def member_search_filter(search: str) -> Q:
    """Name prefix, an 11-digit phone, a full identity number, a masked one ("110105********0123"), or the last
    four characters of the identity number."""
    text = "".join((search or "").split()).upper()
    if not text:
        return Q()
    if FULL_ID_RE.match(text):
        try:
            return Q(id_hash=id_hash(parse_identity_number(text).number))
        except DomainValidationError:
            return Q(pk__in=[])
    if MASKED_ID_RE.match(text):
        return Q(id_number_masked=text)
    if re.fullmatch(r"1\d{10}", text):
        return Q(phone=text)
    if LAST4_RE.match(text):
        return Q(id_last4=text)
    return Q(name__startswith=search.strip())


def member_list(
    *,
    actor: Actor,
    union,
    branch_ids: set[int] | None = None,
    status: str | None = None,
    employment_type: str | None = None,
    search: str | None = None,
    arrears_months: int | None = None,
) -> QuerySet:
    members = member_visible(actor=actor, union=union)
    if branch_ids is not None:
        members = members.filter(branch_id__in=sorted(branch_ids))
    if status:
        members = members.filter(status=status)
    if employment_type:
        members = members.filter(employment_type=employment_type)
    if search:
        members = members.filter(member_search_filter(search))
    if arrears_months:
        members = members.filter(pk__in=members_in_arrears(months=arrears_months).values("pk"))
    return members.order_by("pk")


def members_in_arrears(*, months: int = 3, today: date | None = None) -> QuerySet:
    """Active members with `months` or more unpaid months before the current one (the current month is not due
    yet). Months before joining are not owed."""
    today = today or timezone.localdate()
    cutoff = _add_months(today.replace(day=1), -months)  # first unpaid month must be on or before this
    return Member.objects.filter(status=MemberStatus.ACTIVE).filter(
        Q(dues_paid_through__lt=cutoff) | Q(dues_paid_through=None, join_date__lt=_add_months(cutoff, 1))
    )


def arrears_start(member: Member) -> date:
    """The first month the member has not paid for (the month after `dues_paid_through`, else the joining month)."""
    if member.dues_paid_through is not None:
        return _add_months(member.dues_paid_through.replace(day=1), 1)
    return member.join_date.replace(day=1)


def status_history_map(*, member_ids) -> dict[int, list[MemberStatusChange]]:
    history: dict[int, list[MemberStatusChange]] = {}
    for change in MemberStatusChange.objects.filter(member_id__in=list(member_ids)).order_by("id"):
        history.setdefault(change.member_id, []).append(change)
    return history


def dues_payment_list(*, member: Member):
    return DuesPayment.objects.filter(member=member).order_by("-month")
