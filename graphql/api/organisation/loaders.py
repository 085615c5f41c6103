"""Per-request loaders for the branch tree of the union host's union (one query for the whole tree)."""

from __future__ import annotations

from api.core.loaders import DataLoader
from organisation.selectors import branch_list
from rollup import indicators as ind
from rollup.selectors import facts_for_union

ALL = "all"


class BranchTree:
    def __init__(self, branches):
        self.branches = list(branches)
        self.by_id = {branch.pk: branch for branch in self.branches}
        self._children: dict[int | None, list] = {}
        for branch in self.branches:
            self._children.setdefault(branch.parent_id, []).append(branch)

    def children(self, parent_id):
        return self._children.get(parent_id, [])

    def subtree_ids(self, branch_id) -> list[int]:
        found, stack = [], [branch_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.append(current)
            stack.extend(child.pk for child in self.children(current))
        return found

    def depth(self, branch) -> int:
        depth, seen = 0, {branch.pk}
        while branch.parent_id is not None and branch.parent_id not in seen:
            branch = self.by_id[branch.parent_id]
            seen.add(branch.pk)
            depth += 1
        return depth


class BranchTreeLoader(DataLoader):
    """The whole tree of the request's union under the key ALL (unions have tens of branches)."""

    def batch_load(self, keys):
        tree = BranchTree(branch_list())
        return {key: tree for key in keys}


class BranchMemberCountLoader(DataLoader):
    """Active members per branch from the live facts, keyed by branch id (one query for all branches)."""

    missing = 0

    def batch_load(self, keys):
        facts = facts_for_union(union=self.context.union, indicators=[ind.MEMBERS], period=ind.STOCK)
        return {branch_id: value for (branch_id, _, _), value in facts.items()}


def branch_tree(context) -> BranchTree:
    return context.loader(BranchTreeLoader).load(ALL)


def forget_branch_tree(context) -> None:
    """After a mutation changed the tree, later fields of the same request load it afresh."""
    context._loaders.pop(BranchTreeLoader, None)
