"""Cursor connections with keyset cursors: a page is one indexed range query, stable while rows are added."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence

import graphene
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from graphql import GraphQLError

DEFAULT_PAGE_SIZE = 20


def max_page_size() -> int:
    return int(settings.GRAPHENE.get("RELAY_CONNECTION_MAX_LIMIT", 100))


class CountableConnection(graphene.relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(required=True, description="Number of items matching the filters (all pages).")

    @staticmethod
    def resolve_total_count(root, info):
        return root.count_items()


def connection_args() -> dict:
    """The paging arguments every connection field takes (forward paging only)."""
    return {
        "first": graphene.Int(description=f"Page size, at most 100 (default {DEFAULT_PAGE_SIZE})."),
        "after": graphene.String(description="Return items after this cursor (`pageInfo.endCursor`)."),
    }


def page_size(first) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    limit = max_page_size()
    if first < 0 or first > limit:
        raise GraphQLError(
            _("分页参数 first 应在0到%(limit)s之间。") % {"limit": limit},
            extensions={"code": "invalid_page_size"},
        )
    return first


def encode_cursor(values: Sequence) -> str:
    if len(values) == 1 and type(values[0]) is int:
        # The common pk-only keyset, spelled exactly as json.dumps would, without its cost (one per edge).
        text = f"[{values[0]}]"
    else:
        text = json.dumps(list(values), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode()


def decode_cursor(cursor: str, width: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (binascii.Error, UnicodeError, ValueError):
        values = None
    if (
        not isinstance(values, list)
        or len(values) != width
        or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values)
        # Beyond bigint PostgreSQL refuses the comparison (an internal error before).
        or any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in values)
    ):
        raise _invalid_cursor()
    return values


def _invalid_cursor() -> GraphQLError:
    return GraphQLError(_("分页游标无效，请从第一页重新查询。"), extensions={"code": "invalid_cursor"})


def _after_filter(keys: Sequence[str], values: Sequence, *, descending: bool = False) -> Q:
    """Rows strictly after `values` in the order of `keys` (lexicographic keyset, ascending or descending)."""
    lookup = "lt" if descending else "gt"
    query = Q(pk__in=[])
    for i, key in enumerate(keys):
        step = Q(**{f"{key}__{lookup}": values[i]})
        for prev_key, prev_value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{prev_key: prev_value})
        query |= step
    return query


def _build(connection_type, items, *, has_next: bool, has_previous: bool, cursor_of, count):
    edges = [connection_type.Edge(node=item, cursor=cursor_of(item)) for item in items]
    connection = connection_type(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=has_previous,
            has_next_page=has_next,
        ),
    )
    connection.count_items = count
    connection.items = list(items)
    return connection


def _cursor_value(value):
    # Datetimes travel as ISO text; the ORM parses it back when filtering.
    return value.isoformat() if hasattr(value, "isoformat") else value


def paginate_queryset(
    queryset: QuerySet,
    connection_type,
    *,
    keys: Sequence[str],
    first=None,
    after=None,
    descending: bool = False,
):
    """One page of `queryset`, which must be ordered by `keys` (ascending, or all descending with
    `descending=True`, e.g. newest first); the last key is unique, e.g. pk."""
    size = page_size(first)
    page_qs = queryset
    if after:
        try:
            # A value of the wrong type for its key (text for a pk, a malformed date) fails while the filter is
            # built: the client's cursor is bad, not the server.
            page_qs = page_qs.filter(
                _after_filter(keys, decode_cursor(after, len(keys)), descending=descending)
            )
        except (ValueError, TypeError, ValidationError):
            raise _invalid_cursor() from None
    rows = list(page_qs[: size + 1])
    return _build(
        connection_type,
        rows[:size],
        has_next=len(rows) > size,
        has_previous=bool(after),
        cursor_of=lambda row: encode_cursor([_cursor_value(getattr(row, key)) for key in keys]),
        count=queryset.count,
    )


def paginate_list(items: Sequence, connection_type, *, key: Callable, first=None, after=None):
    """One page of an in-memory list already sorted by `key` (which returns a list of str/int, unique)."""
    size = page_size(first)
    remaining = list(items)
    if after:
        width = len(key(remaining[0])) if remaining else None
        start = decode_cursor(after, width) if width else None
        try:
            remaining = [item for item in remaining if key(item) > start] if start is not None else []
        except TypeError:  # text where the key holds numbers, or the reverse
            raise _invalid_cursor() from None
    return _build(
        connection_type,
        remaining[:size],
        has_next=len(remaining) > size,
        has_previous=bool(after),
        cursor_of=lambda item: encode_cursor(key(item)),
        count=lambda: len(items),
    )


def empty_connection(connection_type):
    return _build(connection_type, [], has_next=False, has_previous=False, cursor_of=str, count=lambda: 0)
