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


def facts_replace(*, union, indicators, facts: Mapping[tuple[int, str, str], int]) -> None:
    """Set the union's facts for `indicators` to exactly `facts` (a recount): other rows of these indicators go.

    Used by recounts (period close, repairs); the maintained path is `facts_apply`.
    """
    from .models import LiveFact

    indicators = list(indicators)
    unknown = {indicator for (_, indicator, _) in facts} - set(indicators)
    if unknown:
        raise ValueError(f"facts for indicators not being replaced: {sorted(unknown)}")
    LiveFact.objects.filter(union=union, indicator__in=indicators).delete()
    LiveFact.objects.bulk_create(
        [
            LiveFact(
                union=union,
                node_path=union.node_path,
                branch_id=branch_id or 0,
                indicator=indicator,
                period=period or "",
                value=value,
            )
            for (branch_id, indicator, period), value in facts.items()
            if value
        ]
    )


def facts_drop_branch(*, union, branch_id: int) -> None:
    """Remove a deleted branch's rows (its counts are zero by then: branches with members cannot be deleted)."""
    from .models import LiveFact

    LiveFact.objects.filter(union=union, branch_id=branch_id).delete()
