"""Per-request batch loaders (synchronous).

graphql-core runs sync resolvers depth-first, one list item after another, so a classic promise-based DataLoader
never sees its siblings' keys. Instead a list resolver announces the keys its items will need (`queue`), and the
first `load` fetches every queued key in one query. Loaders live on the request context, never at module level:
a module-level cache would carry rows from one tenant or actor into another request.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any


class DataLoader:
    """Subclass and implement `batch_load(keys) -> {key: value}`; absent keys get `missing`."""

    missing: Any = None

    def __init__(self, context):
        self.context = context
        self._cache: dict[Hashable, Any] = {}
        self._queue: set[Hashable] = set()

    def batch_load(self, keys: list) -> dict:
        raise NotImplementedError

    def queue(self, keys: Iterable[Hashable]) -> None:
        """Announce keys a later `load` will ask for, so they are fetched in the same query."""
        self._queue.update(key for key in keys if key is not None and key not in self._cache)

    def load(self, key: Hashable):
        if key is None:
            return self.missing
        if key not in self._cache:
            keys = {key, *self._queue} - self._cache.keys()
            self._queue.clear()
            found = self.batch_load(sorted(keys, key=repr))
            for each in keys:
                self._cache[each] = found.get(each, self.missing)
        return self._cache[key]

    def load_many(self, keys: Iterable[Hashable]) -> list:
        keys = list(keys)
        self.queue(keys)
        return [self.load(key) for key in keys]

    def prime(self, key: Hashable, value) -> None:
        self._cache.setdefault(key, value)
