"""The scoring engine: pure and deterministic (plain dataclasses in and out, no Django, no database).

score(standard, inputs) -> Outcome
    Per item the awarded score is the inspection (验收) score when the inspector gave one, else the self score,
    else 0, clamped to [0, item maximum]. Base = non-bonus items, at most the standard's base maximum; bonus =
    bonus items, at most the bonus cap; deductions (spot checks) at most the deduction cap (0 = no cap);
    total = max(0, base + bonus - deductions), so a total always lies in [0, base max + bonus cap].

    The grade, in this order of precedence:
    1. a veto finding (一票否决) -> no grade ("veto");
    2. a failed prerequisite item (pass/fail; fail = ineligible) -> no grade ("prerequisite_failed");
    3. a failed mandatory item (必备项) -> no grade ("mandatory_failed");
    4. else the highest grade whose threshold the total reaches AND whose gates pass: 入会率 (members / staff),
       member participation in 会员评家 (responses / invited, at least the standard's minimum) before member
       satisfaction (satisfied / responses) can count, and the title required from the next lower awarding level
       (the same grade or a higher one, awarded by the level below the round's organiser; the caller passes only
       those titles). A grade blocked by a gate falls through to the next lower one; the reason names the gate.

competition_ranks(entries) -> {key: rank}: standard competition ranking (1, 2, 2, 4) by total descending; equal
totals share a rank; the order within a tie is by key, so the listing is deterministic.

allocate(pool_fen, weights) -> {key: fen}: the pool split in proportion to the weights by the largest-remainder
method; the parts sum exactly to the pool (when any weight is positive); remainders go to the largest fractional
parts, ties to the larger weight, then the smaller key.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import NamedTuple

ZERO = Decimal(0)
RATE_PLACES = Decimal("0.0001")

FULL_OR_ZERO = "full_or_zero"
GRADED = "graded"
PREREQUISITE = "prerequisite"

# Reason codes (rendered in Chinese by assessment.reasons).
VETO = "veto"
PREREQUISITE_FAILED = "prerequisite_failed"
MANDATORY_FAILED = "mandatory_failed"
BELOW_THRESHOLD = "below_threshold"
GATE_JOIN_RATE = "gate_join_rate"
GATE_SATISFACTION = "gate_satisfaction"
GATE_PARTICIPATION = "gate_participation"
GATE_LOWER_TITLE = "gate_lower_title"
GRADED_OK = "graded"
NO_GRADES = "no_grades"


@dataclass(frozen=True)
class ItemSpec:
    code: str
    max_points: Decimal
    method: str = GRADED
    section: str = ""
    mandatory: bool = False
    pass_points: Decimal | None = None  # mandatory graded item: least passing score; None = full marks
    veto: bool = False
    bonus: bool = False


@dataclass(frozen=True)
class GradeSpec:
    code: str
    rank: int  # 1 = lowest
    min_score: Decimal
    name: str = ""
    min_join_rate: Decimal | None = None  # 0.9 = 90%
    min_satisfaction: Decimal | None = None
    requires_lower_title: bool = False


@dataclass(frozen=True)
class StandardSpec:
    base_max_points: Decimal
    items: tuple[ItemSpec, ...]
    grades: tuple[GradeSpec, ...] = ()
    bonus_cap: Decimal = ZERO
    deduction_cap: Decimal = ZERO  # 0 = no cap
    min_participation: Decimal = ZERO  # 会员评家 responses / invited below which the satisfaction gate fails


@dataclass(frozen=True)
class Inputs:
    self_scores: Mapping[str, Decimal] = field(default_factory=dict)
    inspection_scores: Mapping[str, Decimal] = field(default_factory=dict)
    deductions: tuple[Decimal, ...] = ()
    vetoes: tuple[str, ...] = ()  # reasons of the veto findings
    members: int | None = None
    staff: int | None = None
    appraisal_invited: int = 0
    appraisal_responses: int = 0
    appraisal_satisfied: int = 0
    # Grade codes of the valid titles the unit holds from the next lower awarding level.
    titles_held: frozenset[str] = frozenset()


class ItemLine(NamedTuple):
    """One item of the breakdown (a named tuple: a round builds tens of thousands of them)."""

    code: str
    section: str
    max_points: Decimal
    self_score: Decimal | None
    inspection_score: Decimal | None
    awarded: Decimal
    source: str  # "inspection", "self" or "none"
    mandatory: bool
    bonus: bool
    method: str
    failed: bool  # a mandatory or prerequisite item below its pass mark


class GateCheck(NamedTuple):
    grade: str
    gate: str  # GATE_* code
    passed: bool
    actual: str  # rate or held grade, "" when unknown
    required: str


@dataclass(frozen=True)
class Outcome:
    base_points: Decimal
    bonus_points: Decimal
    bonus_raw: Decimal
    deduction_points: Decimal
    deduction_raw: Decimal
    total: Decimal
    grade: str  # "" = none
    grade_rank: int  # 0 = none
    reason_code: str
    reason_params: dict
    lines: tuple[ItemLine, ...]
    gates: tuple[GateCheck, ...]
    join_rate: Decimal | None
    satisfaction: Decimal | None
    failed_items: tuple[str, ...]
    vetoes: tuple[str, ...]


def _clamp(value: Decimal, upper: Decimal) -> Decimal:
    if value < ZERO:
        return ZERO
    return upper if value > upper else value


def _rate(numerator: int | None, denominator: int | None) -> Decimal | None:
    if numerator is None or not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _line(item: ItemSpec, inputs: Inputs) -> ItemLine:
    self_score = inputs.self_scores.get(item.code)
    inspection = inputs.inspection_scores.get(item.code)
    if inspection is not None:
        raw, source = inspection, "inspection"
    elif self_score is not None:
        raw, source = self_score, "self"
    else:
        raw, source = ZERO, "none"
    awarded = _clamp(raw, item.max_points)
    if item.method in (FULL_OR_ZERO, PREREQUISITE) and awarded < item.max_points:
        awarded = ZERO  # pass/fail: anything short of full marks is a fail
    failed = False
    if item.method == PREREQUISITE:
        failed = awarded < item.max_points
    elif item.mandatory:
        pass_mark = item.max_points if item.pass_points is None else item.pass_points
        failed = awarded < pass_mark
    return ItemLine(
        code=item.code,
        section=item.section,
        max_points=item.max_points,
        self_score=self_score,
        inspection_score=inspection,
        awarded=awarded,
        source=source,
        mandatory=item.mandatory,
        bonus=item.bonus,
        method=item.method,
        failed=failed,
    )


def _gates(
    standard, grade: GradeSpec, grades_by_rank, inputs: Inputs, join_rate, satisfaction, participation
):
    checks: list[GateCheck] = []
    if grade.min_join_rate is not None:
        checks.append(
            GateCheck(
                grade.code,
                GATE_JOIN_RATE,
                join_rate is not None and join_rate >= grade.min_join_rate,
                "" if join_rate is None else str(join_rate),
                str(grade.min_join_rate),
            )
        )
    if grade.min_satisfaction is not None:
        # A satisfaction rate only counts when enough of the invited members answered.
        checks.append(
            GateCheck(
                grade.code,
                GATE_PARTICIPATION,
                participation is not None and participation >= standard.min_participation,
                "" if participation is None else str(participation),
                str(standard.min_participation),
            )
        )
        checks.append(
            GateCheck(
                grade.code,
                GATE_SATISFACTION,
                satisfaction is not None and satisfaction >= grade.min_satisfaction,
                "" if satisfaction is None else str(satisfaction),
                str(grade.min_satisfaction),
            )
        )
    if grade.requires_lower_title:
        held_ranks = [g.rank for g in grades_by_rank.values() if g.code in inputs.titles_held]
        best = max(held_ranks, default=0)
        checks.append(
            GateCheck(
                grade.code,
                GATE_LOWER_TITLE,
                best >= grade.rank,
                grades_by_rank[best].code if best else "",
                grade.code,
            )
        )
    return checks


def score(standard: StandardSpec, inputs: Inputs) -> Outcome:
    lines = tuple(_line(item, inputs) for item in standard.items)
    base = min(sum((line.awarded for line in lines if not line.bonus), ZERO), standard.base_max_points)
    bonus_raw = sum((line.awarded for line in lines if line.bonus), ZERO)
    bonus = min(bonus_raw, standard.bonus_cap)
    deduction_raw = sum((max(ZERO, Decimal(points)) for points in inputs.deductions), ZERO)
    deduction = min(deduction_raw, standard.deduction_cap) if standard.deduction_cap > 0 else deduction_raw
    total = max(ZERO, base + bonus - deduction)

    join_rate = _rate(inputs.members, inputs.staff)
    satisfaction = _rate(inputs.appraisal_satisfied, inputs.appraisal_responses)
    participation = _rate(inputs.appraisal_responses, inputs.appraisal_invited)
    failed_prerequisites = tuple(line.code for line in lines if line.failed and line.method == PREREQUISITE)
    failed_mandatory = tuple(line.code for line in lines if line.failed and line.method != PREREQUISITE)

    grade, grade_rank = "", 0
    gates: list[GateCheck] = []
    params: dict = {"total": str(total)}
    if inputs.vetoes:
        code = VETO
        params["reasons"] = list(inputs.vetoes)
    elif failed_prerequisites:
        code = PREREQUISITE_FAILED
        params["items"] = list(failed_prerequisites)
    elif failed_mandatory:
        code = MANDATORY_FAILED
        params["items"] = list(failed_mandatory)
    elif not standard.grades:
        code = NO_GRADES
    else:
        grades_by_rank = {g.rank: g for g in standard.grades}
        code = BELOW_THRESHOLD
        params["lowest"] = min(standard.grades, key=lambda g: g.rank).code
        blocked: list[GateCheck] = []
        for candidate in sorted(standard.grades, key=lambda g: g.rank, reverse=True):
            if total < candidate.min_score:
                continue
            checks = _gates(
                standard, candidate, grades_by_rank, inputs, join_rate, satisfaction, participation
            )
            gates.extend(checks)
            failures = [check for check in checks if not check.passed]
            if not failures:
                grade, grade_rank, code = candidate.code, candidate.rank, GRADED_OK
                params["grade"] = candidate.code
                break
            blocked.append(failures[0])
        if blocked:
            # The highest grade the score reached and the first gate that kept the unit from it.
            params["blocked_grade"] = blocked[0].grade
            params["blocked_gate"] = blocked[0].gate
            params["blocked_actual"] = blocked[0].actual
            params["blocked_required"] = blocked[0].required
            if not grade:
                code = blocked[0].gate

    return Outcome(
        base_points=base,
        bonus_points=bonus,
        bonus_raw=bonus_raw,
        deduction_points=deduction,
        deduction_raw=deduction_raw,
        total=total,
        grade=grade,
        grade_rank=grade_rank,
        reason_code=code,
        reason_params=params,
        lines=lines,
        gates=tuple(gates),
        join_rate=join_rate,
        satisfaction=satisfaction,
        failed_items=failed_prerequisites + failed_mandatory,
        vetoes=tuple(inputs.vetoes),
    )


def competition_ranks(entries: Sequence[tuple[Hashable, Decimal]]) -> list[tuple[Hashable, int]]:
    """[(key, rank)] in listing order: total descending, key ascending; equal totals share a rank (1, 2, 2, 4)."""
    ordered = sorted(entries, key=lambda entry: (-entry[1], entry[0]))
    ranked: list[tuple[Hashable, int]] = []
    previous_total, previous_rank = None, 0
    for position, (key, total) in enumerate(ordered, start=1):
        rank = previous_rank if total == previous_total else position
        ranked.append((key, rank))
        previous_total, previous_rank = total, rank
    return ranked


def allocate(pool_fen: int, weights: Sequence[tuple[Hashable, Decimal]]) -> dict[Hashable, int]:
    """Split `pool_fen` in proportion to the (non-negative) weights, summing exactly to the pool."""
    if pool_fen < 0:
        raise ValueError("pool_fen must not be negative")
    clean = [(key, Fraction(max(ZERO, Decimal(weight)))) for key, weight in weights]
    total_weight = sum((weight for _, weight in clean), Fraction(0))
    if total_weight == 0:
        return {key: 0 for key, _ in clean}
    shares: dict[Hashable, int] = {}
    remainders: list[tuple[Fraction, Fraction, Hashable]] = []
    for key, weight in clean:
        quota = Fraction(pool_fen) * weight / total_weight
        floor = quota.numerator // quota.denominator
        shares[key] = floor
        remainders.append((quota - floor, weight, key))
    left = pool_fen - sum(shares.values())
    remainders.sort(key=lambda entry: (-entry[0], -entry[1], entry[2]))
    for _, _, key in remainders[:left]:
        shares[key] += 1
    return shares
