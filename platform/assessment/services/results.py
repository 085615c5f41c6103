"""Scoring and publication: computing a round's results and ranking, publishing them with the titles they award."""

from __future__ import annotations

import json
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rollup.facts import facts_apply
from unionhub.copy import copy_rows

from .. import engine, facts, reasons, scoring
from ..models import (
    Grade,
    Result,
    Round,
    RoundStatus,
)
from .common import _error
from .titles import _add_years, _title_award

# --- Scoring and publication ---------------------------------------------------------------------------------------


def _compute_results(rnd: Round, at) -> list[Result]:
    spec = scoring.standard_spec(rnd.standard)
    grade_names = {grade.code: grade.name for grade in spec.grades}
    computed = []
    for participant, inputs in scoring.round_inputs(rnd, on=timezone.localdate(at)):
        outcome = engine.score(spec, inputs)
        computed.append((participant, outcome))
    # Unions' 职工之家 and branches' 职工小家 are ranked separately.
    ranks: dict[int, int] = {}
    for is_branch in (False, True):
        entries = [(p.pk, o.total) for p, o in computed if bool(p.branch_id) == is_branch]
        ranks.update(dict(engine.competition_ranks(entries)))
    return [
        Result(
            participant=participant,
            round=rnd,
            base_points=outcome.base_points,
            bonus_points=outcome.bonus_points,
            deduction_points=outcome.deduction_points,
            total=outcome.total,
            grade=outcome.grade,
            reason_code=outcome.reason_code,
            reason=reasons.describe(outcome, grade_names)[:500],
            breakdown=scoring.breakdown_json(outcome),
            join_rate=outcome.join_rate,
            satisfaction=outcome.satisfaction,
            rank=ranks[participant.pk],
            computed_at=at,
        )
        for participant, outcome in computed
    ]


RESULT_COLUMNS = (
    "participant_id",
    "round_id",
    "base_points",
    "bonus_points",
    "deduction_points",
    "total",
    "grade",
    "reason_code",
    "reason",
    "breakdown",
    "join_rate",
    "satisfaction",
    "rank",
    "computed_at",
)


def _results_replace(rnd: Round, results: list[Result]) -> None:
    """Replace the round's result rows. COPY rather than INSERT: the per-item breakdowns of a 1,000-union round
    are ~1 MB of JSON, which an INSERT's array parameters spend seconds escaping on the client."""
    with connection.cursor() as cursor:
        # Plain DELETE: the ORM's delete() would first fetch every row (and its breakdown) to send signals.
        cursor.execute(f"DELETE FROM {Result._meta.db_table} WHERE round_id = %s", [rnd.pk])
    copy_rows(
        connection.ops.quote_name(Result._meta.db_table),
        RESULT_COLUMNS,
        (
            [
                result.participant.pk,
                rnd.pk,
                result.base_points,
                result.bonus_points,
                result.deduction_points,
                result.total,
                result.grade,
                result.reason_code,
                result.reason,
                json.dumps(result.breakdown, ensure_ascii=False),
                result.join_rate,
                result.satisfaction,
                result.rank,
                result.computed_at,
            ]
            for result in results
        ),
    )


def _locked_round(rnd: Round) -> Round:
    return (
        Round.objects.select_for_update(of=("self",)).select_related("standard", "organiser").get(pk=rnd.pk)
    )


def round_score(*, round: Round, actor, at) -> Round:
    """(Re)compute every participant's result and the ranking. Allowed until the round is published."""
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.PUBLISHED:
            raise _error("round", "published", _("该考核批次结果已公布，不能重新评分。"))
        results = _compute_results(rnd, at)
        _results_replace(rnd, results)
        rnd.status = RoundStatus.SCORED
        rnd.scored_at = at
        rnd.save(update_fields=["status", "scored_at"])
    return rnd


def round_publish(*, round: Round, actor, at) -> Round:
    """Publish the results (recomputed from the latest inspection), award titles, update live facts."""
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.PUBLISHED:
            raise _error("round", "published", _("该考核批次结果已公布。"))
        if rnd.status != RoundStatus.SCORED:
            raise _error("round", "not_scored", _("请先完成评分再公布结果。"))
        results = _compute_results(rnd, at)
        _results_replace(rnd, results)
        rnd.status = RoundStatus.PUBLISHED
        rnd.published_at = at
        rnd.save(update_fields=["status", "published_at"])
        deltas: dict[int, dict] = defaultdict(lambda: defaultdict(int))
        unions = {}
        for result in results:
            participant = result.participant
            participant.round = rnd
            unions[participant.union_id] = participant.union
            for key, value in facts.result_deltas(participant, result.total).items():
                deltas[participant.union_id][key] += value
        grades = {grade.code: grade for grade in Grade.objects.filter(standard_id=rnd.standard_id)}
        awarded_on = timezone.localdate(at)
        for result in results:
            if not result.grade:
                continue
            grade = grades[result.grade]
            participant = result.participant
            for key, value in _title_award(
                union=participant.union,
                branch_id=participant.branch_id,
                grade=grade.code,
                grade_name=grade.name,
                awarded_by=rnd.organiser,
                awarded_on=awarded_on,
                valid_until=_add_years(awarded_on, grade.validity_years),
                round=rnd,
                actor=actor,
                reason=result.reason,
            ).items():
                deltas[participant.union_id][key] += value
        for union_id, union_deltas in deltas.items():
            facts_apply(union=unions[union_id], deltas=union_deltas)
    return rnd
