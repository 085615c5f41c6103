"""Live-fact deltas of the assessment (indicator codes in rollup.indicators). Facts sit at the participant's unit:
branch 0 for a union's 职工之家, the branch id for a 职工小家."""

from __future__ import annotations

from decimal import Decimal

from rollup import indicators


def grade_indicator(grade: str) -> str:
    return f"{indicators.HOME_GRADE_PREFIX}{grade}"


def appraisal_deltas(participant, *, invited: int = 0, responses: int = 0, satisfied: int = 0) -> dict:
    period = participant.round.reporting_year
    branch = participant.branch_id
    return {
        (branch, indicators.HOME_APPRAISAL_INVITED, period): invited,
        (branch, indicators.HOME_APPRAISAL_RESPONSES, period): responses,
        (branch, indicators.HOME_APPRAISAL_SATISFIED, period): satisfied,
    }


def result_deltas(participant, total: Decimal, sign: int = 1) -> dict:
    period = participant.round.reporting_year
    branch = participant.branch_id
    return {
        (branch, indicators.HOME_RESULTS, period): sign,
        (branch, indicators.HOME_SCORE_CENTI, period): sign * int((total * 100).to_integral_value()),
    }


def title_deltas(title, sign: int) -> dict:
    return {(title.branch_id, grade_indicator(title.grade), indicators.STOCK): sign}
