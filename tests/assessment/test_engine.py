"""The scoring engine, rule by rule (pure functions: no database)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from assessment import engine
from assessment.engine import GradeSpec, Inputs, ItemSpec, StandardSpec

ITEMS = (
    ItemSpec("A1", D(10), engine.FULL_OR_ZERO, section="组织", mandatory=True),
    ItemSpec("A2", D(40), engine.GRADED, section="组织"),
    ItemSpec("P1", D(10), engine.PREREQUISITE, section="五有"),
    ItemSpec("M1", D(40), engine.GRADED, section="权益", mandatory=True, pass_points=D(30)),
    ItemSpec("V1", D(0), engine.FULL_OR_ZERO, section="权益", veto=True),
    ItemSpec("B1", D(2), engine.FULL_OR_ZERO, section="加分", bonus=True),
    ItemSpec("B2", D(2), engine.FULL_OR_ZERO, section="加分", bonus=True),
)
GRADES = (
    GradeSpec("qualified", 1, D(60), min_join_rate=D("0.9")),
    GradeSpec("advanced", 2, D(80), min_join_rate=D("0.9"), min_satisfaction=D("0.9")),
    GradeSpec(
        "model", 3, D(95), min_join_rate=D("0.9"), min_satisfaction=D("0.9"), requires_lower_title=True
    ),
)
STANDARD = StandardSpec(
    base_max_points=D(100),
    items=ITEMS,
    grades=GRADES,
    bonus_cap=D(3),
    deduction_cap=D(4),
    min_participation=D("0.3"),
)
FULL = {"A1": D(10), "A2": D(40), "P1": D(10), "M1": D(40)}
GOOD = {
    "members": 95,
    "staff": 100,
    "appraisal_invited": 200,
    "appraisal_responses": 100,
    "appraisal_satisfied": 95,
}


def run(scores=None, **overrides) -> engine.Outcome:
    values = {**GOOD, "self_scores": FULL if scores is None else scores, **overrides}
    return engine.score(STANDARD, Inputs(**values))


def test_full_marks_with_all_gates_and_the_lower_title_give_the_top_grade():
    outcome = run(titles_held=frozenset({"model"}))
    assert outcome.total == D(100)
    assert (outcome.grade, outcome.grade_rank, outcome.reason_code) == ("model", 3, engine.GRADED_OK)
    assert outcome.join_rate == D("0.95") and outcome.satisfaction == D("0.95")
    assert [line.code for line in outcome.lines] == ["A1", "A2", "P1", "M1", "V1", "B1", "B2"]


def test_inspection_score_overrides_the_self_score_per_item():
    outcome = run(inspection_scores={"A2": D(31)})
    line = {line.code: line for line in outcome.lines}
    assert (line["A2"].awarded, line["A2"].source, line["A2"].self_score) == (D(31), "inspection", D(40))
    assert (line["A1"].source, line["B1"].source) == ("self", "none")
    assert outcome.total == D(91)


def test_failed_mandatory_item_fails_the_grade_whatever_the_total():
    outcome = run({**FULL, "M1": D(29)}, inspection_scores={}, titles_held=frozenset({"advanced"}))
    assert outcome.total == D(89)
    assert (outcome.grade, outcome.reason_code) == ("", engine.MANDATORY_FAILED)
    assert outcome.reason_params["items"] == ["M1"]
    assert outcome.failed_items == ("M1",)


def test_mandatory_graded_item_passes_at_its_pass_mark():
    assert run({**FULL, "M1": D(30)}).grade == "advanced"


def test_full_or_zero_item_short_of_full_marks_scores_zero_and_fails_if_mandatory():
    outcome = run({**FULL, "A1": D(5)})
    line = next(line for line in outcome.lines if line.code == "A1")
    assert line.awarded == 0 and line.failed
    assert outcome.reason_code == engine.MANDATORY_FAILED


def test_failed_prerequisite_makes_the_unit_ineligible():
    outcome = run({**FULL, "P1": D(0)})
    assert (outcome.grade, outcome.reason_code) == ("", engine.PREREQUISITE_FAILED)
    assert outcome.reason_params["items"] == ["P1"]


def test_veto_takes_precedence_over_everything():
    outcome = run({**FULL, "M1": D(0)}, vetoes=("发生严重集体劳动争议",))
    assert (outcome.grade, outcome.reason_code) == ("", engine.VETO)
    assert outcome.reason_params["reasons"] == ["发生严重集体劳动争议"]
    assert outcome.total == D(60)  # the score is still shown


def test_bonus_is_capped():
    outcome = run({**FULL, "B1": D(2), "B2": D(2)})
    assert (outcome.bonus_raw, outcome.bonus_points, outcome.total) == (D(4), D(3), D(103))


def test_deductions_are_capped():
    outcome = run(deductions=(D(1),) * 6)
    assert (outcome.deduction_raw, outcome.deduction_points, outcome.total) == (D(6), D(4), D(96))


def test_deductions_without_a_cap_count_in_full_and_total_never_goes_below_zero():
    uncapped = StandardSpec(base_max_points=D(100), items=ITEMS, grades=GRADES, deduction_cap=D(0))
    outcome = engine.score(uncapped, Inputs(self_scores={"A2": D(3)}, deductions=(D(1),) * 6))
    assert (outcome.deduction_points, outcome.total) == (D(6), D(0))


def test_scores_out_of_range_are_clamped_to_the_item():
    outcome = run({**FULL, "A2": D(55)}, inspection_scores={"M1": D(-3)})
    line = {line.code: line for line in outcome.lines}
    assert (line["A2"].awarded, line["M1"].awarded) == (D(40), D(0))


def test_below_the_lowest_threshold_gives_no_grade():
    outcome = run({"A1": D(10), "A2": D(5), "P1": D(10), "M1": D(30)})
    assert outcome.total == D(55)
    assert (outcome.grade, outcome.reason_code, outcome.reason_params["lowest"]) == (
        "",
        engine.BELOW_THRESHOLD,
        "qualified",
    )


def test_join_rate_gate_blocks_every_grade_needing_it():
    outcome = run(members=89, staff=100)
    assert (outcome.grade, outcome.reason_code) == ("", engine.GATE_JOIN_RATE)
    assert outcome.reason_params["blocked_actual"] == "0.8900"


def test_join_rate_unknown_without_staff_fails_the_gate():
    outcome = run(members=50, staff=0)
    assert outcome.join_rate is None and outcome.reason_code == engine.GATE_JOIN_RATE


def test_satisfaction_gate_falls_through_to_the_next_lower_grade():
    outcome = run(appraisal_responses=10, appraisal_satisfied=8)
    assert (outcome.grade, outcome.reason_code) == ("qualified", engine.GRADED_OK)
    assert outcome.reason_params["blocked_grade"] == "model"  # the highest grade the score reached
    assert any(g.gate == engine.GATE_SATISFACTION and not g.passed for g in outcome.gates)


def test_satisfaction_without_any_appraisal_fails_the_gate():
    outcome = run(appraisal_responses=0, appraisal_satisfied=0)
    assert outcome.satisfaction is None and outcome.grade == "qualified"


def test_requires_lower_title_needs_the_same_grade_from_the_next_lower_level():
    # titles_held: the unit's titles from the level below the organiser (a county round: township titles).
    without = run()
    assert without.grade == "advanced"
    assert (without.reason_params["blocked_grade"], without.reason_params["blocked_gate"]) == (
        "model",
        engine.GATE_LOWER_TITLE,
    )
    assert run(titles_held=frozenset({"model"})).grade == "model"
    assert run(titles_held=frozenset({"advanced"})).grade == "advanced"  # a lower grade below is not enough
    assert run(titles_held=frozenset({"qualified"})).grade == "advanced"


def test_satisfaction_gate_fails_below_the_minimum_appraisal_participation():
    # 5 satisfied answers of 1,000 invited: 100% satisfied, 0.5% took part.
    few = run(appraisal_invited=1000, appraisal_responses=5, appraisal_satisfied=5)
    assert few.satisfaction == D(1) and few.grade == "qualified"
    assert (few.reason_params["blocked_grade"], few.reason_params["blocked_gate"]) == (
        "model",
        engine.GATE_PARTICIPATION,
    )
    assert few.reason_params["blocked_actual"] == "0.0050"
    # At the minimum (30%) the satisfaction rate counts.
    assert run(appraisal_invited=100, appraisal_responses=30, appraisal_satisfied=30).grade == "advanced"
    assert run(appraisal_invited=0, appraisal_responses=5, appraisal_satisfied=5).grade == "qualified"


def test_thousand_point_scheme_with_stars():
    items = tuple(ItemSpec(f"I{i}", D(100)) for i in range(10))
    stars = tuple(GradeSpec(f"star{n}", n, D(500 + 100 * n)) for n in range(1, 6))
    spec = StandardSpec(base_max_points=D(1000), items=items, grades=stars)
    scores = {f"I{i}": D(100) for i in range(9)} | {"I9": D("55.5")}
    outcome = engine.score(spec, Inputs(self_scores=scores))
    assert (outcome.total, outcome.grade) == (D("955.5"), "star4")


def test_no_grades_configured():
    spec = StandardSpec(base_max_points=D(10), items=(ItemSpec("X", D(10)),))
    assert engine.score(spec, Inputs(self_scores={"X": D(10)})).reason_code == engine.NO_GRADES


def test_deterministic():
    assert run(deductions=(D(1),)) == run(deductions=(D(1),))


# --- Ranking ---------------------------------------------------------------------------------------------------------


def test_competition_ranking_shares_ranks_on_ties_and_orders_ties_by_key():
    entries = [(4, D(90)), (2, D(95)), (3, D(90)), (1, D(80)), (5, D("90.00"))]
    assert engine.competition_ranks(entries) == [(2, 1), (3, 2), (4, 2), (5, 2), (1, 5)]


def test_ranking_empty_and_single():
    assert engine.competition_ranks([]) == []
    assert engine.competition_ranks([(7, D(0))]) == [(7, 1)]


# --- Funding ---------------------------------------------------------------------------------------------------------


def test_allocation_largest_remainder_sums_to_the_pool():
    shares = engine.allocate(100, [(1, D(1)), (2, D(1)), (3, D(1))])
    assert sum(shares.values()) == 100
    assert shares == {1: 34, 2: 33, 3: 33}  # equal remainders: the smaller key gets the extra fen


def test_allocation_remainder_goes_to_the_largest_fraction_then_the_larger_weight():
    # 1000 fen by 2:3:5 -> exact 200/300/500; 1001 fen -> 200.2/300.3/500.5 -> the 0.5 gets the extra fen.
    assert engine.allocate(1001, [(1, D(2)), (2, D(3)), (3, D(5))]) == {1: 200, 2: 300, 3: 501}
    # equal fractions (0.5 and 1.5) with different weights: the larger weight first, not the smaller key
    assert engine.allocate(2, [(1, D(1)), (2, D(3))]) == {1: 0, 2: 2}


def test_allocation_fixed_amounts_per_grade_scale_to_the_pool():
    # 模范 5000元, 先进 3000元, 合格 1000元 as weights; the pool is 10,000元 for one of each + one more 合格.
    weights = [(1, D(500000)), (2, D(300000)), (3, D(100000)), (4, D(100000))]
    shares = engine.allocate(1_000_000, weights)
    assert shares == {1: 500000, 2: 300000, 3: 100000, 4: 100000}


def test_allocation_with_no_positive_weight_gives_nothing():
    assert engine.allocate(500, [(1, D(0)), (2, D(-3))]) == {1: 0, 2: 0}
    with pytest.raises(ValueError):
        engine.allocate(-1, [(1, D(1))])
