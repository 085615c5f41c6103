"""The statistical tables of the annual report (工会统计年报) as rendered in the files: which indicators of the
catalogue (rollup.catalogue) each table shows, in which order.

A report of node X has one row per direct sub-unit of X (its townships, streets and parks, then the unions directly
under it) and a total row for X itself. Ratios are read from the roll-up (ratio of sums at every level), never
averaged over rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class TableSpec:
    code: str  # sheet name, e.g. "表1"
    title: str
    indicators: tuple[str, ...]


def _table_specs() -> list[TableSpec]:
    unit_types = ("enterprise", "public_institution", "government", "social_organisation", "other")
    ownership = ("state", "collective", "private", "foreign", "hmt", "mixed", "other")
    grades = ("qualified", "advanced", "model", "star1", "star2", "star3", "star4", "star5")
    return [
        TableSpec(
            "表1",
            str(_("基层工会组织情况")),
            ("unions", "unions_joint")
            + tuple(f"unions_unit_{t}" for t in unit_types)
            + tuple(f"unions_own_{t}" for t in ownership),
        ),
        TableSpec(
            "表2",
            str(_("职工和会员情况")),
            (
                "staff",
                "female_staff",
                "members",
                "female_members",
                "migrant_members",
                "agency_members",
                "new_form_members",
                "retained_members",
                "new_members",
                "join_rate",
                "female_member_share",
            ),
        ),
        TableSpec(
            "表3",
            str(_("民主管理和工会工作人员")),
            ("unions_workers_congress", "unions_affairs_disclosure", "union_officers_fulltime"),
        ),
        TableSpec(
            "表4",
            str(_("职工之家建设")),
            tuple(f"home_grade_{g}" for g in grades)
            + (
                "home_results",
                "home_score_avg",
                "home_appraisal_participation",
                "home_appraisal_satisfaction",
            ),
        ),
        TableSpec(
            "表5",
            str(_("劳动模范")),
            tuple(f"mw_level_{level}" for level in ("national", "provincial", "city", "county"))
            + tuple(f"mw_status_{s}" for s in ("managed", "ended", "revoked", "deceased", "abroad"))
            + ("mw_benefits_fen",),
        ),
        TableSpec(
            "表6",
            str(_("会员信息质量")),
            ("member_records_ok", "members", "retained_members", "data_quality"),
        ),
    ]


def table_specs() -> list[TableSpec]:
    return _table_specs()


def all_indicators() -> list[str]:
    seen: dict[str, None] = {}
    for spec in _table_specs():
        for code in spec.indicators:
            seen.setdefault(code, None)
    return list(seen)


# --- the plain data the renderers take ---------------------------------------------------------------------------

Value = int | Decimal | None


@dataclass(frozen=True)
class Column:
    code: str
    header: str  # Chinese name with its unit, e.g. "会员人数（人）"
    decimals: int = 0  # 0 = integer count; 2 = a ratio or an amount


@dataclass(frozen=True)
class Row:
    name: str
    code: str  # division code of a node, credit code of a union ("" for none)
    kind: str  # "node" / "union" / "total"
    values: dict[str, Value]


@dataclass(frozen=True)
class Table:
    code: str
    title: str
    columns: list[Column]
    rows: list[Row]  # the sub-units, then the total row

    @property
    def total(self) -> Row | None:
        return self.rows[-1] if self.rows and self.rows[-1].kind == "total" else None


@dataclass(frozen=True)
class ReportData:
    """Everything a report file shows. Built from a snapshot (or the live roll-up); contains no timestamps of its
    own, so rendering the same data twice gives the same bytes."""

    node_id: int
    node_name: str
    division_code: str
    period_label: str
    period_name: str  # e.g. "2026年度（2025年10月1日至2026年9月30日）"
    report_date: str  # the period's last day, ISO (the date the figures stand at)
    recipient_name: str
    snapshot_version: int | None  # None = live figures
    tables: list[Table] = field(default_factory=list)

    def table(self, code: str) -> Table | None:
        return next((t for t in self.tables if t.code == code), None)
