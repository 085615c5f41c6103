"""Writes for the federation tree and unions. GraphQL mutations, commands and tasks all call these."""

from __future__ import annotations

import unicodedata
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError, FieldError

from .models import (
    ALLOWED_PARENT_LEVELS,
    Domain,
    FederationNode,
    NodeLevel,
    StaffCount,
    StaffCountSource,
    Union,
    UnionStatus,
)
from .schema_template import schema_create_from_template
from .validators import normalise_credit_code


def node_create(
    *,
    level: str,
    name: str,
    division_code: str,
    parent: FederationNode | None = None,
    report_recipient: FederationNode | None = None,
    report_recipient_name: str = "",
) -> FederationNode:
    if level not in NodeLevel.values:
        raise DomainValidationError.single(
            "level", "invalid_level", _("未知的组织层级：%(level)s") % {"level": level}
        )
    parent_level = parent.level if parent else None
    if parent_level not in ALLOWED_PARENT_LEVELS[NodeLevel(level)]:
        raise DomainValidationError.single(
            "parent", "invalid_parent_level", _("该层级的组织不能设在所选上级之下。")
        )
    node = FederationNode(
        level=level,
        name=(name or "").strip(),
        division_code=(division_code or "").strip(),
        parent=parent,
        report_recipient=report_recipient,
        report_recipient_name=report_recipient_name,
    )
    try:
        node.full_clean(exclude=["path", "depth"])
    except ValidationError as exc:
        raise DomainValidationError.from_django(exc) from exc
    with transaction.atomic():
        node.path = "pending"
        node.save()
        node.path = f"{parent.path if parent else '/'}{node.pk}/"
        node.depth = parent.depth + 1 if parent else 0
        node.save(update_fields=["path", "depth"])
    return node


def union_host(slug: str) -> str:
    return f"{slug}.{settings.UNIONHUB_BASE_DOMAIN}"


def schema_name_for_slug(slug: str) -> str:
    # Schema names are identifiers: hyphens become underscores, prefixed so they never clash with system schemas.
    return "u_" + slug.replace("-", "_")


UNION_PROFILE_FIELDS = (
    "name",
    "credit_code",
    "unit_type",
    "ownership_type",
    "union_kind",
    "staff_count",
    "female_staff_count",
    "fulltime_officer_count",
    "has_workers_congress",
    "has_affairs_disclosure",
    "founded_on",
)


def _validate_union(union: Union, *, exclude: list[str] | None = None) -> None:
    errors: list[FieldError] = []
    try:
        # The one check constraint (female <= total staff) is reported below with its own field and code.
        union.full_clean(exclude=["schema_name", "node_path", *(exclude or [])], validate_constraints=False)
    except ValidationError as exc:
        errors.extend(DomainValidationError.from_django(exc).errors)
    if union.female_staff_count is not None and union.staff_count is not None:
        if union.female_staff_count > union.staff_count:
            errors.append(
                FieldError("female_staff_count", "exceeds_staff", str(_("女职工人数不能大于职工人数。")))
            )
    if union.founded_on and union.founded_on > date.today():
        errors.append(FieldError("founded_on", "in_future", str(_("成立日期不能晚于今天。"))))
    if union.name and not any(e.field == "name" for e in errors):
        errors.extend(_union_name_errors(union))
    if errors:
        raise DomainValidationError(errors)


# A name is data wherever it goes: a leading = + - @ would make it a formula in a spreadsheet (OWASP "CSV
# injection"), a control or format character (tab, line break, right-to-left override) garbles lists and files.
_NAME_FORMULA_START = ("=", "+", "-", "@")


def _union_name_errors(union: Union) -> list[FieldError]:
    """The name is printable text, not a formula, and no other union of the same federation tree bears it
    (reports list unions by name; two alike could not be told apart)."""
    name = union.name
    if name.startswith(_NAME_FORMULA_START):
        return [FieldError("name", "formula_start", str(_("工会名称不能以 = + - @ 开头。")))]
    if any(unicodedata.category(character) in ("Cc", "Cf") for character in name):
        return [FieldError("name", "control_character", str(_("工会名称不能包含换行、制表符等控制字符。")))]
    path = union.node_path or (union.parent_node.path if union.parent_node_id else "")
    root = "/" + path.strip("/").split("/")[0] + "/" if path.strip("/") else path
    same = Union.objects.filter(name=name, node_path__startswith=root)
    if union.pk is not None:
        same = same.exclude(pk=union.pk)
    if root and same.exists():
        return [FieldError("name", "unique", str(_("本总工会下已有同名的基层工会，请使用全称或加以区分。")))]
    return []


def _union_integrity_errors(union: Union, host: str) -> list[FieldError]:
    """After a unique-constraint race, say which field lost (the winner's row is committed and visible)."""
    errors: list[FieldError] = []
    if (
        Union.objects.filter(slug=union.slug).exists()
        or Union.objects.filter(schema_name=union.schema_name).exists()
    ):
        errors.append(FieldError("slug", "unique", str(_("该统计代码已被使用。"))))
    elif Domain.objects.filter(domain=host).exists():
        errors.append(FieldError("slug", "duplicate_domain", str(_("该域名已被占用。"))))
    if Union.objects.filter(credit_code=union.credit_code).exists():
        errors.append(FieldError("credit_code", "unique", str(_("该统一社会信用代码已登记。"))))
    return errors


