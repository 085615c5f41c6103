"""Branches (分会 / 车间工会 / 工会小组) of one union, with their parent given by name.

A parent is an existing branch or a row earlier in the same file, so a whole tree imports in one file (parents
first, as the export writes it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisation.models import Branch, BranchKind
from unionhub.copy import copy_insert, ids_reserve

from ..registry import CellError, Importer, importer

# Fixed Chinese labels (not translated): files use them whatever the user's language.
KIND_BY_LABEL = {"分会": BranchKind.BRANCH, "车间工会": BranchKind.WORKSHOP, "工会小组": BranchKind.GROUP}
LABEL_BY_KIND = {kind: label for label, kind in KIND_BY_LABEL.items()}
YES, NO = "是", "否"
NAME_MAX = Branch._meta.get_field("name").max_length


class _Pending:
    """A branch accepted earlier in the file but not yet written (its id is known after its batch's insert)."""

    __slots__ = ("pk",)

    def __init__(self):
        self.pk: int | None = None


@dataclass
class BranchContext:
    # Name -> branches with that name (ids of existing ones, _Pending for rows of this file).
    by_name: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    # (parent, name) pairs that exist or are accepted: the model allows one name per parent.
    taken: set = field(default_factory=set)


def _parent_key(ref):
    return ref.pk if isinstance(ref, _Pending) and ref.pk is not None else ref


@importer("branches")
class BranchImporter(Importer):
    label = gettext_lazy("分会/小组")
    file_stem = "分会小组"
    headers = {"名称": "name", "类型": "kind", "上级名称": "parent_name", "职工小家": "is_small_home"}
    required = ("名称", "类型")
    natural_key = ("name", "parent_name")

    def prepare(self, union, *, user=None) -> BranchContext:
        ctx = BranchContext()
        for pk, name, parent_id in Branch.objects.values_list("pk", "name", "parent_id"):
            ctx.by_name[name].append(pk)
            ctx.taken.add((parent_id, name))
        return ctx

    def validate(self, row, ctx: BranchContext):
        errors = []
        name = row["name"]
        if not name:
            errors.append(CellError("名称", _("不能为空。")))
        elif len(name) > NAME_MAX:
            errors.append(CellError("名称", _("不能超过%(max)s个字。") % {"max": NAME_MAX}))

        kind = KIND_BY_LABEL.get(row["kind"])
        if kind is None:
            errors.append(
                CellError(
                    "类型",
                    _("“%(value)s”不是有效的类型，应为：分会、车间工会、工会小组。") % {"value": row["kind"]}
                    if row["kind"]
                    else _("不能为空，应为：分会、车间工会、工会小组。"),
                )
            )

        small_home = row.get("is_small_home", "")
        if small_home not in ("", YES, NO):
            errors.append(
                CellError("职工小家", _("“%(value)s”无效，请填写“是”或“否”。") % {"value": small_home})
            )

        parent = None
        parent_name = row.get("parent_name", "")
        if parent_name:
            candidates = ctx.by_name.get(parent_name) or []
            if not candidates:
                errors.append(
                    CellError(
                        "上级名称",
                        _("未找到名为“%(name)s”的分会（须为已有分会，或本文件中排在前面的行）。")
                        % {"name": parent_name},
                    )
                )
            elif len(candidates) > 1:
                errors.append(
                    CellError(
                        "上级名称", _("有多个名为“%(name)s”的分会，无法确定上级。") % {"name": parent_name}
                    )
                )
            else:
                parent = candidates[0]

        if not errors and (_parent_key(parent), name) in ctx.taken:
            errors.append(CellError("名称", _("“%(name)s”已存在于同一上级下。") % {"name": name}))
        if errors:
            return None, errors

        ref = _Pending()
        taken_key = (_parent_key(parent), name)
        ctx.taken.add(taken_key)
        ctx.by_name[name].append(ref)
        clean = {
            "name": name,
            "kind": kind,
            "parent": parent,
            "is_small_home": small_home == YES,
            "ref": ref,
            "taken_key": taken_key,
        }
        return clean, []

    def write_batch(self, rows, ctx: BranchContext) -> None:
        # Ids first, then one COPY: a row's parent may be a row of this batch (earlier in the file).
        for row, pk in zip(rows, ids_reserve(Branch, len(rows)), strict=True):
            row["ref"].pk = pk
        now = timezone.now()
        copy_insert(
            Branch,
            ["id", "name", "kind", "parent_id", "is_small_home", "sort_order", "created_at"],
            [
                (
                    row["ref"].pk,
                    row["name"],
                    row["kind"],
                    _parent_key(row["parent"]),
                    row["is_small_home"],
                    0,
                    now,
                )
                for row in rows
            ],
        )
        # Later batches see this batch's branches by id.
        for row in rows:
            ref = row["ref"]
            names = ctx.by_name[row["name"]]
            names[names.index(ref)] = ref.pk
            ctx.taken.discard(row["taken_key"])
            ctx.taken.add((_parent_key(row["parent"]), row["name"]))

    def export_rows(self, union):
        """Every branch, parents before children (so the file imports back as is)."""
        branches = list(
            Branch.objects.order_by("sort_order", "id").values_list(
                "pk", "name", "kind", "parent_id", "is_small_home"
            )
        )
        names = {pk: name for pk, name, *_ in branches}
        children = defaultdict(list)
        for branch in branches:
            children[branch[3]].append(branch)
        stack = list(reversed(children[None]))
        while stack:
            pk, name, kind, parent_id, small_home = stack.pop()
            yield [name, LABEL_BY_KIND.get(kind, kind), names.get(parent_id, ""), YES if small_home else NO]
            stack.extend(reversed(children[pk]))
