"""Writes for drives: create and edit drives with their targets, and maintain progress facts on approval.

Who may run a drive (federation admins on a node, union admins for their union) is decided by the caller through
accounts.access; these functions check that the drive is well formed and its units lie inside the owner's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from federations.models import FederationNode, Union, UnionStatus
from membership.models import EmploymentType
from organisation.models import Branch
from unionhub.errors import DomainValidationError, FieldError

from .models import Drive, DriveTarget


@dataclass(frozen=True)
class TargetSpec:
    """A target for one unit: the union as a whole (branch_id None/0) or one of its branches."""

    union: Union
    branch_id: int | None = None
    new_members: int = 0
    rate_target_permille: int | None = None


def _period_errors(name: str, starts_on: date | None, ends_on: date | None) -> list[FieldError]:
    errors = []
    if not name:
        errors.append(FieldError("name", "required", str(_("请填写活动名称。"))))
    elif len(name) > 200:
        errors.append(FieldError("name", "too_long", str(_("活动名称不能超过200个字。"))))
    if starts_on is None:
        errors.append(FieldError("starts_on", "required", str(_("请填写开始日期。"))))
    if ends_on is None:
        errors.append(FieldError("ends_on", "required", str(_("请填写结束日期。"))))
    if starts_on and ends_on and ends_on < starts_on:
        errors.append(FieldError("ends_on", "before_start", str(_("结束日期不能早于开始日期。"))))
    return errors


def _target_group_errors(groups) -> list[FieldError]:
    known = tuple(EmploymentType.values)
    unknown = [g for g in groups if g not in known]
    if unknown:
        return [
            FieldError(
                "target_groups", "invalid_choice", str(_("未知的目标群体：%(value)s") % {"value": unknown[0]})
            )
        ]
    return []


def _branch_names(union: Union, branch_ids: set[int]) -> dict[int, str]:
    """Names of the given branches in the union's schema (one query); missing ids are absent."""
    if not branch_ids:
        return {}
    if connection.schema_name == union.schema_name:
        return dict(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "name"))
    with schema_context(union.schema_name):
        return dict(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "name"))


def _target_rows(*, owner_node, owner_union, targets: list[TargetSpec]) -> list[DriveTarget]:
    errors: list[FieldError] = []
    seen: set[tuple[int, int]] = set()
    rows: list[DriveTarget] = []
    branches_by_union: dict[int, tuple[Union, set[int]]] = {}
    for number, spec in enumerate(targets, start=1):
        where = {"n": number}
        union = spec.union
        inside = (
            union.pk == owner_union.pk
            if owner_union is not None
            else union.node_path.startswith(owner_node.path)
        )
        if not inside or union.status != UnionStatus.ACTIVE:
            errors.append(
                FieldError(
                    "targets", "outside_scope", str(_("第%(n)s项目标：该工会不在本次活动范围内。") % where)
                )
            )
            continue
        if spec.new_members is None or spec.new_members < 0:
            errors.append(
                FieldError(
                    "targets", "negative_target", str(_("第%(n)s项目标：新发展会员目标不能为负数。") % where)
                )
            )
        rate = spec.rate_target_permille
        if rate is not None and not 0 <= rate <= 1000:
            errors.append(
                FieldError(
                    "targets", "invalid_rate", str(_("第%(n)s项目标：目标入会率应在0‰到1000‰之间。") % where)
                )
            )
        branch_id = spec.branch_id or 0
        if branch_id < 0:
            branch_id = -1  # reported as an unknown branch below
        key = (union.pk, branch_id)
        if key in seen:
            errors.append(
                FieldError("targets", "duplicate", str(_("第%(n)s项目标：同一单位重复设置目标。") % where))
            )
            continue
        seen.add(key)
        if branch_id:
            branches_by_union.setdefault(union.pk, (union, set()))[1].add(branch_id)
        rows.append(
            DriveTarget(
                union=union,
                node_path=union.node_path,
                branch_id=branch_id,
                new_members_target=max(spec.new_members or 0, 0),
                rate_target_permille=rate,
            )
        )
    names: dict[tuple[int, int], str] = {}
    for union, branch_ids in branches_by_union.values():
        found = _branch_names(union, branch_ids)
        for branch_id in branch_ids:
            if branch_id not in found:
                errors.append(FieldError("targets", "unknown_branch", str(_("所选分会不属于该工会。"))))
            names[(union.pk, branch_id)] = found.get(branch_id, "")
    if errors:
        raise DomainValidationError(errors)
    for row in rows:
        row.branch_name = names.get((row.union_id, row.branch_id), "")
    return rows


