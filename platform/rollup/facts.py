"""The roll-up's fact store: maintaining live facts, inside the transaction of the change that moves the figures.

The registers tier (docs/architecture.md): the union-side apps and the workflows write their figures here."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection

from .models import LiveFact


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


def facts_replace(*, union, indicators, facts: Mapping[tuple[int, str, str], int]) -> None:
    """Set the union's facts for `indicators` to exactly `facts` (a recount): other rows of these indicators go.

    Used by recounts (period close, repairs); the maintained path is `facts_apply`.
    """
    indicators = list(indicators)
    unknown = {indicator for (_, indicator, _) in facts} - set(indicators)
    if unknown:
        raise ValueError(f"facts for indicators not being replaced: {sorted(unknown)}")
    fresh = [
        (branch_id or 0, indicator, period or "", value)
        for (branch_id, indicator, period), value in facts.items()
        if value
    ]
    # One statement (a period close replaces every union's facts): upsert the new figures, delete the rest.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH fresh AS (
                SELECT * FROM unnest(%(branches)s::bigint[], %(indicators)s::text[], %(periods)s::text[],
                                     %(values)s::bigint[]) AS n (branch_id, indicator, period, value)
            ), upserted AS (
                INSERT INTO public.rollup_livefact (union_id, node_path, branch_id, indicator, period, value, updated_at)
                SELECT %(union)s, %(path)s, branch_id, indicator, period, value, now() FROM fresh
                ON CONFLICT (union_id, branch_id, indicator, period)
                DO UPDATE SET value = EXCLUDED.value, node_path = EXCLUDED.node_path, updated_at = now()
            )
            DELETE FROM public.rollup_livefact f
            WHERE f.union_id = %(union)s AND f.indicator = ANY(%(replaced)s)
              AND NOT EXISTS (
                  SELECT 1 FROM fresh n
                  WHERE n.branch_id = f.branch_id AND n.indicator = f.indicator AND n.period = f.period
              )
            """,
            {
                "branches": [row[0] for row in fresh],
                "indicators": [row[1] for row in fresh],
                "periods": [row[2] for row in fresh],
                "values": [row[3] for row in fresh],
                "union": union.pk,
                "path": union.node_path,
                "replaced": indicators,
            },
        )


def facts_drop_branch(*, union, branch_id: int) -> None:
    """Remove a deleted branch's rows (its counts are zero by then: branches with members cannot be deleted)."""
    LiveFact.objects.filter(union=union, branch_id=branch_id).delete()
