"""Membership drives (会员发展行动, public schema): who runs them, for which period and groups, and targets per unit.

Progress is pushed, not counted: each approved application adds to DriveProgress in the same transaction, so
progress per branch, union, township and county is one aggregate query over public tables (see selectors).
Targets are counts and per-mille integers; rates are computed when read, never stored as floats.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Drive(models.Model):
    name = models.CharField(_("活动名称"), max_length=200)
    description = models.TextField(_("活动说明"), blank=True)
    # Exactly one owner: a federation node (covering the unions below it) or one union (its own drive).
    owner_node = models.ForeignKey(
        "federations.FederationNode",
        verbose_name=_("发起组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_union = models.ForeignKey(
        "federations.Union",
        verbose_name=_("发起工会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    # Employment types the drive aims at (membership.EmploymentType values); empty = everyone.
    target_groups = ArrayField(
        models.CharField(max_length=20), verbose_name=_("目标群体"), default=list, blank=True
    )
    created_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会员发展行动")
        verbose_name_plural = _("会员发展行动")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_node__isnull=False, owner_union__isnull=True)
                | Q(owner_node__isnull=True, owner_union__isnull=False),
                name="drive_one_owner",
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="drive_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class DriveTarget(models.Model):
    """A unit's target in a drive: the union as a whole (branch_id 0) or one of its branches."""

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="targets")
    union = models.ForeignKey("federations.Union", on_delete=models.PROTECT, related_name="+")
    # Copied from the union so the progress roll-up groups by node paths without a join.
    node_path = models.CharField(max_length=255)
    branch_id = models.BigIntegerField(
        default=0
    )  # organisation.Branch in the union's schema; 0 = whole union
    branch_name = models.CharField(max_length=200, blank=True)  # label copied when the target is set
    new_members_target = models.PositiveIntegerField(_("新发展会员目标"), default=0)
    # Target 入会率 in per mille (e.g. 850 = 85.0%); null = no rate target.
    rate_target_permille = models.PositiveSmallIntegerField(_("目标入会率（‰）"), null=True, blank=True)

    class Meta:
        ordering = ["union_id", "branch_id"]
        constraints = [
            models.UniqueConstraint(fields=["drive", "union", "branch_id"], name="drive_target_unit"),
            models.CheckConstraint(
                condition=Q(rate_target_permille__isnull=True) | Q(rate_target_permille__lte=1000),
                name="drive_target_rate_permille",
            ),
        ]


class DriveProgress(models.Model):
    """New members from approved applications: one row per branch and one per union (branch_id 0)."""

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="progress")
    union = models.ForeignKey("federations.Union", on_delete=models.CASCADE, related_name="+")
    node_path = models.CharField(max_length=255)
    branch_id = models.BigIntegerField(default=0)
    new_members = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["drive", "union", "branch_id"], name="drive_progress_unit"),
        ]
