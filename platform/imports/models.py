"""Import and export jobs (public schema). A job belongs to one union (tenant importers) or one federation node.

Idempotent retry: rows are written in batches; each batch commits together with `committed_batches` on its job
row, so a rerun skips exactly the batches already written and never writes a row twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    VALIDATING = "validating", _("校验中")
    WRITING = "writing", _("写入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    union = models.ForeignKey(
        "federations.Union", verbose_name=_("基层工会"), null=True, blank=True, on_delete=models.CASCADE
    )
    node = models.ForeignKey(
        "federations.FederationNode",
        verbose_name=_("组织节点"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    kind = models.CharField(_("导入类型"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    file_key = models.CharField(_("文件存储键"), max_length=512, blank=True)
    file_format = models.CharField(_("文件格式"), max_length=10)  # "xlsx" | "csv"
    encoding = models.CharField(_("文本编码"), max_length=10, blank=True)  # csv only: "utf-8" | "gbk"
    # The file's header row as read, for the error file (original columns).
    headers = models.JSONField(default=list, blank=True)
    # Data rows; an estimate from the file while running, exact when done.
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    accepted_rows = models.PositiveIntegerField(_("成功行数"), default=0)
    rejected_rows = models.PositiveIntegerField(_("失败行数"), default=0)
    # Rows for people who hold membership in another union: a transfer request instead of a member (listed in the
    # error file with that reason; counted in neither accepted nor rejected rows).
    transfers_requested = models.PositiveIntegerField(_("会员组织关系接转申请数"), default=0)
    committed_batches = models.PositiveIntegerField(default=0)
    # When the rejected rows were deleted after the retention period (imports.rejections.rejections_purge).
    rejections_purged_at = models.DateTimeField(_("错误行清除时间"), null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(_("失败原因"), blank=True)
    # Who started it (named user so per-user data checks recognise the column).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(union__isnull=False, node__isnull=True)
                | Q(union__isnull=True, node__isnull=False),
                name="importjob_one_scope",
            ),
        ]
        indexes = [models.Index(fields=["union", "-id"], name="importjob_union_recent")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def progress(self) -> float:
        if self.status == ImportStatus.DONE:
            return 1.0
        if not self.total_rows:
            return 0.0
        return min(self.processed_rows / self.total_rows, 0.99)


class ImportRejection(models.Model):
    """One rejected row of a job: its cells and the reasons (in Chinese). Written with its batch.

    Identity numbers are masked in `values`; the cells they were in are kept encrypted in `id_number_encrypted`
    (imports.rejections). Deleted after the retention period."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    row_number = models.PositiveIntegerField(_("行号"))
    values = models.JSONField(default=list)
    # {"cell index": original text} of the masked cells, JSON encrypted like members' identity numbers.
    id_number_encrypted = models.TextField(blank=True, default="", editable=False)
    reason = models.TextField(_("错误原因"))

    encrypted_secrets = ("id_number_encrypted",)  # re-encrypted by key rotation (people.services)

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="importrejection_one_per_row"),
        ]


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("导出中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ExportJob(models.Model):
    union = models.ForeignKey(
        "federations.Union", verbose_name=_("基层工会"), null=True, blank=True, on_delete=models.CASCADE
    )
    node = models.ForeignKey(
        "federations.FederationNode",
        verbose_name=_("组织节点"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    kind = models.CharField(_("导出类型"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=12, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    file_key = models.CharField(_("文件存储键"), max_length=512, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    error_message = models.TextField(_("失败原因"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导出人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(union__isnull=False, node__isnull=True)
                | Q(union__isnull=True, node__isnull=False),
                name="exportjob_one_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} export #{self.pk} ({self.status})"
