"""Scoring and publication: computing a round's results and ranking, publishing them with the titles they award."""

from __future__ import annotations

import json
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rollup.facts import facts_apply
from unionhub.copy import copy_rows
from unionhub.errors import DomainValidationError, FieldError

from .. import engine, facts, reasons, scoring
from ..models import (
    Grade,
    InspectionScore,
    Objection,
    Result,
    Round,
    RoundParticipant,
    RoundStatus,
    StandardItem,
)
from .common import _actor_id, _error
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
    """(Re)compute every participant's result and the ranking. Allowed until the results go to 公示."""
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status in (RoundStatus.NOTICE, RoundStatus.PUBLISHED):
            raise _error("round", "published", _("该考核批次结果已进入公示或已公布，不能重新评分。"))
        results = _compute_results(rnd, at)
        _results_replace(rnd, results)
        rnd.status = RoundStatus.SCORED
        rnd.scored_at = at
        rnd.save(update_fields=["status", "scored_at"])
    return rnd


def _completeness_errors(rnd: Round) -> list[FieldError]:
    """What keeps the round's results from 公示: items no inspector scored or accepted as self-scored, and staff
    counts the inspecting federation has not verified. One error per participant, naming the items."""
    items = list(StandardItem.objects.filter(standard_id=rnd.standard_id).values_list("code", flat=True))
    inspected: dict[int, set[str]] = defaultdict(set)
    for participant_id, code in InspectionScore.objects.filter(participant__round=rnd).values_list(
        "participant_id", "item__code"
    ):
        inspected[participant_id].add(code)
    errors: list[FieldError] = []
    participants = RoundParticipant.objects.filter(round=rnd).select_related("union").order_by("id")
    for participant in participants:
        unit = participant.union.name + (f"·{participant.branch_name}" if participant.branch_id else "")
        missing = [code for code in items if code not in inspected[participant.pk]]
        if missing:
            errors.append(
                FieldError(
                    "round",
                    "not_inspected",
                    _("%(unit)s 有条目未验收（%(items)s）：请验收评分或认可自评分。")
                    % {"unit": unit, "items": "、".join(missing)},
                )
            )
        if participant.staff_verified_at is None:
            errors.append(
                FieldError(
                    "round",
                    "staff_unverified",
                    _("%(unit)s 的职工人数尚未经验收单位核定。") % {"unit": unit},
                )
            )
    return errors


def round_notice_open(*, round: Round, starts_on, ends_on, actor, at) -> Round:
    """Post the results for 公示: recomputed from the complete inspection, then frozen while objections come in.
    Only when every item of every participant is inspected (or its self score accepted) and every staff count is
    verified."""
    errors: list[FieldError] = []
    if starts_on is None or ends_on is None:
        errors.append(FieldError("ends_on", "required", _("请填写公示起止日期。")))
    elif ends_on < starts_on:
        errors.append(FieldError("ends_on", "before_start", _("公示结束日期不能早于开始日期。")))
    if errors:
        raise DomainValidationError(errors)
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status in (RoundStatus.NOTICE, RoundStatus.PUBLISHED):
            raise _error("round", "published", _("该考核批次结果已进入公示或已公布。"))
        if rnd.status != RoundStatus.SCORED:
            raise _error("round", "not_scored", _("请先完成评分再进行公示。"))
        errors = _completeness_errors(rnd)
        if errors:
            raise DomainValidationError(errors)
        _results_replace(rnd, _compute_results(rnd, at))
        rnd.status = RoundStatus.NOTICE
        rnd.notice_starts_on = starts_on
        rnd.notice_ends_on = ends_on
        rnd.save(update_fields=["status", "notice_starts_on", "notice_ends_on"])
    return rnd


def objection_record(*, participant: RoundParticipant, content: str, received_on, actor) -> Objection:
    """An objection received during the 公示 (by letter, phone or in person), recorded by the organiser's staff."""
    content = (content or "").strip()
    if not content:
        raise _error("content", "required", _("请填写异议内容。"))
    if len(content) > 2000:
        raise _error("content", "too_long", _("异议内容不能超过2000个字。"))
    with transaction.atomic():
        rnd = _locked_round(participant.round)
        if rnd.status != RoundStatus.NOTICE:
            raise _error("round", "not_in_notice", _("该考核批次不在公示期内。"))
        if received_on is None or not rnd.notice_starts_on <= received_on <= rnd.notice_ends_on:
            raise _error("received_on", "outside_notice", _("收到日期须在公示期内。"))
        return Objection.objects.create(
            round=rnd,
            participant=participant,
            received_on=received_on,
            content=content,
            recorded_by_id=_actor_id(actor),
        )


def objection_resolve(*, objection: Objection, resolution: str, actor, at) -> Objection:
    resolution = (resolution or "").strip()
    if not resolution:
        raise _error("resolution", "required", _("请填写处理意见。"))
    if len(resolution) > 2000:
        raise _error("resolution", "too_long", _("处理意见不能超过2000个字。"))
    with transaction.atomic():
        row = Objection.objects.select_for_update(of=("self",)).select_related("round").get(pk=objection.pk)
        if row.round.status != RoundStatus.NOTICE:
            raise _error("objection", "round_closed", _("该考核批次结果已公布，不能再处理异议。"))
        row.resolution = resolution
        row.resolved_at = at
        row.resolved_by_id = _actor_id(actor)
        row.save(update_fields=["resolution", "resolved_at", "resolved_by_id"])
    return row


def round_publish(*, round: Round, decision_number: str, actor, at) -> Round:
    """Publish the results posted for 公示 after the notice period ended with every objection resolved: titles are
    awarded under the decision's number (命名文号) and live facts move."""
    decision_number = (decision_number or "").strip()
    if not decision_number:
        raise _error("decision_number", "required", _("请填写命名文件的文号。"))
    if len(decision_number) > 100:
        raise _error("decision_number", "too_long", _("命名文号不能超过100个字。"))
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.PUBLISHED:
            raise _error("round", "published", _("该考核批次结果已公布。"))
        if rnd.status != RoundStatus.NOTICE:
            raise _error("round", "not_in_notice", _("评定结果须经公示后才能公布。"))
        if timezone.localdate(at) <= rnd.notice_ends_on:
            raise _error(
                "round",
                "notice_running",
                _("公示期至 %(day)s 结束，结束后才能公布。") % {"day": rnd.notice_ends_on.isoformat()},
            )
        if Objection.objects.filter(round=rnd, resolved_at__isnull=True).exists():
            raise _error("round", "objections_open", _("公示期间收到的异议尚未全部处理。"))
        results = list(Result.objects.filter(round=rnd).select_related("participant__union").order_by("id"))
        rnd.status = RoundStatus.PUBLISHED
        rnd.published_at = at
        rnd.decision_number = decision_number
        rnd.save(update_fields=["status", "published_at", "decision_number"])
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
                decision_number=decision_number,
            ).items():
                deltas[participant.union_id][key] += value
        for union_id, union_deltas in deltas.items():
            facts_apply(union=unions[union_id], deltas=union_deltas)
    return rnd
