"""Per-request loaders for the federation tree and unions (access-filtered: invisible rows load as missing)."""

from __future__ import annotations

from api.core.loaders import DataLoader
from federations import selectors


class NodeByIdLoader(DataLoader):
    def batch_load(self, keys):
        return selectors.node_map(actor=self.context.actor, ids=keys)


class NodeChildrenLoader(DataLoader):
    """Visible direct children of a node, keyed by the parent's id."""

    missing: list = []

    def batch_load(self, keys):
        return selectors.node_children_map(actor=self.context.actor, parent_ids=keys)


class UnionByIdLoader(DataLoader):
    def batch_load(self, keys):
        return selectors.union_map(actor=self.context.actor, ids=keys)


class NodeNameLoader(DataLoader):
    """Names of nodes next to an authorised node (its parent, its report recipient); never whole rows."""

    def batch_load(self, keys):
        return selectors.node_names_by_id(ids=keys)
