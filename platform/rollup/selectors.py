"""Reading live facts."""

from __future__ import annotations

from collections.abc import Iterable

from .models import LiveFact


def facts_for_union(
    *, union, indicators: Iterable[str] | None = None, period: str | None = None, branch_id: int | None = None
) -> dict[tuple[int, str, str], int]:
    """{(branch_id, indicator, period): value} for one union; zero rows are left out."""
    rows = LiveFact.objects.filter(union=union).exclude(value=0)
    if indicators is not None:
        rows = rows.filter(indicator__in=list(indicators))
    if period is not None:
        rows = rows.filter(period=period)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    return {
        (branch, indicator, row_period): value
        for branch, indicator, row_period, value in rows.values_list(
            "branch_id", "indicator", "period", "value"
        )
    }
