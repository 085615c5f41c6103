"""Ratios of sums: the integer arithmetic of the roll-up gives exactly the Decimal definition (x scale, to 0.01,
half to even), for every scale the catalogue uses."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from rollup.catalogue import CATALOGUE, RATIO, ratio_of

SCALES = sorted({entry.scale for entry in CATALOGUE.values() if entry.aggregation == RATIO})


def by_decimal(numerator: int, denominator: int, scale: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(Decimal("0.01"))


@given(
    numerator=st.integers(min_value=-(10**12), max_value=10**12),
    denominator=st.integers(min_value=-(10**9), max_value=10**12),
    scale=st.sampled_from(SCALES),
)
def test_ratio_equals_the_decimal_definition(numerator, denominator, scale):
    got, expected = ratio_of(numerator, denominator, scale), by_decimal(numerator, denominator, scale)
    assert got == expected and str(got) == str(expected)


@given(k=st.integers(min_value=0, max_value=10**6), scale=st.sampled_from(SCALES))
def test_exact_half_cents_round_to_even(k, scale):
    # Ties are where rounding rules differ: choose numerator / denominator landing on (2k + 1) / 2 cents.
    a, b = (scale * 100).as_integer_ratio()
    numerator, denominator = (2 * k + 1) * b, 2 * a
    got, expected = ratio_of(numerator, denominator, scale), by_decimal(numerator, denominator, scale)
    assert str(got) == str(expected)
    assert int(got.scaleb(2)) % 2 == 0


def test_known_values():
    pct = Decimal(100)
    assert str(ratio_of(1, 8, pct)) == "12.50"
    assert str(ratio_of(1, 3, pct)) == "33.33"
    assert str(ratio_of(2, 3, pct)) == "66.67"
    assert str(ratio_of(0, 7, pct)) == "0.00"
    assert ratio_of(5, 0, pct) is None
    assert str(ratio_of(1, 800, pct)) == "0.12"  # 0.125: half to even
    assert str(ratio_of(3, 800, pct)) == "0.38"  # 0.375: half to even
    assert str(ratio_of(812345, 10000, Decimal("0.01"))) == "0.81"
