"""Public-schema models: the federation tree, grassroots unions (tenants) and their host names."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from .validators import validate_credit_code, validate_division_code, validate_union_slug


class NodeLevel(models.TextChoices):
    CITY = "city", _("市总工会")
    COUNTY = "county", _("县（区）总工会")
    TOWNSHIP = "township", _("乡镇工会")
    STREET = "street", _("街道工会")
    PARK = "park", _("园区工会")
    SERVICE_STATION = "service_station", _("职工服务站")


# Which level may sit directly under which: a county answers to a city (or stands at the top),
# townships/streets/parks/service stations sit under a county.
ALLOWED_PARENT_LEVELS = {
    NodeLevel.CITY: {None},
    NodeLevel.COUNTY: {None, NodeLevel.CITY},
    NodeLevel.TOWNSHIP: {NodeLevel.COUNTY},
    NodeLevel.STREET: {NodeLevel.COUNTY},
    NodeLevel.PARK: {NodeLevel.COUNTY},
    NodeLevel.SERVICE_STATION: {NodeLevel.COUNTY, NodeLevel.TOWNSHIP, NodeLevel.STREET, NodeLevel.PARK},
}


# Administrative rank of each level (higher = higher body): titles and awards are ordered by it, e.g. the "next
# lower level" of a city is the county.
LEVEL_RANK = {
    NodeLevel.CITY: 3,
    NodeLevel.COUNTY: 2,
    NodeLevel.TOWNSHIP: 1,
    NodeLevel.STREET: 1,
    NodeLevel.PARK: 1,
    NodeLevel.SERVICE_STATION: 0,
}


def next_lower_levels(level: str) -> set[str]:
    """The levels one administrative rank below `level` (a county's: township, street, park)."""
    rank = LEVEL_RANK[level] - 1
    return {str(code) for code, value in LEVEL_RANK.items() if value == rank}


class FederationNode(models.Model):
    """A federation or an intermediate union above grassroots level (县总工会, 乡镇/街道/园区工会, 服务站)."""

    level = models.CharField(_("层级"), max_length=20, choices=NodeLevel.choices)
    name = models.CharField(_("名称"), max_length=200)
    division_code = models.CharField(_("行政区划代码"), max_length=6, validators=[validate_division_code])
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of ids ("/1/4/9/"): a subtree is one indexed prefix match, for access checks and roll-ups.
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    report_recipient = models.ForeignKey(
        "self",
        verbose_name=_("报送上级"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("接收本级统计报表的上级工会；为空时报送给上级组织。"),
    )
    report_recipient_name = models.CharField(
        _("报送单位名称"),
        max_length=200,
        blank=True,
        help_text=_("上级工会不在本平台时填写，如“某某市总工会”。"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工会组织节点")
        verbose_name_plural = _("工会组织节点")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="fed_node_path_prefix", opclasses=["varchar_pattern_ops"])
        ]
        constraints = [models.CheckConstraint(condition=~Q(parent=F("id")), name="fed_node_not_own_parent")]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: "FederationNode") -> bool:
        """True when this node is `other` or lies below it."""
        return self.path.startswith(other.path)

    @property
    def effective_report_recipient_name(self) -> str:
        if self.report_recipient_id:
            return self.report_recipient.name
        if self.report_recipient_name:
            return self.report_recipient_name
        return self.parent.name if self.parent_id else ""


class UnitType(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    GOVERNMENT = "government", _("机关")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    OTHER = "other", _("其他")


class OwnershipType(models.TextChoices):
    STATE = "state", _("国有")
    COLLECTIVE = "collective", _("集体")
    PRIVATE = "private", _("私营")
    FOREIGN = "foreign", _("外商投资")
    HMT = "hmt", _("港澳台商投资")
    MIXED = "mixed", _("混合所有制")
    OTHER = "other", _("其他")


class UnionKind(models.TextChoices):
    SINGLE = "single", _("单独基层工会")
    JOINT = "joint", _("联合基层工会")


class UnionStatus(models.TextChoices):
    PROVISIONING = "provisioning", _("开通中")
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", _("暂停")
    DISSOLVED = "dissolved", _("已撤销")


class Union(TenantMixin):
    """A grassroots union (基层工会): one tenant, one PostgreSQL schema."""

    slug = models.CharField(_("统计代码"), max_length=41, unique=True, validators=[validate_union_slug])
    name = models.CharField(_("工会名称"), max_length=200)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    unit_type = models.CharField(_("单位类型"), max_length=30, choices=UnitType.choices)
    ownership_type = models.CharField(_("经济类型"), max_length=20, choices=OwnershipType.choices)
    union_kind = models.CharField(
        _("基层工会类型"), max_length=10, choices=UnionKind.choices, default=UnionKind.SINGLE
    )
    staff_count = models.PositiveIntegerField(_("职工人数"), default=0)
    female_staff_count = models.PositiveIntegerField(_("女职工人数"), default=0)
    # Statistics profile (工会统计年报): read by the roll-up in the same query as the live facts.
    fulltime_officer_count = models.PositiveIntegerField(_("专职工会干部数"), default=0)
    has_workers_congress = models.BooleanField(_("建立职代会制度"), default=False)
    has_affairs_disclosure = models.BooleanField(_("实行厂务公开"), default=False)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=UnionStatus.choices, default=UnionStatus.PROVISIONING
    )
    parent_node = models.ForeignKey(
        FederationNode, verbose_name=_("上级组织"), on_delete=models.PROTECT, related_name="unions"
    )
    # Copy of parent_node.path so "unions under node X" is one indexed prefix match without a join.
    node_path = models.CharField(max_length=255, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Schemas are created from the template by federations.services.union_provision, never on save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("基层工会")
        verbose_name_plural = _("基层工会")
        ordering = ["name"]
        indexes = [
            models.Index(
                fields=["node_path"], name="union_node_path_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(female_staff_count__lte=F("staff_count")), name="union_female_staff_within_staff"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("域名")
        verbose_name_plural = _("域名")


class StaffCountSource(models.TextChoices):
    PROFILE = "profile", _("工会填报")
    STATISTICS = "statistics", _("统计年报")
    VERIFIED = "verified", _("上级工会核定")


class StaffCount(models.Model):
    """History of a union's staff count (职工人数), the denominator of 入会率: each figure with the date it holds
    from and where it came from. Union.staff_count stays the current figure; readers that need the figure as of a
    date (an assessment round's reference date) read this history (federations.selectors.staff_count_as_of)."""

    union = models.ForeignKey(Union, on_delete=models.CASCADE, related_name="staff_counts")
    effective_on = models.DateField(_("生效日期"))
    value = models.PositiveIntegerField(_("职工人数"))
    source = models.CharField(_("来源"), max_length=20, choices=StaffCountSource.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("职工人数记录")
        verbose_name_plural = _("职工人数记录")
        ordering = ["union_id", "-effective_on", "-id"]
        indexes = [models.Index(fields=["union", "effective_on"], name="fed_staff_count_asof")]
