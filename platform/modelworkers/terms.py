"""The continuation-management term (延续管理期) of a model worker's title.

Civil Code (民法典) Art. 201: a period counted in years or months does not count the day it starts from; it runs
from the next day. Art. 202: it ends on the corresponding day of the expiry month, or on that month's last day
when the month has no corresponding day. So an award on 2024-03-15 managed for 5 years ends on 2029-03-15, and an
award on 2024-02-29 ends on 2029-02-28 (2029 has no 29 February). The managed status lasts at most 5 years.
"""

from __future__ import annotations

import calendar
from datetime import date

MAX_YEARS = 5


def corresponding_day(start: date, *, months: int) -> date:
    """The day `months` months after `start` with the same day of month, or that month's last day (Art. 202)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def continuation_last_day(awarded_on: date, years: int = MAX_YEARS) -> date:
    """The last day of continuation management for a title awarded on `awarded_on` (inclusive)."""
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"continuation management lasts 1 to {MAX_YEARS} years, not {years}")
    return corresponding_day(awarded_on, months=12 * years)


def term_year(awarded_on: date, on: date) -> int | None:
    """Which year of the term `on` falls in (1..5), None outside the term. Year n runs from the day after the
    (n-1)th anniversary to the nth anniversary, inclusive."""
    if on <= awarded_on:
        return None
    for year in range(1, MAX_YEARS + 1):
        if on <= corresponding_day(awarded_on, months=12 * year):
            return year
    return None
