"""A realistic scoring sheet: the Fujian model-Home acceptance form (100 base + 3 bonus), adapted.

Used by the demo loader and the tests. Sections and points follow the Fujian sheet (party-government-union
co-building 15, rights protection 15, with 必备 items), the Fujian Postal "five haves" pass/fail prerequisite, the
Quzhou organisation and rights items, spot-check deductions of 1 point each capped at 4, and a 一票否决 item.
"""

from __future__ import annotations

from decimal import Decimal as D

from .models import ScoringMethod
from .services.standards import GradeInput, ItemInput, SectionInput, StandardContent

FULL = ScoringMethod.FULL_OR_ZERO
GRADED = ScoringMethod.GRADED
PREREQ = ScoringMethod.PREREQUISITE


def fujian_home_standard(*, code: str = "fj-model-home", year: int = 2026) -> StandardContent:
    return StandardContent(
        code=code,
        name=f"{year}年度模范职工之家验收评分标准（100+3分制）",
        year=year,
        unit_types=("enterprise", "public_institution"),
        applies_to_branches=True,
        base_max_points=D(100),
        bonus_cap=D(3),
        deduction_points=D(1),
        deduction_cap=D(4),
        sections=[
            SectionInput(
                "党政工共建",
                [
                    ItemInput(
                        "1.1",
                        "成立由党政主要负责人参加的建家领导小组",
                        D(3),
                        FULL,
                        mandatory=True,
                        evidence_required=True,
                    ),
                    ItemInput(
                        "1.2", "建家工作纳入单位发展规划和年度工作计划", D(2), FULL, evidence_required=True
                    ),
                    ItemInput("1.3", "党政依靠职工办企业，重大决策听取工会意见", D(3), GRADED, step=D(1)),
                    ItemInput("1.4", "行政为工会开展工作提供必要的场所和经费支持", D(2), GRADED, step=D(1)),
                    ItemInput(
                        "1.5", "按规定足额拨缴工会经费", D(5), FULL, mandatory=True, evidence_required=True
                    ),
                ],
            ),
            SectionInput(
                "维护职工合法权益",
                [
                    ItemInput(
                        "2.1",
                        "签订并履行集体合同，履约满意率达90%以上，劳动合同签订率达95%以上",
                        D(6),
                        GRADED,
                        step=D(1),
                        mandatory=True,
                        pass_points=D(5),
                        evidence_required=True,
                    ),
                    ItemInput("2.2", "建立劳动争议调解委员会并有效开展调解", D(3), GRADED, step=D(1)),
                    ItemInput("2.3", "常态化开展“送温暖”等帮扶活动", D(4), GRADED, step=D(1)),
                    ItemInput("2.4", "为职工办实事、解难事", D(2), GRADED, step=D(1)),
                ],
            ),
            SectionInput(
                "“五有”基本条件（前置条件）",
                [
                    ItemInput(
                        "3.1",
                        "有职工之家阵地、有牌子、有制度、有活动、有台账",
                        D(10),
                        PREREQ,
                        evidence_required=True,
                    ),
                ],
            ),
            SectionInput(
                "组织建设",
                [
                    ItemInput("4.1", "依法按期换届，工会委员会健全", D(4), GRADED, step=D(1)),
                    ItemInput(
                        "4.2", "经费审查委员会健全；女会员10人以上的建立女职工委员会", D(4), GRADED, step=D(1)
                    ),
                    ItemInput("4.3", "会员入会率达90%以上（含农民工、劳务派遣工）", D(4), FULL),
                    ItemInput("4.4", "会员会籍管理规范，实名制数据及时更新", D(4), GRADED, step=D(1)),
                    ItemInput("4.5", "工会干部队伍健全，定期开展培训", D(4), GRADED, step=D(1)),
                ],
            ),
            SectionInput(
                "民主管理",
                [
                    ItemInput(
                        "5.1",
                        "建立职工代表大会制度并按期召开",
                        D(6),
                        FULL,
                        mandatory=True,
                        evidence_required=True,
                    ),
                    ItemInput("5.2", "推行厂务公开", D(4), GRADED, step=D(1)),
                    ItemInput(
                        "5.3", "工会委员会每季度至少召开一次会议（每次1分，最高4分）", D(4), GRADED, step=D(1)
                    ),
                    ItemInput("5.4", "开展会员评家活动，会员满意率达90%以上", D(6), GRADED, step=D(1)),
                ],
            ),
            SectionInput(
                "职工之家建设",
                [
                    ItemInput("6.1", "经常开展职工喜闻乐见的文体活动", D(5), GRADED, step=D(1)),
                    ItemInput("6.2", "加强职工文化建设，开展劳动和技能竞赛", D(5), GRADED, step=D(1)),
                    ItemInput(
                        "6.3",
                        "工作台账完整规范",
                        D(5),
                        GRADED,
                        step=D(1),
                        spot_check=True,
                        evidence_required=True,
                    ),
                    ItemInput(
                        "6.4", "职工之家阵地设施完好、开放使用", D(5), GRADED, step=D(1), spot_check=True
                    ),
                    ItemInput(
                        "6.5",
                        "无严重集体劳动争议、重大安全事故和拖欠职工工资问题（一票否决）",
                        D(0),
                        FULL,
                        veto=True,
                    ),
                ],
            ),
            SectionInput(
                "加分项目",
                [
                    ItemInput(
                        "B.1", "建家工作获县级以上表彰", D(2), FULL, bonus=True, evidence_required=True
                    ),
                    ItemInput(
                        "B.2", "建家经验被上级工会推广", D(2), FULL, bonus=True, evidence_required=True
                    ),
                ],
            ),
        ],
        grades=[
            # 合格 scores 入会率 as item 4.3 (Quzhou qualified-Home form); the gates apply from 先进 up.
            GradeInput("qualified", D(70), "合格职工之家"),
            GradeInput("advanced", D(85), "先进职工之家", min_join_rate=D("0.9"), min_satisfaction=D("0.9")),
            GradeInput(
                "model",
                D(95),
                "模范职工之家",
                min_join_rate=D("0.9"),
                min_satisfaction=D("0.9"),
                requires_lower_title=True,
                validity_years=5,
            ),
        ],
    )
