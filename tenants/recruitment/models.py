"""Applications to join the union (入会申请, tenant schema), submitted through a drive's signed link."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from people.models import SealedIdentity


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


class Application(SealedIdentity):
    drive_id = models.BigIntegerField()  # drives.Drive in the public schema
    branch = models.ForeignKey(
        "organisation.Branch",
        verbose_name=_("所在分会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20)
    employment_type = models.CharField(_("用工类型"), max_length=20)
    # Identity number: never in clear. Encrypted (decrypted only to create the member on approval), masked for the
    # queue, keyed hash for "one pending application per person" and the membership checks.
    id_kind = models.CharField(_("证件类型"), max_length=20)
    consent_at = models.DateTimeField(_("同意个人信息处理时间"))

    status = models.CharField(
        _("状态"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    reason = models.CharField(_("驳回原因"), max_length=500, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    decided_at = models.DateTimeField(null=True, blank=True)
    member = models.ForeignKey(
        "membership.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transfer_request_id = models.BigIntegerField(
        null=True, blank=True
    )  # when the person was active elsewhere
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_hash"], condition=Q(status="pending"), name="application_one_pending_per_person"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "drive_id", "id"], name="application_queue"),
        ]

    def __str__(self) -> str:
        return self.name
