"""Small readers for model-worker tests: a worker's history and the union's model-worker facts."""

from __future__ import annotations


def history(worker) -> list[tuple[str, str]]:
    from modelworkers.models import ModelWorkerStatusChange

    return list(
        ModelWorkerStatusChange.objects.filter(worker=worker)
        .order_by("id")
        .values_list("from_status", "to_status")
    )


def mw_facts(union) -> dict[str, int]:
    """Non-zero mw_* stock facts of `union` (branch 0)."""
    from rollup.models import LiveFact

    rows = LiveFact.objects.filter(union=union, branch_id=0, indicator__startswith="mw_", period="")
    return {indicator: value for indicator, value in rows.values_list("indicator", "value") if value}


def error_of(exc_info) -> tuple[str, str]:
    error = exc_info.value.errors[0]
    return error.field, error.code
