"""The per-request GraphQL context: who asks, on which host, and this request's DataLoaders."""

from __future__ import annotations

from accounts.access import Actor, Perm, actor_for
from federations.models import Union

from .loaders import DataLoader


class GraphQLContext:
    """`info.context` for every resolver.

    Two scopes, one schema: on the public host `union` is None and the API answers for the federation nodes the
    actor may see; on a union's host `union` is that union and the API answers for it alone (nothing at all for an
    actor without a role on it).
    """

    def __init__(self, request):
        self.request = request
        actor = getattr(request, "actor", None)
        self.actor: Actor = actor if actor is not None else actor_for(None)
        tenant = getattr(request, "tenant", None)
        self.union: Union | None = tenant if isinstance(tenant, Union) else None
        self._loaders: dict[type, DataLoader] = {}
        self._union_visible: bool | None = None

    @property
    def user(self):
        return self.actor.user

    @property
    def is_union_host(self) -> bool:
        return self.union is not None

    @property
    def union_visible(self) -> bool:
        """On a union host: whether the actor may see this union at all."""
        if self.union is None:
            return False
        if self._union_visible is None:
            self._union_visible = self.actor.can_on_union(Perm.UNION_VIEW, self.union)
        return self._union_visible

    def can_see_node(self, node) -> bool:
        # A union host never shows federation nodes: it answers for its union only.
        return node is not None and self.union is None and self.actor.can_on_node(Perm.NODE_VIEW, node)

    def can_see_union(self, union) -> bool:
        if union is None:
            return False
        if self.union is not None and union.pk != self.union.pk:
            return False
        return self.actor.can_on_union(Perm.UNION_VIEW, union)

    def loader(self, loader_class: type[DataLoader]) -> DataLoader:
        """This request's instance of `loader_class` (created on first use, dropped with the request)."""
        instance = self._loaders.get(loader_class)
        if instance is None:
            instance = self._loaders[loader_class] = loader_class(self)
        return instance
