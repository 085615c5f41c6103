"""What falls due in continuation management, computed from the term, the allowance rules and what was given.

Pure functions over plain rows (no queries): `selectors.due_calendar` loads the rows in a fixed number of queries
and calls `due_items`.

The term runs from the day after the award to `continuation_last_day` (inclusive, modelworkers.terms). Within it:
- allowance (荣誉津贴): one payment per month whose first day lies within the term (exactly 60 months for a 5-year
  term, whatever the award day), due on the month's last day, at the amount of the awarding node's rule for the
  worker's level in force on the month's first day (no rule, or an amount of 0: nothing due);
- health check (体检), rest stay (疗休养/参观学习) and the annual assessment (年度考核): one per calendar year that
  overlaps the term, due on 31 December or on the term's last day when it ends earlier in that year;
- term end (延续管理期满): on the last day of the term (reminders only; nothing is "given").
Only workers still in continuation management (status managed) have anything due.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .models import DueKind

ANNUAL_DUE_KINDS = (DueKind.HEALTH_CHECK, DueKind.REST_STAY, DueKind.ASSESSMENT)


@dataclass(frozen=True)
class Term:
    """The part of a worker the calendar needs."""

    worker_id: int
    awarding_node_id: int
    level: str
    awarded_on: date
    last_day: date

    @property
    def first_day(self) -> date:
        return self.awarded_on + timedelta(days=1)


@dataclass(frozen=True)
class DueItem:
    worker_id: int
    kind: str
    due_on: date
    year: int  # the calendar year the item belongs to (of the month, for allowances)
    month: date | None = None  # allowances: first day of the month
    amount_fen: int | None = None  # allowances: the rule's monthly amount


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def next_month(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)


def term_years(term: Term) -> range:
    """Calendar years overlapping the term: the assessment and annual-benefit years."""
    return range(term.first_day.year, term.last_day.year + 1)


def year_in_term(*, awarded_on: date, last_day: date, year: int) -> bool:
    return (awarded_on + timedelta(days=1)).year <= year <= last_day.year


def annual_due_on(term: Term, year: int) -> date:
    return min(date(year, 12, 31), term.last_day)


def allowance_months(term: Term) -> list[date]:
    """First days of the months that start within the term."""
    first = term.first_day
    month = first if first.day == 1 else next_month(first.replace(day=1))
    months = []
    while month <= term.last_day:
        months.append(month)
        month = next_month(month)
    return months


def month_in_term(*, awarded_on: date, last_day: date, month: date) -> bool:
    return month.day == 1 and awarded_on < month <= last_day


@dataclass(frozen=True)
class RuleSpan:
    rule_id: int
    node_id: int
    level: str
    effective_from: date
    effective_to: date | None
    monthly_amount_fen: int


def rule_for(rules: Iterable[RuleSpan], *, node_id: int, level: str, on: date) -> RuleSpan | None:
    for rule in rules:
        if (
            rule.node_id == node_id
            and rule.level == level
            and rule.effective_from <= on
            and (rule.effective_to is None or on <= rule.effective_to)
        ):
            return rule
    return None


def due_items(
    terms: Iterable[Term],
    *,
    start: date,
    end: date,
    rules: Mapping[tuple[int, str], list[RuleSpan]],
    given: set[tuple[int, str, int | date]],
) -> list[DueItem]:
    """Items due between `start` and `end` (inclusive) that were not given, sorted by date, kind and worker.

    `rules` maps (node id, level) to its rules; `given` holds (worker id, kind, year) for annual benefits and filed
    assessments and (worker id, "allowance", month) for allowance months paid."""
    items: list[DueItem] = []
    for term in terms:
        if start <= term.last_day <= end:
            items.append(DueItem(term.worker_id, DueKind.TERM_END, term.last_day, term.last_day.year))
        for year in term_years(term):
            due_on = annual_due_on(term, year)
            if not start <= due_on <= end:
                continue
            for kind in ANNUAL_DUE_KINDS:
                if (term.worker_id, kind, year) not in given:
                    items.append(DueItem(term.worker_id, kind, due_on, year))
        node_rules = rules.get((term.awarding_node_id, term.level), ())
        if not node_rules:
            continue
        for month in allowance_months(term):
            due_on = month_end(month)
            if due_on < start:
                continue
            if due_on > end:
                break
            if (term.worker_id, DueKind.ALLOWANCE, month) in given:
                continue
            rule = rule_for(node_rules, node_id=term.awarding_node_id, level=term.level, on=month)
            if rule is not None and rule.monthly_amount_fen > 0:
                items.append(
                    DueItem(
                        term.worker_id,
                        DueKind.ALLOWANCE,
                        due_on,
                        month.year,
                        month=month,
                        amount_fen=rule.monthly_amount_fen,
                    )
                )
    items.sort(key=lambda item: (item.due_on, item.kind, item.worker_id, item.month or item.due_on))
    return items
