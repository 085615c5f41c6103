"""Units inside one grassroots union: branches (分会), workshop unions (车间工会) and union groups (工会小组)."""

from django.db import connection, models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class BranchKind(models.TextChoices):
    BRANCH = "branch", _("分会")
    WORKSHOP = "workshop", _("车间工会")
    GROUP = "group", _("工会小组")


class Branch(models.Model):
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=BranchKind.choices, default=BranchKind.BRANCH)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_small_home = models.BooleanField(_("职工小家"), default=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分会/小组")
        verbose_name_plural = _("分会/小组")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="branch_not_own_parent"),
            models.UniqueConstraint(
                fields=["parent", "name"], nulls_distinct=False, name="branch_unique_name_per_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # The schema (union) this row was read from or saved to. Every union numbers its branches from 1, so an id alone
    # does not say which union a Branch object belongs to: services given one check this marker.
    loaded_from_schema: str | None = None

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance.loaded_from_schema = connection.schema_name
        return instance

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.loaded_from_schema = connection.schema_name
