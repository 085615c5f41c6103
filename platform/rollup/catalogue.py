"""The indicator catalogue: what each figure of the roll-up means and how it aggregates.

Two kinds of indicator:
- `sum`: a raw count summed over unions (and branches). Its source is either the live facts (`rollup.LiveFact`,
  maintained by each domain in the same transaction as its change) or the union profile (`federations.Union`
  columns, read in the same query as the facts: no second copy to keep in step).
- `ratio`: numerator sum / denominator sum (x scale), computed at each level from the summed parts. Never an
  average of the units' rates: 入会率 of a county is all its members / all its staff.

Stocks are figures "now" (period ""); flows (`flow=True`) are counted in the reporting year (1 Oct - 30 Sep) they
fall in. Monthly and quarterly periods report stocks and the year-to-date flows of their reporting year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from federations.models import OwnershipType, UnitType

from . import indicators as ind

SUM = "sum"
RATIO = "ratio"

FACTS = "facts"
PROFILE = "profile"
DERIVED = "derived"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    definition: str
    aggregation: str = SUM
    source: str = FACTS
    flow: bool = False
    # Ratios only: value = sum(numerator) * scale / sum(denominators...), None when the denominator is 0.
    numerator: str | None = None
    denominator: tuple[str, ...] = ()
    scale: Decimal = Decimal(1)
    # Profile sums: the SQL expression over federations_union `u` giving this union's contribution.
    profile_sql: str = ""
    group: str = ""

    @property
    def parts(self) -> tuple[str, ...]:
        """The sum indicators this one is computed from (itself for a sum)."""
        if self.aggregation == RATIO:
            return (self.numerator, *self.denominator)
        return (self.code,)


MEMBER_RECORDS_OK = ind.MEMBER_RECORDS_OK

HOME_GRADES = ("qualified", "advanced", "model", "star1", "star2", "star3", "star4", "star5")
HOME_GRADE_NAMES = {
    "qualified": _("合格职工之家"),
    "advanced": _("先进职工之家"),
    "model": _("模范职工之家"),
    "star1": _("一星级职工之家"),
    "star2": _("二星级职工之家"),
    "star3": _("三星级职工之家"),
    "star4": _("四星级职工之家"),
    "star5": _("五星级职工之家"),
}
MW_LEVELS = {
    "national": _("全国劳动模范"),
    "provincial": _("省级劳动模范"),
    "city": _("市级劳动模范"),
    "county": _("县级劳动模范"),
}
MW_STATUSES = {
    "managed": _("管理期内劳模"),
    "ended": _("管理期满劳模"),
    "revoked": _("已撤销劳模称号"),
    "deceased": _("已故劳模"),
    "abroad": _("出境定居劳模"),
}

MW_CATEGORY_NAMES = {
    "enterprise_staff": _("企业职工"),
    "frontline": _("一线职工"),
    "enterprise_head": _("企业负责人"),
    "farmer": _("农民"),
    "township_enterprise_head": _("乡镇企业负责人"),
    "public_institution": _("事业单位人员"),
    "government": _("机关人员"),
}

PCT = Decimal(100)


def _build() -> dict[str, Indicator]:
    entries: list[Indicator] = [
        # Organisation (union profile).
        Indicator(
            "unions",
            _("基层工会组织数"),
            _("个"),
            _("本级及下级所辖未撤销的基层工会个数"),
            source=PROFILE,
            profile_sql="1",
            group="org",
        ),
        Indicator(
            "unions_joint",
            _("联合基层工会数"),
            _("个"),
            _("其中联合基层工会个数"),
            source=PROFILE,
            profile_sql="(u.union_kind = 'joint')::int",
            group="org",
        ),
    ]
    for value, label in UnitType.choices:
        entries.append(
            Indicator(
                f"unions_unit_{value}",
                _("基层工会数（%(type)s）") % {"type": label},
                _("个"),
                _("单位类型为“%(type)s”的基层工会个数") % {"type": label},
                source=PROFILE,
                profile_sql=f"(u.unit_type = '{value}')::int",
                group="org",
            )
        )
    for value, label in OwnershipType.choices:
        entries.append(
            Indicator(
                f"unions_own_{value}",
                _("基层工会数（%(type)s）") % {"type": label},
                _("个"),
                _("经济类型为“%(type)s”的基层工会个数") % {"type": label},
                source=PROFILE,
                profile_sql=f"(u.ownership_type = '{value}')::int",
                group="org",
            )
        )
    entries += [
        Indicator(
            "staff",
            _("职工人数"),
            _("人"),
            _("建会单位职工人数（含农民工、劳务派遣工），取自基层工会基本信息"),
            source=PROFILE,
            profile_sql="u.staff_count",
            group="org",
        ),
        Indicator(
            "female_staff",
            _("女职工人数"),
            _("人"),
            _("建会单位女职工人数，取自基层工会基本信息"),
            source=PROFILE,
            profile_sql="u.female_staff_count",
            group="org",
        ),
        Indicator(
            "union_officers_fulltime",
            _("专职工会干部数"),
            _("人"),
            _("基层工会专职工会干部人数"),
            source=PROFILE,
            profile_sql="u.fulltime_officer_count",
            group="org",
        ),
        Indicator(
            "unions_workers_congress",
            _("建立职代会制度的基层工会数"),
            _("个"),
            _("所在单位建立职工代表大会制度的基层工会个数"),
            source=PROFILE,
            profile_sql="u.has_workers_congress::int",
            group="democracy",
        ),
        Indicator(
            "unions_affairs_disclosure",
            _("实行厂务公开的基层工会数"),
            _("个"),
            _("所在单位实行厂务（院务、校务）公开制度的基层工会个数"),
            source=PROFILE,
            profile_sql="u.has_affairs_disclosure::int",
            group="democracy",
        ),
        # Membership (live facts).
        Indicator(ind.MEMBERS, _("会员人数"), _("人"), _("会籍状态为正常的会员人数"), group="members"),
        Indicator(ind.FEMALE_MEMBERS, _("女会员人数"), _("人"), _("其中女会员人数"), group="members"),
        Indicator(
            ind.MIGRANT_MEMBERS,
            _("农民工会员人数"),
            _("人"),
            _("其中用工类型为农民工的会员"),
            group="members",
        ),
        Indicator(
            ind.AGENCY_MEMBERS, _("劳务派遣工会员人数"), _("人"), _("其中劳务派遣工会员"), group="members"
        ),
        Indicator(
            ind.NEW_FORM_MEMBERS,
            _("新就业形态劳动者会员人数"),
            _("人"),
            _("其中新就业形态劳动者会员"),
            group="members",
        ),
        Indicator(
            ind.RETAINED_MEMBERS,
            _("保留会籍人数"),
            _("人"),
            _("保留会籍的人员（离退休、失业等），不计入会员人数"),
            group="members",
        ),
        Indicator(
            ind.NEW_MEMBERS,
            _("新发展会员人数"),
            _("人"),
            _("本报告年度内新入会的会员（不含转入），入会后的状态变化不影响"),
            flow=True,
            group="members",
        ),
        Indicator(
            MEMBER_RECORDS_OK,
            _("信息合格会员记录数"),
            _("条"),
            _(
                "正常和保留会籍的会员记录中，手机号、民族等必填信息齐全的记录数（身份证号和日期在录入时已校验）"
            ),
            group="quality",
        ),
        Indicator(
            "join_rate",
            _("入会率"),
            "%",
            _("会员人数 ÷ 职工人数 × 100，各级均以合计数计算"),
            aggregation=RATIO,
            source=DERIVED,
            numerator=ind.MEMBERS,
            denominator=("staff",),
            scale=PCT,
            group="members",
        ),
        Indicator(
            "female_member_share",
            _("女会员占比"),
            "%",
            _("女会员人数 ÷ 会员人数 × 100"),
            aggregation=RATIO,
            source=DERIVED,
            numerator=ind.FEMALE_MEMBERS,
            denominator=(ind.MEMBERS,),
            scale=PCT,
            group="members",
        ),
        Indicator(
            "data_quality",
            _("会员信息合格率"),
            "%",
            _("信息合格会员记录数 ÷（会员人数 + 保留会籍人数）× 100"),
            aggregation=RATIO,
            source=DERIVED,
            numerator=MEMBER_RECORDS_OK,
            denominator=(ind.MEMBERS, ind.RETAINED_MEMBERS),
            scale=PCT,
            group="quality",
        ),
    ]
    # 职工之家 assessment (facts maintained by the assessment services).
    for grade in HOME_GRADES:
        entries.append(
            Indicator(
                f"home_grade_{grade}",
                HOME_GRADE_NAMES[grade],
                _("个"),
                _("持有有效“%(grade)s”称号的基层工会（分会为职工小家）数")
                % {"grade": HOME_GRADE_NAMES[grade]},
                group="home",
            )
        )
    entries += [
        Indicator(
            "home_results",
            _("职工之家考核结果数"),
            _("个"),
            _("本报告年度内公布的考核结果个数"),
            flow=True,
            group="home",
        ),
        Indicator(
            "home_score_centi",
            _("职工之家考核总分（×100）"),
            _("分/100"),
            _("本报告年度公布结果的总分之和乘以100"),
            flow=True,
            group="home",
        ),
        Indicator(
            "home_score_avg",
            _("职工之家平均得分"),
            _("分"),
            _("考核总分之和 ÷ 考核结果数"),
            aggregation=RATIO,
            source=DERIVED,
            numerator="home_score_centi",
            denominator=("home_results",),
            scale=Decimal("0.01"),
            group="home",
        ),
        Indicator(
            "home_appraisal_invited",
            _("应参评会员数"),
            _("人"),
            _("会员评家应参评会员数"),
            flow=True,
            group="home",
        ),
        Indicator(
            "home_appraisal_responses",
            _("参评会员数"),
            _("人"),
            _("会员评家实际参评会员数"),
            flow=True,
            group="home",
        ),
        Indicator(
            "home_appraisal_satisfied",
            _("满意（含基本满意）会员数"),
            _("人"),
            _("评价为满意或基本满意的会员数"),
            flow=True,
            group="home",
        ),
        Indicator(
            "home_appraisal_participation",
            _("职工测评参与率"),
            "%",
            _("参评会员数 ÷ 应参评会员数 × 100"),
            aggregation=RATIO,
            source=DERIVED,
            numerator="home_appraisal_responses",
            denominator=("home_appraisal_invited",),
            scale=PCT,
            group="home",
        ),
        Indicator(
            "home_appraisal_satisfaction",
            _("职工满意率"),
            "%",
            _("满意（含基本满意）会员数 ÷ 参评会员数 × 100"),
            aggregation=RATIO,
            source=DERIVED,
            numerator="home_appraisal_satisfied",
            denominator=("home_appraisal_responses",),
            scale=PCT,
            group="home",
        ),
    ]
    # 劳模 (facts maintained by the model-worker services, attributed to the employing union).
    for level, label in MW_LEVELS.items():
        entries.append(
            Indicator(
                f"mw_level_{level}",
                label,
                _("人"),
                _("在本单位工作的%(name)s人数") % {"name": label},
                group="mw",
            )
        )
    for status, label in MW_STATUSES.items():
        entries.append(
            Indicator(
                f"mw_status_{status}",
                label,
                _("人"),
                _("状态为“%(name)s”的人数") % {"name": label},
                group="mw",
            )
        )
    for category in ind.MW_CATEGORY_CODES:
        label = MW_CATEGORY_NAMES.get(category, category)
        entries.append(
            Indicator(
                f"mw_category_{category}",
                _("劳模（%(name)s）") % {"name": label},
                _("人"),
                _("类别为“%(name)s”的称号保持者人数") % {"name": label},
                group="mw",
            )
        )
    entries.append(
        Indicator(
            "mw_benefits_fen",
            _("劳模待遇发放金额"),
            _("分"),
            _("本报告年度内按支付日期计的劳模津贴、补助、慰问等发放金额（以分计）"),
            flow=True,
            group="mw",
        )
    )
    return {entry.code: entry for entry in entries}


CATALOGUE: dict[str, Indicator] = _build()

# Indicators frozen in a snapshot: every sum (ratios are recomputed from them).
SUM_CODES: tuple[str, ...] = tuple(code for code, entry in CATALOGUE.items() if entry.aggregation == SUM)
FLOW_CODES = frozenset(code for code, entry in CATALOGUE.items() if entry.flow)


def indicator_get(code: str) -> Indicator | None:
    return CATALOGUE.get(code)


def base_codes(codes) -> list[str]:
    """The sum indicators needed to compute `codes`, in a stable order, without repeats."""
    seen: dict[str, None] = {}
    for code in codes:
        for part in CATALOGUE[code].parts:
            seen.setdefault(part, None)
    return list(seen)


def ratio_value(entry: Indicator, sums: dict[str, int]) -> Decimal | None:
    denominator = sum(sums.get(code, 0) for code in entry.denominator)
    if not denominator:
        return None
    return ratio_of(sums.get(entry.numerator, 0), denominator, entry.scale)


def _ratio_decimal(numerator: int, denominator: int, scale: Decimal) -> Decimal:
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(Decimal("0.01"))


def _cents_ratio(scale: Decimal) -> tuple[int, int]:
    return (scale * 100).as_integer_ratio()


_SCALE_CENTS = {scale: _cents_ratio(scale) for scale in {entry.scale for entry in CATALOGUE.values()}}


def ratio_of(numerator: int, denominator: int, scale: Decimal) -> Decimal | None:
    """numerator x scale / denominator to 0.01 (half to even, as Decimal.quantize), None for a zero denominator.

    Integer arithmetic for counts (the roll-up computes thousands of these per request): exactly the Decimal
    result, which only rounds differently for numbers of 28 digits and more; negatives take the Decimal path.
    """
    if not denominator:
        return None
    if numerator < 0 or denominator < 0 or type(numerator) is not int or type(denominator) is not int:
        return _ratio_decimal(numerator, denominator, scale)
    cents = _SCALE_CENTS.get(scale) or _cents_ratio(scale)
    quotient, remainder = divmod(numerator * cents[0], denominator * cents[1])
    twice = 2 * remainder
    divisor = denominator * cents[1]
    if twice > divisor or (twice == divisor and quotient & 1):
        quotient += 1
    return Decimal(quotient).scaleb(-2)
