"""Model workers (劳动模范、先进工作者 ...), public schema: the registry kept by each awarding federation, award batches
with category quotas, nominations from unions, public notices (公示) with objections, revocations and the immutable
status history.

The person is linked by the keyed hash of the identity number (people.identity.id_hash) and never by the number
itself, so the member record (people.PersonMembership) can be found without copying personal data here. No foreign
key points into a tenant schema: member ids are plain integers.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NATIONAL = "national", _("全国")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class Title(models.TextChoices):
    MODEL_WORKER = "model_worker", _("劳动模范")
    ADVANCED_WORKER = "advanced_worker", _("先进工作者")
    MAY_DAY_MEDAL = "may_day_medal", _("五一劳动奖章")
    CRAFTSMAN = "craftsman", _("工匠")


class Category(models.TextChoices):
    """Leaf categories of the quotas: front-line staff and heads are enterprise staff, township-enterprise heads
    are counted among farmers (see quotas.CATEGORY_GROUPS)."""

    ENTERPRISE_STAFF = "enterprise_staff", _("企业职工（其他）")
    FRONTLINE = "frontline", _("企业一线工人和技术人员")
    ENTERPRISE_HEAD = "enterprise_head", _("企业负责人")
    FARMER = "farmer", _("农民")
    TOWNSHIP_ENTERPRISE_HEAD = "township_enterprise_head", _("乡镇企业负责人")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位人员")
    GOVERNMENT = "government", _("机关人员")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class WorkerStatus(models.TextChoices):
    MANAGED = "managed", _("管理期内")
    ENDED = "ended", _("管理期满")
    REVOKED = "revoked", _("已撤销")
    DECEASED = "deceased", _("已故")
    ABROAD = "abroad", _("出境定居")


# --- award batches and quotas ------------------------------------------------------------------------------------


class BatchStatus(models.TextChoices):
    OPEN = "open", _("推荐中")
    CLOSED = "closed", _("已结束")


class AwardBatch(models.Model):
    """One selection round (届次) of an awarding federation, with its places and category quotas."""

    awarding_node = models.ForeignKey(
        "federations.FederationNode", verbose_name=_("评选单位"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("批次名称"), max_length=200)
    session = models.PositiveSmallIntegerField(_("届次"))
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices)
    places = models.PositiveIntegerField(_("名额"))
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    nomination_deadline = models.DateField(_("推荐截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    created_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评选批次")
        verbose_name_plural = _("评选批次")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["awarding_node", "session"], name="mw_batch_session_unique"),
            models.CheckConstraint(condition=Q(places__gt=0), name="mw_batch_places_positive"),
            models.CheckConstraint(condition=Q(notice_days__gt=0), name="mw_batch_notice_days_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class QuotaBound(models.TextChoices):
    MIN = "min", _("不低于")
    MAX = "max", _("不超过")


class QuotaRule(models.Model):
    """`categories` take at least / at most `permille`‰ of the places of `of_categories` (empty = all places)."""

    batch = models.ForeignKey(AwardBatch, on_delete=models.CASCADE, related_name="quota_rules")
    code = models.CharField(_("规则代码"), max_length=40)
    label = models.CharField(_("规则名称"), max_length=200, blank=True)
    categories = models.JSONField(_("计入类别"), default=list)
    of_categories = models.JSONField(_("基数类别"), default=list, blank=True)
    bound = models.CharField(_("界限"), max_length=10, choices=QuotaBound.choices)
    permille = models.PositiveSmallIntegerField(_("比例（‰）"))

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "code"], name="mw_quota_rule_code_unique"),
            models.CheckConstraint(condition=Q(permille__lte=1000), name="mw_quota_rule_permille"),
        ]


# --- the registry ------------------------------------------------------------------------------------------------


class ModelWorker(models.Model):
    awarding_node = models.ForeignKey(
        "federations.FederationNode", verbose_name=_("授予单位"), on_delete=models.PROTECT, related_name="+"
    )
    # Keyed hash of the normalised identity number (people.identity.id_hash); the number is never stored here.
    person_hash = models.CharField(max_length=64, db_index=True)
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    employing_union = models.ForeignKey(
        "federations.Union",
        verbose_name=_("所在工会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer_name = models.CharField(_("工作单位"), max_length=200)
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices)
    title = models.CharField(_("荣誉称号"), max_length=30, choices=Title.choices)
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    batch = models.ForeignKey(
        AwardBatch,
        verbose_name=_("评选批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workers",
    )
    awarded_on = models.DateField(_("授予日期"))
    continuation_last_day = models.DateField(_("延续管理截止日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=WorkerStatus.choices, default=WorkerStatus.MANAGED
    )
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("劳模")
        verbose_name_plural = _("劳模")
        ordering = ["-awarded_on", "-id"]
        constraints = [
            # One title per person per batch; registered awards without a batch are unique by award.
            models.UniqueConstraint(
                fields=["person_hash", "batch"],
                condition=Q(batch__isnull=False),
                name="mw_worker_once_per_batch",
            ),
            models.UniqueConstraint(
                fields=["person_hash", "awarding_node", "title", "awarded_on"], name="mw_worker_award_unique"
            ),
            models.CheckConstraint(
                condition=Q(continuation_last_day__gt=F("awarded_on")), name="mw_worker_term_after_award"
            ),
        ]
        indexes = [
            models.Index(fields=["awarding_node", "status", "-id"], name="mw_worker_node_status"),
            models.Index(fields=["employing_union", "status", "-id"], name="mw_worker_union_status"),
            models.Index(fields=["status", "continuation_last_day"], name="mw_worker_term_end"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_title_display()})"


class ModelWorkerStatusChange(models.Model):
    """Immutable history: a database trigger refuses UPDATE, DELETE and TRUNCATE (migration 0002)."""

    worker = models.ForeignKey(ModelWorker, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=WorkerStatus.choices, blank=True)  # "" = awarded
    to_status = models.CharField(max_length=20, choices=WorkerStatus.choices)
    effective_on = models.DateField(_("生效日期"))
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    revocation = models.ForeignKey(
        "Revocation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_id = models.BigIntegerField(null=True, blank=True)  # accounts.User; null = scheduled task
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["worker_id", "id"]
        indexes = [models.Index(fields=["worker", "id"], name="mw_status_change_worker")]


# --- nomination, public notice, objections -----------------------------------------------------------------------


class NominationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    ACCEPTED = "accepted", _("待公示")
    REJECTED = "rejected", _("未通过")
    ON_NOTICE = "on_notice", _("公示中")
    WITHDRAWN = "withdrawn", _("公示未通过")  # an objection was upheld
    AWARDED = "awarded", _("已授予")


ACTIVE_NOMINATION_STATUSES = (
    NominationStatus.SUBMITTED,
    NominationStatus.ACCEPTED,
    NominationStatus.ON_NOTICE,
)


class PublicNotice(models.Model):
    """公示: a list of accepted nominations posted for `notice_days`; objections are received while it runs."""

    batch = models.ForeignKey(AwardBatch, on_delete=models.PROTECT, related_name="notices")
    title = models.CharField(_("公示标题"), max_length=200)
    starts_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示结束日期"))  # last day of the notice, inclusive
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    approval_document = models.CharField(_("批准文号"), max_length=200, blank=True)
    approved_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="mw_notice_period_ordered"),
        ]


class Nomination(models.Model):
    batch = models.ForeignKey(AwardBatch, on_delete=models.PROTECT, related_name="nominations")
    union = models.ForeignKey(
        "federations.Union", verbose_name=_("推荐工会"), on_delete=models.PROTECT, related_name="+"
    )
    member_id = models.BigIntegerField()  # membership.Member in the union's schema
    person_hash = models.CharField(max_length=64)
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    employer_name = models.CharField(_("工作单位"), max_length=200)
    title = models.CharField(_("荣誉称号"), max_length=30, choices=Title.choices)
    category = models.CharField(_("类别"), max_length=30, choices=Category.choices)
    deeds = models.TextField(_("主要事迹"))
    # The workers' congress (职代会) discussion of the nomination.
    congress_date = models.DateField(_("职代会讨论日期"))
    congress_attendance = models.PositiveIntegerField(_("职代会到会代表人数"))
    congress_votes_for = models.PositiveIntegerField(_("职代会赞成票数"))
    status = models.CharField(
        _("状态"), max_length=20, choices=NominationStatus.choices, default=NominationStatus.SUBMITTED
    )
    reject_reason = models.CharField(_("未通过原因"), max_length=500, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by_id = models.BigIntegerField(null=True, blank=True)
    notice = models.ForeignKey(
        PublicNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="nominations"
    )
    worker = models.OneToOneField(
        ModelWorker, null=True, blank=True, on_delete=models.PROTECT, related_name="nomination"
    )
    submitted_by_id = models.BigIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("推荐")
        verbose_name_plural = _("推荐")
        ordering = ["-id"]
        constraints = [
            # A person is nominated at most once per batch while the nomination is alive.
            models.UniqueConstraint(
                fields=["batch", "person_hash"],
                condition=Q(status="submitted")
                | Q(status="accepted")
                | Q(status="on_notice")
                | Q(status="awarded"),
                name="mw_nomination_once_per_batch",
            ),
            models.CheckConstraint(
                condition=Q(congress_votes_for__lte=F("congress_attendance")),
                name="mw_nomination_votes_le_attend",
            ),
        ]
        indexes = [
            models.Index(fields=["batch", "status"], name="mw_nomination_batch_status"),
            models.Index(fields=["union", "-id"], name="mw_nomination_union"),
        ]


class NominationAttachment(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("附件说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["nomination", "file"], name="mw_nomination_file_once")]


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    content = models.TextField(_("异议内容"))
    objector = models.CharField(_("异议人"), max_length=100, blank=True)  # may stay anonymous
    status = models.CharField(
        _("状态"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    resolution = models.TextField(_("核查处理结果"), blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    resolved_by_id = models.BigIntegerField(null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["id"]
        indexes = [models.Index(fields=["notice", "status"], name="mw_objection_notice_status")]


# --- revocation --------------------------------------------------------------------------------------------------


class RevocationGround(models.TextChoices):
    # Wuhan 1998 grounds, the railway rules' additions, and failing the annual assessment (continuation management).
    DISCIPLINE = "discipline", _("受到留用察看、留党察看及以上处分")
    RE_EDUCATION = "re_education", _("被劳动教养")
    CRIMINAL_PENALTY = "criminal_penalty", _("受到刑事处罚")
    FALSE_DEEDS = "false_deeds", _("事迹严重失实")
    ILLEGAL_EXIT = "illegal_exit", _("非法出境")
    FRAUD = "fraud", _("弄虚作假、隐瞒真相骗取荣誉")
    ASSESSMENT_FAILED = "assessment_failed", _("年度考核不合格")


class RevocationSource(models.TextChoices):
    MANUAL = "manual", _("人工提出")
    ASSESSMENT = "assessment", _("年度考核")


class RevocationStatus(models.TextChoices):
    PROPOSED = "proposed", _("待批准")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class Revocation(models.Model):
    """A proposal to revoke a title and its decision. Once decided the row is frozen (trigger in migration 0002)."""

    worker = models.ForeignKey(ModelWorker, on_delete=models.PROTECT, related_name="revocations")
    grounds = models.JSONField(_("撤销理由"), default=list)  # RevocationGround values, at least one
    note = models.TextField(_("情况说明"), blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=RevocationSource.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=RevocationStatus.choices, default=RevocationStatus.PROPOSED
    )
    proposed_on = models.DateField(_("提出日期"))
    proposed_by_id = models.BigIntegerField(null=True, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    # The approval outside the federation (报请市委、市政府批准): document number and decision note.
    approval_document = models.CharField(_("批准文号"), max_length=200, blank=True)
    decision_note = models.TextField(_("决定说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("撤销称号")
        verbose_name_plural = _("撤销称号")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker"], condition=Q(status="proposed"), name="mw_revocation_one_open"
            ),
        ]


class RevocationDocument(models.Model):
    """Supporting documents (files.StoredFile), added with the proposal only."""

    revocation = models.ForeignKey(Revocation, on_delete=models.PROTECT, related_name="documents")
    file = models.ForeignKey("files.StoredFile", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("材料说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["revocation", "file"], name="mw_revocation_file_once")]
