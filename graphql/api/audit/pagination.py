"""Newest-first keyset pages (api.core.pagination pages ascending): audit entries and job lists read backwards."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Q, QuerySet

from api.core.pagination import _build, decode_cursor, encode_cursor, page_size


def _cursor_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _before_filter(keys: Sequence[str], values: Sequence) -> Q:
    """Rows strictly before `values` in the descending order of `keys`."""
    query = Q(pk__in=[])
    for i, key in enumerate(keys):
        step = Q(**{f"{key}__lt": values[i]})
        for prev_key, prev_value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{prev_key: prev_value})
        query |= step
    return query


def paginate_queryset_desc(
    queryset: QuerySet, connection_type, *, keys: Sequence[str], first=None, after=None
):
    """One page of `queryset`, which must be ordered by `keys` descending (the last key unique, e.g. id)."""
    size = page_size(first)
    page_qs = queryset
    if after:
        page_qs = page_qs.filter(_before_filter(keys, decode_cursor(after, len(keys))))
    rows = list(page_qs[: size + 1])
    return _build(
        connection_type,
        rows[:size],
        has_next=len(rows) > size,
        has_previous=bool(after),
        cursor_of=lambda row: encode_cursor([_cursor_value(getattr(row, key)) for key in keys]),
        count=queryset.count,
    )
