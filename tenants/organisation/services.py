"""Writing the branch tree (分会 / 车间工会 / 工会小组) of the union whose schema the connection is in."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from membership.models import Member
from rollup.facts import facts_drop_branch
from unionhub.errors import DomainValidationError, FieldError

from .models import Branch, BranchKind
from .selectors import branch_subtree_ids

BRANCH_FIELDS = ("name", "kind", "parent", "is_small_home", "sort_order")


def _clean(values: dict, *, branch: Branch | None) -> dict:
    errors: list[FieldError] = []
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            errors.append(FieldError("name", "required", _("请填写名称。")))
        elif len(values["name"]) > 200:
            errors.append(FieldError("name", "too_long", _("名称不能超过200个字。")))
    if "kind" in values and values["kind"] not in BranchKind.values:
        errors.append(FieldError("kind", "invalid_choice", _("类型应为分会、车间工会或工会小组。")))
    if "sort_order" in values and (values["sort_order"] is None or values["sort_order"] < 0):
        errors.append(FieldError("sort_order", "invalid", _("排序号不能为负数。")))
    parent = values.get("parent")
    if parent is not None:
        if not isinstance(parent, Branch):
            parent = Branch.objects.filter(pk=parent).first()
            if parent is None:
                errors.append(FieldError("parent", "not_found", _("上级分会不存在。")))
            values["parent"] = parent
        if parent is not None and parent.kind == BranchKind.GROUP:
            errors.append(FieldError("parent", "group_has_no_children", _("工会小组下不能再设下级组织。")))
        if parent is not None and branch is not None and parent.pk in branch_subtree_ids([branch.pk]):
            errors.append(FieldError("parent", "cycle", _("不能把分会移到它自己或它的下级之下。")))
    if errors:
        raise DomainValidationError(errors)
    return values


def _save(branch: Branch) -> Branch:
    try:
        with transaction.atomic():
            branch.save()
    except IntegrityError as exc:
        raise DomainValidationError.single("name", "duplicate", _("同一上级下已有同名组织。")) from exc
    return branch


def branch_create(
    *,
    name: str,
    kind: str = BranchKind.BRANCH,
    parent: Branch | int | None = None,
    is_small_home: bool = False,
    sort_order: int = 0,
) -> Branch:
    values = _clean(
        {
            "name": name,
            "kind": kind,
            "parent": parent,
            "is_small_home": is_small_home,
            "sort_order": sort_order,
        },
        branch=None,
    )
    return _save(Branch(**values))


def branch_update(*, branch: Branch, **changes) -> Branch:
    """Change the fields given; `parent=None` moves the branch to the top."""
    unknown = set(changes) - set(BRANCH_FIELDS)
    if unknown:
        raise DomainValidationError.single(sorted(unknown)[0], "unknown_field", _("该字段不可修改。"))
    if changes.get("kind") == BranchKind.GROUP and branch.children.exists():
        raise DomainValidationError.single("kind", "has_children", _("该组织有下级组织，不能改为工会小组。"))
    values = _clean(dict(changes), branch=branch)
    for field, value in values.items():
        setattr(branch, field, value)
    return _save(branch)


def branch_delete(*, branch: Branch, union=None) -> None:
    """Delete an empty branch: refused while it has sub-branches or any member records (history included)."""
    if branch.children.exists():
        raise DomainValidationError.single("id", "has_children", _("该组织下还有下级组织，不能删除。"))
    if Member.objects.filter(branch=branch).exists():
        raise DomainValidationError.single("id", "has_members", _("该组织下还有会员记录，不能删除。"))
    branch_id = branch.pk
    with transaction.atomic():
        branch.delete()
        if union is not None:
            facts_drop_branch(union=union, branch_id=branch_id)
