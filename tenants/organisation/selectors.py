"""Reading the branch tree of the union whose schema the connection is in."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Branch


def branch_list():
    return Branch.objects.all().order_by("sort_order", "id")


def branch_map(*, ids: Iterable[int]) -> dict[int, Branch]:
    return {branch.pk: branch for branch in Branch.objects.filter(pk__in=list(ids))}


def branch_parents() -> dict[int, int | None]:
    """{branch id: parent id} for the whole union (a union has tens of branches, not thousands)."""
    return dict(Branch.objects.values_list("id", "parent_id"))


def branch_subtree_ids(
    branch_ids: Iterable[int], *, parents: dict[int, int | None] | None = None
) -> set[int]:
    """The branches and everything below them."""
    parents = branch_parents() if parents is None else parents
    children: dict[int | None, list[int]] = {}
    for branch_id, parent_id in parents.items():
        children.setdefault(parent_id, []).append(branch_id)
    found: set[int] = set()
    stack = [branch_id for branch_id in branch_ids if branch_id in parents]
    while stack:
        branch_id = stack.pop()
        if branch_id in found:
            continue
        found.add(branch_id)
        stack.extend(children.get(branch_id, ()))
    return found


def branch_paths(branches: Iterable[Branch] | None = None) -> dict[int, str]:
    """{branch id: "分会/小组"}: full names from the top, as import files spell them."""
    branches = list(branch_list() if branches is None else branches)
    by_id = {branch.pk: branch for branch in branches}
    paths: dict[int, str] = {}

    def path(branch: Branch, seen: frozenset = frozenset()) -> str:
        if branch.pk in paths:
            return paths[branch.pk]
        parent = by_id.get(branch.parent_id)
        text = (
            branch.name
            if parent is None or parent.pk in seen
            else f"{path(parent, seen | {branch.pk})}/{branch.name}"
        )
        paths[branch.pk] = text
        return text

    for branch in branches:
        path(branch)
    return paths
