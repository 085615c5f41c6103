"""Property tests: totals stay within [0, max + bonus cap]; allocations sum exactly to the pool."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import engine
from assessment.engine import GradeSpec, Inputs, ItemSpec, StandardSpec

points = st.decimals(min_value=-50, max_value=150, places=2, allow_nan=False, allow_infinity=False)
methods = st.sampled_from([engine.FULL_OR_ZERO, engine.GRADED, engine.PREREQUISITE])


@st.composite
def standards(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    maxima = draw(st.lists(st.integers(min_value=0, max_value=40), min_size=n, max_size=n))
    bonus_flags = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    items = tuple(
        ItemSpec(
            f"I{i}",
            D(maximum),
            draw(methods),
            mandatory=draw(st.booleans()) and not bonus,
            bonus=bonus,
        )
        for i, (maximum, bonus) in enumerate(zip(maxima, bonus_flags, strict=True))
    )
    base_max = D(sum(m for m, b in zip(maxima, bonus_flags, strict=True) if not b) or 1)
    return StandardSpec(
        base_max_points=base_max,
        items=items,
        grades=(
            GradeSpec("qualified", 1, base_max * D("0.6")),
            GradeSpec("advanced", 2, base_max * D("0.8")),
        ),
        bonus_cap=D(draw(st.integers(min_value=0, max_value=10))),
        deduction_cap=D(draw(st.integers(min_value=0, max_value=5))),
    )


@settings(max_examples=300, deadline=None)
@given(standard=standards(), data=st.data())
def test_total_stays_within_zero_and_max_plus_bonus(standard, data):
    codes = [item.code for item in standard.items]
    scores = data.draw(st.dictionaries(st.sampled_from(codes), points))
    inspection = data.draw(st.dictionaries(st.sampled_from(codes), points))
    deductions = tuple(data.draw(st.lists(st.decimals(min_value=0, max_value=5, places=1), max_size=8)))
    outcome = engine.score(
        standard, Inputs(self_scores=scores, inspection_scores=inspection, deductions=deductions)
    )
    assert D(0) <= outcome.total <= standard.base_max_points + standard.bonus_cap
    assert outcome.bonus_points <= standard.bonus_cap
    if standard.deduction_cap:
        assert outcome.deduction_points <= standard.deduction_cap
    for line in outcome.lines:
        assert D(0) <= line.awarded <= line.max_points
    assert (outcome.grade == "") == (outcome.grade_rank == 0)


@settings(max_examples=500, deadline=None)
@given(
    pool=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.decimals(min_value=0, max_value=10**6, places=2), min_size=1, max_size=40),
)
def test_allocation_sums_exactly_to_the_pool(pool, weights):
    keyed = list(enumerate(weights))
    shares = engine.allocate(pool, keyed)
    assert set(shares) == {key for key, _ in keyed}
    assert all(share >= 0 for share in shares.values())
    if any(weight > 0 for weight in weights):
        assert sum(shares.values()) == pool
        total = sum(weights)
        for key, weight in keyed:
            # largest remainder: each share is its exact quota rounded down or up
            exact = D(pool) * weight / total
            assert abs(D(shares[key]) - exact) < 1
    else:
        assert sum(shares.values()) == 0


@settings(max_examples=200, deadline=None)
@given(totals=st.lists(st.integers(min_value=0, max_value=20), max_size=30))
def test_ranking_is_competition_ranking(totals):
    entries = [(key, D(total)) for key, total in enumerate(totals)]
    ranked = dict(engine.competition_ranks(entries))
    for key, total in entries:
        assert ranked[key] == 1 + sum(1 for _, other in entries if other > total)
