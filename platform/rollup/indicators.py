"""Indicator codes of the live facts and the reporting calendar.

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
# Holding records (active or retained) passing every record check (membership.facts.record_ok): data quality.
MEMBER_RECORDS_OK = "member_records_ok"

MEMBER_STOCK_INDICATORS = (
    MEMBERS,
    FEMALE_MEMBERS,
    MIGRANT_MEMBERS,
    AGENCY_MEMBERS,
    NEW_FORM_MEMBERS,
    RETAINED_MEMBERS,
    MEMBER_RECORDS_OK,  # last: membership.facts.facts_count_union reads its columns in this order
)
MEMBER_FLOW_INDICATORS = (NEW_MEMBERS,)
MEMBER_INDICATORS = MEMBER_STOCK_INDICATORS + MEMBER_FLOW_INDICATORS

# 职工之家 assessment (maintained by assessment.services). Facts sit at the assessed unit: branch 0 = the union's
# 职工之家, branch id = that branch's 职工小家 (not summed into branch 0).
HOME_GRADE_PREFIX = "home_grade_"  # stock per grade code: units holding a valid title of that grade
HOME_GRADE_CODES = ("qualified", "advanced", "model", "star1", "star2", "star3", "star4", "star5")
HOME_GRADE_INDICATORS = tuple(HOME_GRADE_PREFIX + code for code in HOME_GRADE_CODES)
HOME_RESULTS = "home_results"  # flow: published results in the round's reporting year
HOME_SCORE_CENTI = "home_score_centi"  # flow: sum of total scores x 100 (average = centi / results / 100)
HOME_APPRAISAL_INVITED = "home_appraisal_invited"  # flow: members invited to 会员评家
HOME_APPRAISAL_RESPONSES = "home_appraisal_responses"  # flow: responses received
HOME_APPRAISAL_SATISFIED = "home_appraisal_satisfied"  # flow: responses rating the union satisfactory
HOME_INDICATORS = HOME_GRADE_INDICATORS + (
    HOME_RESULTS,
    HOME_SCORE_CENTI,
    HOME_APPRAISAL_INVITED,
    HOME_APPRAISAL_RESPONSES,
    HOME_APPRAISAL_SATISFIED,
)

# Model workers (劳模), stocks at the employing union (branch 0), maintained by modelworkers.services: every
# worker by status; title holders (managed, ended, abroad) by level and by category. Codes = the model choices.
MW_LEVEL_CODES = ("national", "provincial", "city", "county")
MW_STATUS_CODES = ("managed", "ended", "revoked", "deceased", "abroad")
MW_CATEGORY_CODES = (
    "enterprise_staff",
    "frontline",
    "enterprise_head",
    "farmer",
    "township_enterprise_head",
    "public_institution",
    "government",
)
MW_STOCK_INDICATORS = (
    tuple(f"mw_level_{code}" for code in MW_LEVEL_CODES)
    + tuple(f"mw_status_{code}" for code in MW_STATUS_CODES)
    + tuple(f"mw_category_{code}" for code in MW_CATEGORY_CODES)
)
# Flow: benefits given to model workers (allowances, health checks, rest stays, hardship relief), in fen, in the
# reporting year of the payment date, at the union employing the worker then (maintained by modelworker_care).
MW_BENEFITS_FEN = "mw_benefits_fen"

REPORTING_YEAR_START_MONTH = 10  # 1 October


def reporting_year(day: date) -> str:
    """The label of the reporting year `day` falls in: "2026" for 2025-10-01 .. 2026-09-30."""
    return str(day.year + 1 if day.month >= REPORTING_YEAR_START_MONTH else day.year)


def reporting_year_bounds(label: str) -> tuple[date, date]:
    """First and last day of the reporting year labelled `label`."""
    year = int(label)
    return date(year - 1, REPORTING_YEAR_START_MONTH, 1), date(year, REPORTING_YEAR_START_MONTH - 1, 30)
