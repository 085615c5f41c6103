"""Runs of work fanned out over many unions, and each union's progress in a run (public schema)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class FanoutRun(models.Model):
    """One fan-out: a registered per-union job applied to a set of unions, one Celery task per union."""

    job_name = models.CharField(_("作业"), max_length=100)
    # The Celery task that processes one union; the generic one looks the job up in the registry.
    task_name = models.CharField(_("任务"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("工会数"), default=0)
    # A running claim older than this is presumed dead (worker killed) and may be claimed again.
    lease_seconds = models.PositiveIntegerField(_("租约秒数"), default=900)
    jitter_seconds = models.FloatField(_("分散秒数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量作业")
        verbose_name_plural = _("批量作业")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.job_name} #{self.pk}"


class ProgressStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class FanoutProgress(models.Model):
    """One union in one run. Claimed atomically by the task that processes it; once done, never processed again."""

    run = models.ForeignKey(FanoutRun, on_delete=models.CASCADE, related_name="progress")
    union = models.ForeignKey("federations.Union", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=ProgressStatus.choices, default=ProgressStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    # Set on every claim; finishing requires the same token, so a claim taken over as stale cannot finish.
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("批量作业进度")
        verbose_name_plural = _("批量作业进度")
        ordering = ["run", "union"]
        constraints = [
            models.UniqueConstraint(fields=["run", "union"], name="fanout_progress_one_per_union"),
        ]
        indexes = [models.Index(fields=["run", "status"], name="fanout_progress_run_status")]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.union_id}: {self.status}"


class TaskOutbox(models.Model):
    """A task sent by `enqueue_on_commit` inside a transaction, written in that transaction (transactional outbox).

    Deleted as soon as the broker has taken the message after the commit. A row left behind means the broker was
    down or the process died between commit and send; the outbox sweep (beat) sends it later with the same task
    id. Tasks are idempotent (late acks already allow a second delivery), so a rare double send is harmless.
    """

    task_id = models.CharField(max_length=64, unique=True)
    task_name = models.CharField(max_length=200)
    # DjangoJSONEncoder: dates and UUIDs as text, as Celery's JSON serializer would send them.
    args = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    kwargs = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # apply_async options: headers (the tenant schema), queue, countdown (from created_at).
    options = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("待发送任务")
        verbose_name_plural = _("待发送任务")
        indexes = [models.Index(fields=["created_at"], name="task_outbox_created")]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"
