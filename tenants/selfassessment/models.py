"""A union's own side of a 职工之家 assessment round (tenant schema): the self-assessment with its evidence, and the
member appraisal (会员评家).

The public `assessment.RoundParticipant` row (round, union, branch) is the unit; rows here name it by plain integer
ids (no foreign key leaves the union's schema). On submit the self scores are copied to the public row, and each
appraisal response adds to the public aggregate, so scoring a round never reads tenant schemas.

Appraisal answers are kept apart from who answered: `AppraisalVoter` records that a member responded (for "one
response per member"), `AppraisalBallot` holds the answers with a random key and no time or member, so neither the
API nor the tables link an answer to a member.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

POINTS = {"max_digits": 8, "decimal_places": 2}


class SelfAssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交")


class SelfAssessment(models.Model):
    """The self-assessment of one round participant: the union's 职工之家 (branch 0) or a branch's 职工小家."""

    participant_id = models.BigIntegerField(unique=True)  # assessment.RoundParticipant (public schema)
    round_id = models.BigIntegerField()  # assessment.Round
    branch_id = models.BigIntegerField(default=0)  # organisation.Branch; 0 = the union as a whole
    status = models.CharField(
        _("状态"), max_length=20, choices=SelfAssessmentStatus.choices, default=SelfAssessmentStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("职工之家自评")
        verbose_name_plural = _("职工之家自评")
        constraints = [
            models.UniqueConstraint(fields=["round_id", "branch_id"], name="selfassessment_round_unit"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="selfassessment_submitted_has_time",
            ),
        ]

    @property
    def is_submitted(self) -> bool:
        return self.status == SelfAssessmentStatus.SUBMITTED


class SelfScore(models.Model):
    """The self score and note for one item of the standard (by the item's code, unique within a standard)."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    item_code = models.CharField(_("条目编号"), max_length=20)
    score = models.DecimalField(_("自评分"), null=True, blank=True, **POINTS)
    note = models.CharField(_("自评说明"), max_length=1000, blank=True)
    updated_by_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("自评得分")
        verbose_name_plural = _("自评得分")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item_code"], name="selfscore_one_per_item"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0), name="selfscore_non_negative"
            ),
        ]


class Evidence(models.Model):
    """An evidence file (佐证材料) for one item, stored through `files` under a deterministic key."""

    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.CASCADE, related_name="evidence", db_index=False
    )
    item_code = models.CharField(_("条目编号"), max_length=20)
    file_key = models.CharField(max_length=512, unique=True)  # files.StoredFile.key
    file_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["id"]
        constraints = [
            # The same content twice for one item is one file (the key is derived from the content's hash).
            models.UniqueConstraint(
                fields=["assessment", "item_code", "sha256"], name="evidence_once_per_item"
            ),
        ]


class AppraisalSurvey(models.Model):
    """A participant's member appraisal, opened by the union: the invited count is fixed at opening."""

    participant_id = models.BigIntegerField(unique=True)  # assessment.RoundParticipant
    round_id = models.BigIntegerField()
    branch_id = models.BigIntegerField(default=0)
    invited = models.PositiveIntegerField(_("应参评会员数"))
    opened_at = models.DateTimeField(_("开启时间"))
    opened_by_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("会员评家")
        verbose_name_plural = _("会员评家")
        constraints = [
            models.UniqueConstraint(fields=["round_id", "branch_id"], name="appraisal_survey_round_unit"),
        ]


class AppraisalVoter(models.Model):
    """That a member has responded: one row per member per survey. Never joined to the answers."""

    survey = models.ForeignKey(AppraisalSurvey, on_delete=models.CASCADE, related_name="+", db_index=False)
    person_hash = models.CharField(max_length=64)  # people.identity.id_hash of the member's identity number
    responded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "person_hash"], name="appraisal_one_response_per_member"
            ),
        ]


class AppraisalCode(models.Model):
    """A one-time code sent by text message to a member's phone (rounds verifying by SMS): its keyed hash only,
    so whoever reads the database or the admin pages cannot answer for the member."""

    survey = models.ForeignKey(AppraisalSurvey, on_delete=models.CASCADE, related_name="+", db_index=False)
    person_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "person_hash"], name="appraisal_code_one_per_member"),
        ]


class Overall(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


# Areas members rate 1-5 (5 = best); each is a column of AppraisalBallot.
AREAS: dict[str, object] = {
    "organisation": _("组织建设与会务公开"),
    "rights": _("维护职工合法权益"),
    "democracy": _("民主管理（职代会、厂务公开）"),
    "services": _("服务职工与困难帮扶"),
    "activities": _("文体活动与职工之家阵地"),
}
RATING_MIN, RATING_MAX = 1, 5


def _rating(label):
    return models.PositiveSmallIntegerField(label)


class AppraisalBallot(models.Model):
    """One response's answers. A random key and no timestamp: insertion order cannot be matched to voters."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(AppraisalSurvey, on_delete=models.CASCADE, related_name="+", db_index=False)
    overall = models.CharField(_("总体评价"), max_length=20, choices=Overall.choices)
    organisation = _rating(AREAS["organisation"])
    rights = _rating(AREAS["rights"])
    democracy = _rating(AREAS["democracy"])
    services = _rating(AREAS["services"])
    activities = _rating(AREAS["activities"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{area}__gte": RATING_MIN, f"{area}__lte": RATING_MAX}),
                name=f"appraisal_ballot_{area}_range",
            )
            for area in AREAS
        ]
        indexes = [models.Index(fields=["survey", "overall"], name="appraisal_ballot_survey")]