def drive_create(
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    owner_node: FederationNode | None = None,
    owner_union: Union | None = None,
    target_groups=(),
    description: str = "",
    targets: list[TargetSpec] = (),
    actor_id: int | None = None,
) -> Drive:
    """Create a drive run by a federation node (covering the unions below it) or by one union, with its targets."""
    if (owner_node is None) == (owner_union is None):
        raise DomainValidationError.single("owner", "required", _("请选择发起活动的组织或工会。"))
    name = (name or "").strip()
    groups = sorted(set(target_groups or ()))
    errors = _period_errors(name, starts_on, ends_on) + _target_group_errors(groups)
    if errors:
        raise DomainValidationError(errors)
    rows = _target_rows(owner_node=owner_node, owner_union=owner_union, targets=list(targets or ()))
    with transaction.atomic():
        drive = Drive.objects.create(
            name=name,
            description=(description or "").strip(),
            owner_node=owner_node,
            owner_union=owner_union,
            starts_on=starts_on,
            ends_on=ends_on,
            target_groups=groups,
            created_by_id=actor_id,
        )
        for row in rows:
            row.drive = drive
        DriveTarget.objects.bulk_create(rows)
    return drive


DRIVE_EDITABLE_FIELDS = ("name", "description", "starts_on", "ends_on", "target_groups")


def drive_update(*, drive: Drive, targets: list[TargetSpec] | None = None, **changes) -> Drive:
    """Edit a drive's name, description, period or target groups (only the fields given); `targets`, when given,
    replaces all of its targets (progress already made stays)."""
    unknown = set(changes) - set(DRIVE_EDITABLE_FIELDS)
    if unknown:
        raise DomainValidationError.single(sorted(unknown)[0], "unknown_field", _("该字段不可修改。"))
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
    if "target_groups" in changes:
        changes["target_groups"] = sorted(set(changes["target_groups"] or ()))
    merged = {field: changes.get(field, getattr(drive, field)) for field in DRIVE_EDITABLE_FIELDS}
    errors = _period_errors(merged["name"], merged["starts_on"], merged["ends_on"])
    errors += _target_group_errors(merged["target_groups"])
    if errors:
        raise DomainValidationError(errors)
    rows = None
    if targets is not None:
        rows = _target_rows(owner_node=drive.owner_node, owner_union=drive.owner_union, targets=list(targets))
    for field, value in changes.items():
        setattr(drive, field, value)
    with transaction.atomic():
        drive.save(update_fields=[*changes, "updated_at"])
        if rows is not None:
            drive.targets.all().delete()
            for row in rows:
                row.drive = drive
            DriveTarget.objects.bulk_create(rows)
    return drive


def drive_progress_new_members_received(
    sender, *, union: Union, members: list[tuple[int | None, date]], **kwargs
):
    """Receiver of membership's `members_joined` signal (connected in drives.apps)."""
    drive_progress_new_members(union=union, members=members)


def drive_progress_new_members(*, union: Union, members: list[tuple[int | None, date]]) -> None:
    """Members added by hand or by import are 新发展会员 of every drive covering their union that runs on their join
    date (docs/membership.md): `members` are (branch id, join date). Joins through a drive's own link count for that
    drive only, when the application is approved (recruitment), not here."""
    from .selectors import drives_covering_union

    if not members:
        return
    days = [day for _, day in members]
    drives = list(
        Drive.objects.filter(drives_covering_union(union), starts_on__lte=max(days), ends_on__gte=min(days))
        .order_by("pk")
        .values_list("pk", "starts_on", "ends_on")
    )
    counts: dict[tuple[int, int], int] = {}
    for drive_id, starts_on, ends_on in drives:
        for branch_id, day in members:
            if starts_on <= day <= ends_on:
                key = (drive_id, branch_id or 0)
                counts[key] = counts.get(key, 0) + 1
    for (drive_id, branch_id), count in sorted(counts.items()):
        drive_progress_apply(drive_id=drive_id, union=union, branch_id=branch_id, delta=count)


def drive_progress_apply(*, drive_id: int, union: Union, branch_id: int | None, delta: int = 1) -> None:
    """Add `delta` new members to the drive's progress for the branch and for the union (branch 0).

    Called inside the transaction that approves the application, so the figures and the member commit together.
    """
    keys = [0] if not branch_id else [branch_id, 0]
    values_sql = ", ".join(["(%s, %s, %s, %s, %s, now())"] * len(keys))
    params: list = []
    for key in keys:
        params += [drive_id, union.pk, union.node_path, key, delta]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO public.drives_driveprogress (drive_id, union_id, node_path, branch_id, new_members, updated_at)
            VALUES {values_sql}
            ON CONFLICT (drive_id, union_id, branch_id)
            DO UPDATE SET new_members = public.drives_driveprogress.new_members + EXCLUDED.new_members,
                          updated_at = now()
            """,
            params,
        )
