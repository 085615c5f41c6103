"""Maintaining live facts. Called inside the transaction of the change that moves the figures."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection


def facts_apply(*, union, deltas: Mapping[tuple[int, str, str], int]) -> None:
    """Add deltas to facts: {(branch_id, indicator, period): delta}. One statement, upserts on the natural key.

    Callers pass both the branch row and the union-wide row (branch 0) for each change.
    """
    rows = [(key, delta) for key, delta in deltas.items() if delta]
    if not rows:
        return
    values_sql = ", ".join(["(%s, %s, %s, %s, %s, %s, now())"] * len(rows))
    params: list = []
    for (branch_id, indicator, period), delta in rows:
        params += [union.pk, union.node_path, branch_id or 0, indicator, period or "", delta]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO public.rollup_livefact (union_id, node_path, branch_id, indicator, period, value, updated_at)
            VALUES {values_sql}
            ON CONFLICT (union_id, branch_id, indicator, period)
            DO UPDATE SET value = public.rollup_livefact.value + EXCLUDED.value, updated_at = now()
            """,
            params,
        )
