"""The continuation-management term: Civil Code Art. 201/202 across leap years and month ends (pure dates)."""

from __future__ import annotations

from datetime import date

import pytest

from modelworkers.terms import continuation_last_day, corresponding_day, term_year


@pytest.mark.parametrize(
    ("awarded_on", "last_day"),
    [
        (date(2024, 4, 28), date(2029, 4, 28)),  # ordinary day: the corresponding day five years on
        (date(2024, 2, 29), date(2029, 2, 28)),  # leap day, no 29 February in 2029: that month's last day
        (date(2028, 2, 29), date(2033, 2, 28)),
        (date(2023, 2, 28), date(2028, 2, 28)),  # 28 February stays 28 even when the end year is a leap year
        (date(2023, 3, 1), date(2028, 3, 1)),
        (date(2024, 12, 31), date(2029, 12, 31)),  # year end
        (date(2024, 1, 31), date(2029, 1, 31)),
        (date(2024, 4, 30), date(2029, 4, 30)),  # month end of a 30-day month
    ],
)
def test_five_year_term_ends_on_the_corresponding_day_or_month_end(awarded_on, last_day):
    assert continuation_last_day(awarded_on) == last_day


@pytest.mark.parametrize(
    ("awarded_on", "years", "last_day"),
    [
        (date(2024, 2, 29), 4, date(2028, 2, 29)),  # four years on there is a 29 February
        (date(2024, 2, 29), 1, date(2025, 2, 28)),
        (date(2027, 2, 28), 1, date(2028, 2, 28)),
    ],
)
def test_shorter_terms(awarded_on, years, last_day):
    assert continuation_last_day(awarded_on, years=years) == last_day


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # end of month, leap February
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 11, 30), 2, date(2025, 1, 30)),  # crosses the year, day exists
    ],
)
def test_corresponding_day_month_ends(start, months, expected):
    assert corresponding_day(start, months=months) == expected


@pytest.mark.parametrize("years", [0, 6, -1])
def test_term_longer_than_five_years_or_empty_is_refused(years):
    with pytest.raises(ValueError):
        continuation_last_day(date(2024, 1, 1), years=years)


def test_term_year_boundaries():
    awarded = date(2024, 2, 29)
    assert term_year(awarded, awarded) is None  # the award day itself is not counted (Art. 201)
    assert term_year(awarded, date(2024, 3, 1)) == 1
    assert term_year(awarded, date(2025, 2, 28)) == 1  # first anniversary: no 29 February, month end
    assert term_year(awarded, date(2025, 3, 1)) == 2
    assert term_year(awarded, date(2029, 2, 28)) == 5  # last day of the term
    assert term_year(awarded, date(2029, 3, 1)) is None
