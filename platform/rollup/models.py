"""Live summary facts (public schema), maintained by each domain in the same transaction as its change.

Raw counts only; rates are computed when read. A fact is (union, branch, indicator, period): branch 0 is the union as
a whole, period "" is a stock (e.g. members now), a period label such as "2026" is a flow within that reporting year
(1 October 2025 - 30 September 2026).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LiveFact(models.Model):
    union = models.ForeignKey("federations.Union", on_delete=models.CASCADE, related_name="live_facts")
    # Copied from the union so a subtree's facts are one indexed prefix scan, no join.
    node_path = models.CharField(max_length=255)
    branch_id = models.BigIntegerField(default=0)
    indicator = models.CharField(max_length=50)
    period = models.CharField(max_length=10, default="", blank=True)
    value = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["union", "branch_id", "indicator", "period"], name="live_fact_natural_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["node_path", "indicator", "period"],
                name="live_fact_subtree",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            # The roll-up reads union rows (branch 0) of a subtree: an index-only scan over them, branch rows
            # (most of the table) left out. Indicator and period lead, so `indicator = ANY(...)` and the period
            # bound the scan and only the requested facts are read (node_path first read every indicator).
            models.Index(
                fields=["indicator", "period", "node_path"],
                name="live_fact_union_indicator",
                opclasses=["varchar_ops", "varchar_ops", "varchar_pattern_ops"],
                include=["union_id", "value"],
                condition=Q(branch_id=0),
            ),
        ]


class PeriodKind(models.TextChoices):
    MONTHLY = "monthly", _("月报")
    QUARTERLY = "quarterly", _("季报")
    YEAR = "year", _("年报")


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("未封账")
    CLOSING = "closing", _("封账中")
    CLOSED = "closed", _("已封账")


class ReportingPeriod(models.Model):
    """A reporting period of one federation node (the subtree it reports for). Closing freezes a Snapshot."""

    owner_node = models.ForeignKey(
        "federations.FederationNode",
        verbose_name=_("统计单位"),
        on_delete=models.PROTECT,
        related_name="reporting_periods",
    )
    kind = models.CharField(_("报告期类型"), max_length=10, choices=PeriodKind.choices)
    # "2026" (reporting year), "2026Q1" (first quarter of reporting year 2026: Oct-Dec 2025), "2025-11".
    label = models.CharField(_("报告期"), max_length=10)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    # The fan-out run recomputing every union while closing.
    close_run = models.ForeignKey(
        "operations.FanoutRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_requested_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("封账时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报告期")
        verbose_name_plural = _("报告期")
        ordering = ["owner_node", "-ends_on", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["owner_node", "kind", "label"], name="reporting_period_unique"),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")), name="reporting_period_bounds"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_node_id}:{self.label}"


class Snapshot(models.Model):
    """An immutable copy of a closed period's figures. Version 1 is the close; later versions are amendments."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveIntegerField(_("版本"))
    reason = models.TextField(_("修订原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_current = models.BooleanField(_("当前版本"), default=True)

    class Meta:
        verbose_name = _("统计快照")
        verbose_name_plural = _("统计快照")
        ordering = ["period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="snapshot_version_unique"),
            models.UniqueConstraint(
                fields=["period"], condition=Q(is_current=True), name="snapshot_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_id} v{self.version}"


class SnapshotScope(models.TextChoices):
    NODE = "node", _("组织节点")
    UNION = "union", _("基层工会")


class SnapshotValue(models.Model):
    """One figure of a snapshot: a node's subtree total or one union's value (branch 0). Never updated."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="values")
    scope = models.CharField(max_length=5, choices=SnapshotScope.choices)
    # Node or union id (plain integer: a snapshot outlives a union that is later dissolved).
    unit_id = models.BigIntegerField()
    unit_name = models.CharField(max_length=200)
    # The node's path, or the union's parent node path: subtree filters on snapshots are prefix scans too.
    node_path = models.CharField(max_length=255)
    indicator = models.CharField(max_length=50)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("快照数值")
        verbose_name_plural = _("快照数值")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "scope", "unit_id", "indicator"], name="snapshot_value_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["snapshot", "node_path"],
                name="snapshot_value_subtree",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]


class DifferenceStatus(models.TextChoices):
    FLAGGED = "flagged", _("待核实")
    EXPLAINED = "explained", _("已说明")


class RecountDifference(models.Model):
    """A live figure that did not match the recount from the union's own tables while closing a period."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="differences")
    union = models.ForeignKey("federations.Union", on_delete=models.CASCADE, related_name="+")
    branch_id = models.BigIntegerField(default=0)
    indicator = models.CharField(max_length=50)
    fact_period = models.CharField(max_length=10, blank=True, default="")
    live_value = models.BigIntegerField()
    recount_value = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=DifferenceStatus.choices, default=DifferenceStatus.FLAGGED
    )
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("重算差异")
        verbose_name_plural = _("重算差异")
        ordering = ["period", "union", "indicator", "branch_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "union", "branch_id", "indicator", "fact_period"],
                name="recount_difference_unique",
            )
        ]
