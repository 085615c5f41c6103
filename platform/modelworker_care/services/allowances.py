"""Allowance rules per node and level, and the spans they cover."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection, transaction
from django.utils.translation import gettext as _

from modelworkers import services as registry
from modelworkers.models import (
    Level,
)

from .. import due
from ..models import (
    AllowanceRule,
)
from .common import _RULE_LOCK_CLASS, _clean_amount, _clean_text, _error

# --- allowance rules ---------------------------------------------------------------------------------------------


def allowance_rule_create(
    *,
    node,
    level: str,
    effective_from: date,
    monthly_amount_fen: int,
    note: str = "",
    actor=None,
) -> AllowanceRule:
    """A node's honorary allowance (荣誉津贴) for one level from the first day of a month. Rules of a node and level
    form one sequence: a new rule must start after the latest one, which it supersedes (the latest then ends the
    day before). A rule starting on or before an existing one would overlap it and is refused."""
    if level not in Level.values:
        raise _error("level", "invalid_choice", _("请选择劳模级别。"))
    if not isinstance(effective_from, date):
        raise _error("effective_from", "required", _("请填写起始日期。"))
    if effective_from.day != 1:
        raise _error("effective_from", "not_month_start", _("津贴按月发放，起始日期应为某月1日。"))
    amount = _clean_amount(monthly_amount_fen, "monthly_amount_fen")
    note = _clean_text(note, "note", _("依据"), 500)
    with transaction.atomic():
        # Serialise rule changes of one node (two new rules at once could both pass the overlap check).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_RULE_LOCK_CLASS, node.pk])
        latest = (
            AllowanceRule.objects.select_for_update()
            .filter(node=node, level=level)
            .order_by("-effective_from")
            .first()
        )
        if latest is not None:
            if effective_from <= latest.effective_from:
                raise _error(
                    "effective_from",
                    "overlap",
                    _("与%(from)s起执行的津贴标准重叠：新标准只能在已有标准之后生效。")
                    % {"from": latest.effective_from.isoformat()},
                )
            if latest.effective_to is None:
                latest.effective_to = effective_from - timedelta(days=1)
                latest.save(update_fields=["effective_to"])
        return AllowanceRule.objects.create(
            node=node,
            level=level,
            effective_from=effective_from,
            monthly_amount_fen=amount,
            note=note,
            created_by_id=registry.actor_id_of(actor),
        )


def rule_spans(*, node_ids, levels=None) -> dict[tuple[int, str], list[due.RuleSpan]]:
    rows = AllowanceRule.objects.filter(node_id__in=list(node_ids))
    if levels is not None:
        rows = rows.filter(level__in=list(levels))
    spans: dict[tuple[int, str], list[due.RuleSpan]] = {}
    for rule in rows.order_by("effective_from"):
        spans.setdefault((rule.node_id, rule.level), []).append(
            due.RuleSpan(
                rule.pk,
                rule.node_id,
                rule.level,
                rule.effective_from,
                rule.effective_to,
                rule.monthly_amount_fen,
            )
        )
    return spans
