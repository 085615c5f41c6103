"""Continuation management (延续管理) and benefits of model workers, public schema, next to the registry
(modelworkers): joint annual assessments, life events, allowance rules, benefits given, and the reminders sent.

Money is in fen (1/100 yuan) as integers. Histories are immutable: a trigger (migration 0002) refuses UPDATE and
DELETE of life events and of filed assessments; benefits given are only ever inserted by the services.
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from modelworkers.models import Level


class AssessmentSide(models.TextChoices):
    FEDERATION = "federation", _("总工会")
    EMPLOYER = "employer", _("所在单位")


class AssessmentResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class AssessmentStatus(models.TextChoices):
    PENDING = "pending", _("待会签")
    FILED = "filed", _("已归档")


class AnnualAssessment(models.Model):
    """年度考核 of one model worker for one calendar year, filed jointly: the federation (staff of the awarding node)
    and the employer (the employing union's admin on its host, or the federation on its behalf, naming who signed
    the paper form) each sign with a conclusion and notes. Filed when both have signed the same conclusion."""

    worker = models.ForeignKey(
        "modelworkers.ModelWorker", on_delete=models.PROTECT, related_name="annual_assessments"
    )
    year = models.PositiveSmallIntegerField(_("考核年度"))
    status = models.CharField(
        _("状态"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.PENDING
    )
    result = models.CharField(_("考核结论"), max_length=10, choices=AssessmentResult.choices, blank=True)
    federation_result = models.CharField(max_length=10, choices=AssessmentResult.choices, blank=True)
    federation_notes = models.TextField(_("总工会考核意见"), blank=True)
    federation_signed_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    federation_signed_at = models.DateTimeField(null=True, blank=True)
    employer_result = models.CharField(max_length=10, choices=AssessmentResult.choices, blank=True)
    employer_notes = models.TextField(_("所在单位考核意见"), blank=True)
    employer_signed_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    employer_signed_at = models.DateTimeField(null=True, blank=True)
    # Recorded by the federation on the employer's behalf (paper form; outside employer): who signed there.
    employer_on_behalf = models.BooleanField(default=False)
    employer_signatory = models.CharField(_("单位签字人"), max_length=100, blank=True)
    filed_at = models.DateTimeField(null=True, blank=True)
    # The revocation proposal a failed assessment opened (modelworkers.services.revocation_propose).
    revocation = models.ForeignKey(
        "modelworkers.Revocation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        ordering = ["worker_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "year"], name="mwc_assessment_once_per_year"),
            models.CheckConstraint(
                condition=Q(status="pending") | (~Q(result="") & Q(filed_at__isnull=False)),
                name="mwc_assessment_filed_has_result",
            ),
        ]


class LifeEventKind(models.TextChoices):
    # Retirement first: it changes nothing but the record (schema walks use the first value).
    RETIREMENT = "retirement", _("退休")
    TRANSFER = "transfer", _("调动工作单位")
    ABROAD = "abroad", _("出境定居")
    DEATH = "death", _("去世")


class LifeEvent(models.Model):
    """动态管理备案: a change in a model worker's life, with its date and note. Immutable (trigger)."""

    worker = models.ForeignKey(
        "modelworkers.ModelWorker", on_delete=models.PROTECT, related_name="life_events"
    )
    kind = models.CharField(_("事项"), max_length=20, choices=LifeEventKind.choices)
    occurred_on = models.DateField(_("发生日期"))
    note = models.TextField(_("情况说明"), blank=True)
    # Transfers: where the worker was and went (a union in the system, or only an employer's name).
    from_union = models.ForeignKey(
        "federations.Union", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_employer_name = models.CharField(max_length=200, blank=True)
    to_union = models.ForeignKey(
        "federations.Union", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_employer_name = models.CharField(_("新工作单位"), max_length=200, blank=True)
    # The status change the event caused (going abroad, death), written by the registry's transition service.
    status_change = models.ForeignKey(
        "modelworkers.ModelWorkerStatusChange",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("劳模动态")
        verbose_name_plural = _("劳模动态")
        ordering = ["worker_id", "occurred_on", "id"]
        indexes = [models.Index(fields=["worker", "occurred_on"], name="mwc_life_event_worker")]


class AllowanceRule(models.Model):
    """荣誉津贴 standard of a federation node for one level: a monthly amount from `effective_from` (the first of a
    month). A later rule supersedes it: `effective_to` is then set to the day before; periods never overlap."""

    node = models.ForeignKey("federations.FederationNode", on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("级别"), max_length=20, choices=Level.choices)
    effective_from = models.DateField(_("起始日期"))
    effective_to = models.DateField(_("截止日期"), null=True, blank=True)
    monthly_amount_fen = models.BigIntegerField(_("每月金额（分）"))
    note = models.CharField(_("依据"), max_length=500, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("荣誉津贴标准")
        verbose_name_plural = _("荣誉津贴标准")
        ordering = ["node_id", "level", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["node", "level", "effective_from"], name="mwc_rule_start_unique"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="mwc_rule_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(monthly_amount_fen__gte=0), name="mwc_rule_amount_not_negative"
            ),
        ]


class BenefitKind(models.TextChoices):
    ALLOWANCE = "allowance", _("荣誉津贴")
    HEALTH_CHECK = "health_check", _("年度体检")
    REST_STAY = "rest_stay", _("疗休养/参观学习")
    HARDSHIP = "hardship", _("困难救助金")


ANNUAL_BENEFIT_KINDS = (BenefitKind.HEALTH_CHECK, BenefitKind.REST_STAY)


class BenefitGrant(models.Model):
    """A benefit given: one month of allowance, the year's health check or rest stay, or a hardship payment.

    `year` is the benefit year (the calendar year of the allowance month or of the annual benefit, the year of
    payment for hardship relief); the live fact mw_benefits_fen counts `amount_fen` in the reporting year of
    `given_on`, at the union employing the worker when it was given.
    """

    worker = models.ForeignKey("modelworkers.ModelWorker", on_delete=models.PROTECT, related_name="benefits")
    kind = models.CharField(_("待遇类别"), max_length=20, choices=BenefitKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.DateField(_("津贴月份"), null=True, blank=True)  # first day of the month (allowances)
    given_on = models.DateField(_("发放日期"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    rule = models.ForeignKey(AllowanceRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    union = models.ForeignKey(
        "federations.Union", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Copy of the awarding node's path: a federation's benefits are one indexed prefix scan.
    node_path = models.CharField(max_length=255)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("劳模待遇发放")
        verbose_name_plural = _("劳模待遇发放")
        ordering = ["-given_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "month"], condition=Q(kind="allowance"), name="mwc_allowance_once_per_month"
            ),
            models.UniqueConstraint(
                fields=["worker", "kind", "year"],
                condition=Q(kind__in=["health_check", "rest_stay"]),
                name="mwc_annual_benefit_once_per_year",
            ),
            models.CheckConstraint(
                condition=(Q(kind="allowance") & Q(month__isnull=False))
                | (~Q(kind="allowance") & Q(month__isnull=True)),
                name="mwc_benefit_month_iff_allowance",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=0), name="mwc_benefit_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["worker", "kind", "year"], name="mwc_benefit_worker_kind"),
            models.Index(
                fields=["node_path", "year"],
                name="mwc_benefit_subtree",
                opclasses=["varchar_pattern_ops", "int2_ops"],
            ),
            models.Index(fields=["union", "year"], name="mwc_benefit_union_year"),
        ]


class DueKind(models.TextChoices):
    """What falls due in continuation management (the calendar and the reminders)."""

    ALLOWANCE = "allowance", _("荣誉津贴发放")
    HEALTH_CHECK = "health_check", _("年度体检")
    REST_STAY = "rest_stay", _("疗休养/参观学习")
    ASSESSMENT = "assessment", _("年度考核")
    TERM_END = "term_end", _("延续管理期满")


class Reminder(models.Model):
    """One reminder sent: the natural key is claimed (INSERT ... ON CONFLICT DO NOTHING) before sending, so each
    (worker, kind, due date, offset) is sent once however often or concurrently the beat task runs."""

    worker = models.ForeignKey("modelworkers.ModelWorker", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=DueKind.choices)
    due_on = models.DateField()
    offset_days = models.PositiveSmallIntegerField()
    recipients = models.PositiveIntegerField(default=0)
    emails = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "kind", "due_on", "offset_days"], name="mwc_reminder_once"
            )
        ]


class Notification(models.Model):
    """An in-app notification for one user (a reminder's copy in the user's inbox)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="mwc_notification_user")]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "user"], name="mwc_notification_once_per_user")
        ]
