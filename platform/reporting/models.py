"""Statistical report submission (public schema): who submitted which period to whom, the review trail, deadlines,
reminders sent, the report files and their delivery to the higher-level union.

The chain is union -> township/street/park node -> county -> the county's report recipient (a higher-level union,
usually outside the platform). A missing Submission row means "not submitted yet", so opening a period writes
nothing per union; the board is one query over unions and nodes with their (possibly absent) submissions.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SubmissionLevel(models.TextChoices):
    UNION = "union", _("基层工会")
    TOWNSHIP = "township", _("乡镇（街道、园区）工会")
    COUNTY = "county", _("县（区）总工会")


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已报送")
    ACCEPTED = "accepted", _("已审核通过")
    RETURNED = "returned", _("已退回")


class Submission(models.Model):
    """A unit's report for a period: exactly one of `union` or `node` is set. One row per (period, unit); a
    resubmission after a return updates it (every step is kept in SubmissionEvent)."""

    period = models.ForeignKey("rollup.ReportingPeriod", on_delete=models.PROTECT, related_name="submissions")
    level = models.CharField(_("报送层级"), max_length=10, choices=SubmissionLevel.choices)
    union = models.ForeignKey(
        "federations.Union", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    node = models.ForeignKey(
        "federations.FederationNode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit_name = models.CharField(_("报送单位"), max_length=200)
    # The node's path, or the union's parent path: "submissions below X" is a prefix match.
    unit_path = models.CharField(max_length=255)
    # Who reviews it: a node of the platform, or (a county's report) the external recipient named here.
    reviewer_node = models.ForeignKey(
        "federations.FederationNode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_name = models.CharField(_("审核单位"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=SubmissionStatus.choices)
    snapshot = models.ForeignKey(
        "rollup.Snapshot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rounds = models.PositiveIntegerField(_("报送次数"), default=1)
    submitted_at = models.DateTimeField(_("报送时间"))
    submitted_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("统计报送")
        verbose_name_plural = _("统计报送")
        ordering = ["period_id", "unit_path", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(union__isnull=False, node__isnull=True)
                | Q(union__isnull=True, node__isnull=False),
                name="submission_one_unit",
            ),
            models.UniqueConstraint(
                fields=["period", "union"], condition=Q(union__isnull=False), name="submission_period_union"
            ),
            models.UniqueConstraint(
                fields=["period", "node"], condition=Q(node__isnull=False), name="submission_period_node"
            ),
        ]
        indexes = [
            models.Index(
                fields=["period", "unit_path"],
                name="submission_subtree",
                opclasses=["", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_name} {self.period_id}"


class SubmissionAction(models.TextChoices):
    SUBMIT = "submit", _("报送")
    ACCEPT = "accept", _("审核通过")
    RETURN = "return", _("退回")


class SubmissionEvent(models.Model):
    """One step of the review trail. Append-only: a database trigger refuses UPDATE and DELETE."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=10, choices=SubmissionAction.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    comment = models.TextField(blank=True)
    # At submit: the logic-check failures found and the explanation each one carried.
    checks = models.JSONField(default=list, blank=True)
    snapshot_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission_id", "id"]


class UnitKind(models.TextChoices):
    UNION = "union", _("基层工会")
    NODE = "node", _("组织节点")


class CheckExplanation(models.Model):
    """Why a logic-check failure is correct as it stands (e.g. a union's members exceed its staff because retirees
    kept their membership). Keyed by the failing unit and rule; a newer row for the same key supersedes an older
    one, rows are never edited."""

    period = models.ForeignKey("rollup.ReportingPeriod", on_delete=models.PROTECT, related_name="+")
    unit_kind = models.CharField(max_length=5, choices=UnitKind.choices)
    unit_id = models.BigIntegerField()
    # Branch failures: the union the branch belongs to (branch ids are per union schema); 0 otherwise.
    union_id = models.BigIntegerField(default=0)
    rule_code = models.CharField(max_length=60)
    text = models.TextField(_("说明"))
    explained_by_id = models.BigIntegerField(null=True, blank=True)
    explained_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_id", "unit_kind", "unit_id", "rule_code", "-id"]
        indexes = [models.Index(fields=["period", "unit_kind", "unit_id"], name="check_explanation_unit")]


class SubmissionDeadline(models.Model):
    """The last day a level may submit a period (e.g. unions by 10 October, townships by 15 October, the county by
    22 October for a city deadline)."""

    period = models.ForeignKey("rollup.ReportingPeriod", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("报送层级"), max_length=10, choices=SubmissionLevel.choices)
    due_on = models.DateField(_("截止日期"))

    class Meta:
        ordering = ["period_id", "due_on"]
        constraints = [models.UniqueConstraint(fields=["period", "level"], name="submission_deadline_unique")]


class ReminderClaim(models.Model):
    """A reminder that was sent: the unique key makes a second run of the reminder task a no-op."""

    key = models.CharField(max_length=200, unique=True)
    period = models.ForeignKey("rollup.ReportingPeriod", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=SubmissionLevel.choices)
    unit_kind = models.CharField(max_length=5, choices=UnitKind.choices)
    unit_id = models.BigIntegerField()
    days_before = models.IntegerField()
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)


class ReportRecipient(models.Model):
    """Where a node's reports go beyond the platform: the higher-level union's e-mail addresses and/or webhook.
    The webhook secret is stored encrypted (unionhub.secrets) and never shown again."""

    encrypted_secrets = ("webhook_secret_encrypted",)  # re-encrypted by key rotation (people.services)

    node = models.OneToOneField(
        "federations.FederationNode", on_delete=models.CASCADE, related_name="report_delivery"
    )
    name = models.CharField(_("接收单位"), max_length=200)
    emails = ArrayField(models.EmailField(), verbose_name=_("接收邮箱"), default=list, blank=True)
    webhook_url = models.URLField(_("接收地址（Webhook）"), max_length=500, blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("报表接收单位")
        verbose_name_plural = _("报表接收单位")


class ReportFileKind(models.TextChoices):
    XLSX = "xlsx", _("统计报表（Excel）")
    PDF = "pdf", _("统计摘要（PDF）")


class ReportFile(models.Model):
    """The current rendering of a node's report for a period (one row per kind; regenerating updates it)."""

    node = models.ForeignKey("federations.FederationNode", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("rollup.ReportingPeriod", on_delete=models.CASCADE, related_name="+")
    snapshot = models.ForeignKey(
        "rollup.Snapshot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=5, choices=ReportFileKind.choices)
    key = models.CharField(max_length=512)
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # Hash of the figures rendered (the data sheets): equal for equal data whatever the file bytes.
    data_sha256 = models.CharField(max_length=64)
    generated_at = models.DateTimeField()

    class Meta:
        ordering = ["period_id", "node_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["node", "period", "kind"], name="report_file_unique")]


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One report sent up one channel. The idempotency key (node, period, snapshot version, channel) makes
    scheduling it twice a no-op; the receiver gets the same key on every attempt."""

    node = models.ForeignKey("federations.FederationNode", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("rollup.ReportingPeriod", on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(
        Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    target = models.CharField(max_length=1000)
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="delivery_attempt_number")]
