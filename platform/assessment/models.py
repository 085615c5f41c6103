"""职工之家 / 职工小家 assessment (public schema): standards, rounds, inspection, results, titles, funding.

Standards are issued by a federation node and immutable once published; every score is bound to one standard
version. A round participant is a union (branch_id 0: its 职工之家) or one of its branches (branch_id > 0: that
branch's 职工小家). Self scores and appraisal counts are a maintained copy of the tenant side
(`selfassessment`), so scoring a round never loops over tenant schemas.
No foreign key points into a tenant schema: branch and user ids are plain integers.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

POINTS = {"max_digits": 8, "decimal_places": 2}
RATE = {"max_digits": 9, "decimal_places": 4}  # 0.9000 = 90%; members may exceed staff (stale profile)


class StandardStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class ScoringMethod(models.TextChoices):
    FULL_OR_ZERO = "full_or_zero", _("达标得满分，否则不得分")
    GRADED = "graded", _("按档评分")
    PREREQUISITE = "prerequisite", _("前置条件（合格/不合格）")


class GradeCode(models.TextChoices):
    QUALIFIED = "qualified", _("合格职工之家")
    ADVANCED = "advanced", _("先进职工之家")
    MODEL = "model", _("模范职工之家")
    STAR1 = "star1", _("一星级")
    STAR2 = "star2", _("二星级")
    STAR3 = "star3", _("三星级")
    STAR4 = "star4", _("四星级")
    STAR5 = "star5", _("五星级")


# Order of grades within a scheme (1 = lowest) and which scheme a code belongs to; a standard uses one scheme.
GRADE_RANK = {
    "qualified": 1,
    "advanced": 2,
    "model": 3,
    "star1": 1,
    "star2": 2,
    "star3": 3,
    "star4": 4,
    "star5": 5,
}
GRADE_SCHEME = {code: ("star" if code.startswith("star") else "home") for code in GRADE_RANK}


class Standard(models.Model):
    """One version of a scoring standard (评分标准). A change after publication is a new version."""

    issuer = models.ForeignKey(
        "federations.FederationNode", verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+"
    )
    # Identifies the standard across its versions within the issuer, e.g. "home-2026".
    code = models.CharField(_("标准代码"), max_length=50)
    version = models.PositiveIntegerField(_("版本"), default=1)
    previous = models.ForeignKey(
        "self", verbose_name=_("上一版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("标准名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("适用年度"))
    # Union.unit_type values this standard applies to; empty = all.
    unit_types = models.JSONField(_("适用单位类型"), default=list, blank=True)
    applies_to_branches = models.BooleanField(_("适用于职工小家"), default=False)
    base_max_points = models.DecimalField(_("基础满分"), **POINTS)  # 100 or 1000
    bonus_cap = models.DecimalField(_("加分上限"), default=0, **POINTS)  # 100 + 3
    deduction_points = models.DecimalField(_("每次抽查扣分"), default=1, **POINTS)
    deduction_cap = models.DecimalField(_("扣分上限"), default=0, **POINTS)  # 0 = no cap
    # 会员评家 participation (responses / invited) below which the satisfaction gate fails: a satisfaction rate
    # from a handful of answers says nothing. Default 30% (docs/assessment.md: the sheets give no figure).
    min_appraisal_participation = models.DecimalField(_("会员评家最低参评率"), default="0.3000", **RATE)
    status = models.CharField(
        _("状态"), max_length=20, choices=StandardStatus.choices, default=StandardStatus.DRAFT
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考核标准")
        verbose_name_plural = _("考核标准")
        ordering = ["issuer_id", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "code", "version"], name="assess_standard_version"),
            models.CheckConstraint(condition=Q(base_max_points__gt=0), name="assess_standard_max_positive"),
            models.CheckConstraint(
                condition=Q(bonus_cap__gte=0) & Q(deduction_cap__gte=0) & Q(deduction_points__gte=0),
                name="assess_standard_caps_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == StandardStatus.PUBLISHED


class StandardSection(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(_("序号"))
    title = models.CharField(_("大项名称"), max_length=200)

    class Meta:
        verbose_name = _("考核大项")
        verbose_name_plural = _("考核大项")
        ordering = ["standard_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "position"], name="assess_section_position")
        ]

    def __str__(self) -> str:
        return self.title


class StandardItem(models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(StandardSection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("序号"))
    code = models.CharField(_("条目编号"), max_length=20)
    text = models.CharField(_("考核内容"), max_length=1000)
    max_points = models.DecimalField(_("分值"), **POINTS)
    method = models.CharField(
        _("评分方式"), max_length=20, choices=ScoringMethod.choices, default=ScoringMethod.GRADED
    )
    # Graded items: scores must be a multiple of this step (e.g. 0.5); null = any value with two decimals.
    step = models.DecimalField(_("评分步长"), null=True, blank=True, **POINTS)
    evidence_required = models.BooleanField(_("需上传佐证材料"), default=False)
    mandatory = models.BooleanField(_("必备项"), default=False)  # failing it fails the grade
    # For a mandatory graded item the least score that passes; null = full marks.
    pass_points = models.DecimalField(_("必备项合格分"), null=True, blank=True, **POINTS)
    veto = models.BooleanField(_("一票否决项"), default=False)  # a veto finding on it fails the grade
    bonus = models.BooleanField(_("加分项"), default=False)  # counts toward the bonus, within the bonus cap
    spot_check = models.BooleanField(_("抽查扣分项"), default=False)  # spot-check deductions may cite it

    class Meta:
        verbose_name = _("考核条目")
        verbose_name_plural = _("考核条目")
        ordering = ["standard_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="assess_item_code"),
            models.UniqueConstraint(fields=["standard", "position"], name="assess_item_position"),
            models.CheckConstraint(condition=Q(max_points__gte=0), name="assess_item_max_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


class Grade(models.Model):
    """A grade threshold of a standard with its eligibility gates. `rank` orders grades: 1 is the lowest."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="grades")
    code = models.CharField(_("等级"), max_length=20, choices=GradeCode.choices)
    name = models.CharField(_("等级名称"), max_length=50)
    rank = models.PositiveSmallIntegerField(_("等级序位"))
    min_score = models.DecimalField(_("最低得分"), **POINTS)
    min_join_rate = models.DecimalField(_("入会率下限"), null=True, blank=True, **RATE)
    min_satisfaction = models.DecimalField(_("会员满意率（含基本满意）下限"), null=True, blank=True, **RATE)
    requires_lower_title = models.BooleanField(_("须已获下一级称号"), default=False)
    validity_years = models.PositiveSmallIntegerField(_("称号有效期（年）"), default=3)

    class Meta:
        verbose_name = _("等级标准")
        verbose_name_plural = _("等级标准")
        ordering = ["standard_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="assess_grade_code"),
            models.UniqueConstraint(fields=["standard", "rank"], name="assess_grade_rank"),
        ]

    def __str__(self) -> str:
        return self.name


class RoundStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    SCORED = "scored", _("已评分")
    NOTICE = "notice", _("公示中")  # results frozen and posted for objections (公示)
    PUBLISHED = "published", _("已公布")


class AppraisalVerification(models.TextChoices):
    """How a respondent of the member appraisal (会员评家) proves to be the member (chosen per round by the
    organiser, not by the union being appraised)."""

    SMS = "sms", _("姓名、身份证号码和短信验证码")  # a one-time code sent to the member's phone on record
    IDENTITY = (
        "identity",
        _("姓名和身份证号码"),
    )  # known to the union's officers: they could answer for members


class Round(models.Model):
    """An assessment round (考核批次) opened by a federation node on one published standard version."""

    standard = models.ForeignKey(
        Standard, verbose_name=_("考核标准"), on_delete=models.PROTECT, related_name="rounds"
    )
    organiser = models.ForeignKey(
        "federations.FederationNode", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("批次名称"), max_length=200)
    reporting_year = models.CharField(_("统计年度"), max_length=10)  # flow period of the live facts
    self_assessment_due = models.DateTimeField(_("自评截止时间"))
    appraisal_due = models.DateTimeField(_("会员评家截止时间"))
    inspection_due = models.DateTimeField(_("验收截止时间"))
    # The date the round's figures (staff count for 入会率) are taken as of.
    reference_date = models.DateField(_("基准日期"))
    notice_starts_on = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束日期"), null=True, blank=True)
    decision_number = models.CharField(_("命名文号"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    appraisal_verification = models.CharField(
        _("会员评家身份核验方式"),
        max_length=20,
        choices=AppraisalVerification.choices,
        default=AppraisalVerification.SMS,
    )
    scored_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考核批次")
        verbose_name_plural = _("考核批次")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name


class RoundParticipant(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participants")
    union = models.ForeignKey("federations.Union", on_delete=models.PROTECT, related_name="+")
    branch_id = models.BigIntegerField(default=0)  # 0 = the union's 职工之家; > 0 = a branch's 职工小家
    branch_name = models.CharField(_("分会名称"), max_length=200, blank=True)
    node_path = models.CharField(max_length=255, editable=False)  # copy of union.node_path for subtree scans
    # Maintained copy of the tenant self-assessment: {item_code: "decimal string"}.
    self_scores = models.JSONField(default=dict, blank=True)
    self_submitted_at = models.DateTimeField(null=True, blank=True)
    self_submitted_by_id = models.BigIntegerField(null=True, blank=True)
    appraisal_invited = models.PositiveIntegerField(default=0)
    appraisal_responses = models.PositiveIntegerField(default=0)
    appraisal_satisfied = models.PositiveIntegerField(default=0)
    # Staff count (入会率 denominator) as of the round's reference date, from the union's staff count history;
    # verified (possibly corrected) by the inspecting federation before the round can publish.
    staff_count = models.PositiveIntegerField(_("职工人数"), null=True, blank=True)
    staff_count_on = models.DateField(_("职工人数生效日期"), null=True, blank=True)
    staff_count_source = models.CharField(_("职工人数来源"), max_length=20, blank=True)
    staff_verified_by_id = models.BigIntegerField(null=True, blank=True)
    staff_verified_at = models.DateTimeField(_("职工人数核定时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("参评单位")
        verbose_name_plural = _("参评单位")
        ordering = ["round_id", "union_id", "branch_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "union", "branch_id"], name="assess_participant_unique"),
            models.CheckConstraint(
                condition=Q(appraisal_satisfied__lte=models.F("appraisal_responses")),
                name="assess_participant_satisfied_within_responses",
            ),
        ]
        indexes = [
            models.Index(
                fields=["round", "node_path"],
                name="assess_participant_subtree",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.union_id}/{self.branch_id}"


class InspectionScore(models.Model):
    """An inspector's acceptance score (验收得分) for one item of one participant."""

    participant = models.ForeignKey(
        RoundParticipant, on_delete=models.CASCADE, related_name="inspection_scores"
    )
    item = models.ForeignKey(StandardItem, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("验收得分"), **POINTS)
    # The inspector accepted the self score as the acceptance score for this item (认可自评分).
    self_accepted = models.BooleanField(_("认可自评分"), default=False)
    note = models.CharField(_("说明"), max_length=1000, blank=True)
    inspector_id = models.BigIntegerField(null=True, blank=True)
    scored_at = models.DateTimeField()

    class Meta:
        verbose_name = _("验收评分")
        verbose_name_plural = _("验收评分")
        ordering = ["participant_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "item"], name="assess_inspection_unique"),
            models.CheckConstraint(condition=Q(score__gte=0), name="assess_inspection_non_negative"),
        ]


class Deduction(models.Model):
    """A spot-check failure (抽查扣分); the standard caps their total."""

    participant = models.ForeignKey(RoundParticipant, on_delete=models.CASCADE, related_name="deductions")
    item = models.ForeignKey(StandardItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("扣分"), **POINTS)
    reason = models.CharField(_("扣分原因"), max_length=1000)
    inspector_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("抽查扣分")
        verbose_name_plural = _("抽查扣分")
        ordering = ["participant_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="assess_deduction_positive")]


class VetoFinding(models.Model):
    """A 一票否决 finding (e.g. a serious collective labour incident, wage arrears): no grade this round."""

    participant = models.ForeignKey(RoundParticipant, on_delete=models.CASCADE, related_name="vetoes")
    item = models.ForeignKey(StandardItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("否决原因"), max_length=1000)
    inspector_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("一票否决")
        verbose_name_plural = _("一票否决")
        ordering = ["participant_id", "id"]


class Objection(models.Model):
    """An objection (异议) received during a round's 公示; the round publishes only once every one is resolved."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="objections")
    participant = models.ForeignKey(RoundParticipant, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    content = models.CharField(_("异议内容"), max_length=2000)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    resolution = models.CharField(_("处理意见"), max_length=2000, blank=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["round_id", "id"]


class Result(models.Model):
    """The engine's output for one participant (recomputed until the round is published)."""

    participant = models.OneToOneField(RoundParticipant, on_delete=models.CASCADE, related_name="result")
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")  # copy, for ranking
    base_points = models.DecimalField(**POINTS)
    bonus_points = models.DecimalField(**POINTS)
    deduction_points = models.DecimalField(**POINTS)
    total = models.DecimalField(_("总分"), **POINTS)
    grade = models.CharField(_("等级"), max_length=20, choices=GradeCode.choices, blank=True)  # "" = none
    reason_code = models.CharField(max_length=40)
    reason = models.CharField(_("评定说明"), max_length=500)
    breakdown = models.JSONField(default=list)  # per item, see engine.ItemLine
    join_rate = models.DecimalField(null=True, blank=True, **RATE)
    satisfaction = models.DecimalField(null=True, blank=True, **RATE)
    rank = models.PositiveIntegerField(_("排名"))
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["round_id", "rank", "participant_id"]
        indexes = [models.Index(fields=["round", "rank", "participant"], name="assess_result_ranking")]


class TitleStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    EXPIRED = "expired", _("已到期")
    REVOKED = "revoked", _("已撤销")
    SUPERSEDED = "superseded", _("已变更")  # replaced by an upgrade or a downgrade


class Title(models.Model):
    """A 职工之家 / 职工小家 title or star level held by a union or a branch. History is kept: rows are never
    deleted; a downgrade or upgrade ends this row (superseded) and starts a new one."""

    union = models.ForeignKey("federations.Union", on_delete=models.PROTECT, related_name="+")
    branch_id = models.BigIntegerField(default=0)
    node_path = models.CharField(max_length=255, editable=False)
    grade = models.CharField(_("等级"), max_length=20, choices=GradeCode.choices)
    grade_rank = models.PositiveSmallIntegerField()
    grade_name = models.CharField(_("称号"), max_length=50)
    awarded_by = models.ForeignKey(
        "federations.FederationNode", verbose_name=_("授予单位"), on_delete=models.PROTECT, related_name="+"
    )
    # Copy of awarded_by.level: a unit holds at most one active title per awarding level (county and city at once).
    awarding_level = models.CharField(_("授予层级"), max_length=20)
    # A title from a higher body not on the platform (e.g. the city federation) is recorded by a node here
    # (awarded_by) with the body's level and name.
    awarding_body_name = models.CharField(_("授予单位名称"), max_length=200, blank=True)
    round = models.ForeignKey(Round, null=True, blank=True, on_delete=models.PROTECT, related_name="titles")
    decision_number = models.CharField(_("命名文号"), max_length=100, blank=True)
    awarded_on = models.DateField(_("授予日期"))
    valid_until = models.DateField(_("有效期至"))
    last_reviewed_on = models.DateField(_("最近复核日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=TitleStatus.choices, default=TitleStatus.ACTIVE
    )
    ended_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("职工之家称号")
        verbose_name_plural = _("职工之家称号")
        ordering = ["-awarded_on", "-id"]
        constraints = [
            # One active title per unit (union at branch 0, or a branch) and awarding level.
            models.UniqueConstraint(
                fields=["union", "branch_id", "awarding_level"],
                condition=Q(status="active"),
                name="assess_title_one_active_per_level",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("awarded_on")), name="assess_title_dates"
            ),
        ]
        indexes = [models.Index(fields=["union", "branch_id", "status"], name="assess_title_unit")]


class TitleEventKind(models.TextChoices):
    AWARDED = "awarded", _("授予")
    REVIEWED = "reviewed", _("年度复核通过")
    DOWNGRADED = "downgraded", _("降级")
    REVOKED = "revoked", _("撤销")
    EXPIRED = "expired", _("到期")


class TitleEvent(models.Model):
    """Immutable history of a title."""

    title = models.ForeignKey(Title, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=TitleEventKind.choices)
    from_grade = models.CharField(max_length=20, blank=True)
    to_grade = models.CharField(max_length=20, blank=True)
    on = models.DateField()
    reason = models.CharField(_("原因"), max_length=1000, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title_id", "id"]


class FundingFormula(models.TextChoices):
    PER_GRADE = "per_grade", _("按等级定额")
    PROPORTIONAL = "proportional", _("按超过基准分的分值比例")


class FundingPool(models.Model):
    """A subsidy pool (补助资金) for a round, allocated in fen, summing exactly to the pool."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="funding_pool")
    amount_fen = models.BigIntegerField(_("资金总额（分）"))
    formula = models.CharField(_("分配方式"), max_length=20, choices=FundingFormula.choices)
    # per_grade: {grade_code: weight fen}; proportional: {"threshold": "80"}.
    params = models.JSONField(default=dict, blank=True)
    allocated_at = models.DateTimeField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("补助资金池")
        verbose_name_plural = _("补助资金池")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="assess_pool_non_negative")
        ]


class FundingAllocation(models.Model):
    pool = models.ForeignKey(FundingPool, on_delete=models.CASCADE, related_name="allocations")
    participant = models.ForeignKey(RoundParticipant, on_delete=models.CASCADE, related_name="+")
    amount_fen = models.BigIntegerField(_("分配金额（分）"))

    class Meta:
        ordering = ["pool_id", "participant_id"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "participant"], name="assess_allocation_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="assess_allocation_non_negative"),
        ]