def union_register(
    *,
    slug: str,
    name: str,
    credit_code: str,
    unit_type: str,
    ownership_type: str,
    parent_node: FederationNode,
    union_kind: str = "single",
    staff_count: int = 0,
    female_staff_count: int = 0,
    founded_on: date | None = None,
) -> Union:
    """Validate and write the Union (status PROVISIONING) and its primary Domain; no schema yet.

    The schema comes from `union_schema_create` (a Celery task dispatched on commit, or `union_provision`).
    Bad input raises DomainValidationError and writes nothing. Whether the actor may provision under
    `parent_node` is decided by the caller (accounts.access).
    """
    slug = (slug or "").strip().lower()
    union = Union(
        slug=slug,
        schema_name=schema_name_for_slug(slug),
        name=(name or "").strip(),
        credit_code=normalise_credit_code(credit_code),
        unit_type=unit_type,
        ownership_type=ownership_type,
        union_kind=union_kind,
        staff_count=staff_count,
        female_staff_count=female_staff_count,
        founded_on=founded_on,
        parent_node=parent_node,
        node_path=parent_node.path,
        status=UnionStatus.PROVISIONING,
    )
    _validate_union(union)
    host = union_host(slug)
    if Domain.objects.filter(domain=host).exists():
        raise DomainValidationError.single("slug", "duplicate_domain", _("该域名已被占用。"))
    try:
        with transaction.atomic():
            union.save()
            Domain.objects.create(domain=host, tenant=union, is_primary=True)
            _staff_history_append(union, union.staff_count, StaffCountSource.PROFILE, on=timezone.localdate())
    except IntegrityError as exc:
        # A concurrent registration took the slug, domain or credit code between validation and insert.
        errors = _union_integrity_errors(union, host)
        if not errors:
            raise
        raise DomainValidationError(errors) from exc
    return union


def union_schema_create(*, union: Union) -> Union:
    """Create the union's schema from the template if it is missing, then mark the union ACTIVE.

    Idempotent and safe to retry or run twice at once: the union row is locked while checking.
    """
    with transaction.atomic():
        locked = (
            Union.objects.select_for_update(of=("self",))
            .annotate(
                schema_present=RawSQL(
                    "EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n "
                    f'WHERE n.nspname = "{Union._meta.db_table}".schema_name)',
                    [],
                )
            )
            .get(pk=union.pk)
        )
        if not locked.schema_present:
            schema_create_from_template(locked.schema_name)
        if locked.status == UnionStatus.PROVISIONING:
            locked.status = UnionStatus.ACTIVE
            locked.save(update_fields=["status", "updated_at"])
    union.status = locked.status
    union.updated_at = locked.updated_at
    return union


def union_provision(
    *,
    slug: str,
    name: str,
    credit_code: str,
    unit_type: str,
    ownership_type: str,
    parent_node: FederationNode,
    union_kind: str = "single",
    staff_count: int = 0,
    female_staff_count: int = 0,
    founded_on: date | None = None,
) -> Union:
    """Register a union and create its schema from the template, synchronously (demo loader, command).

    All or nothing: the rows and the schema are created in one transaction.
    """
    with transaction.atomic():
        union = union_register(
            slug=slug,
            name=name,
            credit_code=credit_code,
            unit_type=unit_type,
            ownership_type=ownership_type,
            parent_node=parent_node,
            union_kind=union_kind,
            staff_count=staff_count,
            female_staff_count=female_staff_count,
            founded_on=founded_on,
        )
        return union_schema_create(union=union)


def union_update_profile(*, union: Union, **changes) -> Union:
    unknown = set(changes) - set(UNION_PROFILE_FIELDS)
    if unknown:
        raise DomainValidationError.single(sorted(unknown)[0], "unknown_field", _("该字段不可修改。"))
    for field, value in changes.items():
        if field == "credit_code":
            value = normalise_credit_code(value)
        elif field == "name":
            value = (value or "").strip()
        setattr(union, field, value)
    _validate_union(union)
    with transaction.atomic():
        union.save(update_fields=[*changes, "updated_at"])
        if "staff_count" in changes:
            _staff_history_append(union, union.staff_count, StaffCountSource.PROFILE, on=timezone.localdate())
    return union


def _staff_history_append(union: Union, value: int, source: str, *, on, actor_id=None, note: str = ""):
    return StaffCount.objects.create(
        union=union, effective_on=on, value=value, source=source, note=note, recorded_by_id=actor_id
    )


def staff_count_record(*, union: Union, value, effective_on, source: str, actor_id=None, note: str = ""):
    """Add a staff count to the union's history (e.g. the figure of a statistics report, or one a higher-level
    union verified). The current profile figure follows when the record is the latest."""
    errors: list[FieldError] = []
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        errors.append(FieldError("staff_count", "invalid", str(_("职工人数须为不小于0的整数。"))))
    if effective_on is None:
        errors.append(FieldError("effective_on", "required", str(_("请填写生效日期。"))))
    elif effective_on > timezone.localdate():
        errors.append(FieldError("effective_on", "in_future", str(_("生效日期不能晚于今天。"))))
    if source not in StaffCountSource.values:
        errors.append(FieldError("source", "invalid_choice", str(_("请选择有效的来源。"))))
    if len(note or "") > 500:
        errors.append(FieldError("note", "too_long", str(_("说明不能超过500个字。"))))
    if errors:
        raise DomainValidationError(errors)
    with transaction.atomic():
        row = _staff_history_append(union, value, source, on=effective_on, actor_id=actor_id, note=note)
        latest = StaffCount.objects.filter(union=union).order_by("-effective_on", "-id").first()
        if latest.pk == row.pk and union.staff_count != value and union.female_staff_count <= value:
            union.staff_count = value
            union.save(update_fields=["staff_count", "updated_at"])
    return row
