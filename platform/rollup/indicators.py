"""Indicator codes of the live facts and the reporting calendar. Issue 7 (statistics) extends this list.

Stocks (period "") are counts now; flows carry the label of the reporting year they fall in. The reporting year
runs from 1 October to 30 September and is labelled by the calendar year in which it ends: 2025-11-02 is in "2026".
"""

from __future__ import annotations

from datetime import date

STOCK = ""

# Membership (maintained by membership.services in the same transaction as each change to a member).
MEMBERS = "members"  # active members: the numerator of 入会率 (members / staff)
FEMALE_MEMBERS = "female_members"  # active, female
MIGRANT_MEMBERS = "migrant_members"  # active, employment type migrant worker (农民工)
AGENCY_MEMBERS = "agency_members"  # active, agency (劳务派遣) workers
NEW_FORM_MEMBERS = "new_form_members"  # active, new forms of employment (新就业形态)
RETAINED_MEMBERS = "retained_members"  # retained membership (保留会籍), not counted in MEMBERS
NEW_MEMBERS = "new_members"  # flow: members who joined in the reporting year (transfers in excluded)

MEMBER_STOCK_INDICATORS = (
    MEMBERS,
    FEMALE_MEMBERS,
    MIGRANT_MEMBERS,
    AGENCY_MEMBERS,
    NEW_FORM_MEMBERS,
    RETAINED_MEMBERS,
)
MEMBER_FLOW_INDICATORS = (NEW_MEMBERS,)
MEMBER_INDICATORS = MEMBER_STOCK_INDICATORS + MEMBER_FLOW_INDICATORS

REPORTING_YEAR_START_MONTH = 10  # 1 October


def reporting_year(day: date) -> str:
    """The label of the reporting year `day` falls in: "2026" for 2025-10-01 .. 2026-09-30."""
    return str(day.year + 1 if day.month >= REPORTING_YEAR_START_MONTH else day.year)


def reporting_year_bounds(label: str) -> tuple[date, date]:
    """First and last day of the reporting year labelled `label`."""
    year = int(label)
    return date(year - 1, REPORTING_YEAR_START_MONTH, 1), date(year, REPORTING_YEAR_START_MONTH - 1, 30)
