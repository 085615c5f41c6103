"""Members of one grassroots union (tenant schema): real-name records, status history and dues."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from people.models import SealedIdentity


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class EmploymentType(models.TextChoices):
    REGULAR = "regular", _("正式职工")
    AGENCY = "agency", _("劳务派遣")
    MIGRANT = "migrant", _("农民工")
    NEW_FORM = "new_form", _("新就业形态劳动者")
    RETIRED = "retired", _("退休")


class IdKind(models.TextChoices):
    RESIDENT = "resident", _("居民身份证")
    HMT_PERMIT = "hmt_permit", _("港澳台居民居住证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    RETAINED = "retained", _("保留会籍")
    TRANSFERRED_OUT = "transferred_out", _("已转出")
    WITHDRAWN = "withdrawn", _("已退会")
    EXPELLED = "expelled", _("开除会籍")
    DECEASED = "deceased", _("已故")


# Statuses that count as holding membership in this union (the person index points here).
HOLDING_STATUSES = (MemberStatus.ACTIVE, MemberStatus.RETAINED)

# Allowed transitions; statuses not listed as keys (transferred out, withdrawn, expelled, deceased) are terminal.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    MemberStatus.ACTIVE: frozenset(
        {
            MemberStatus.RETAINED,
            MemberStatus.TRANSFERRED_OUT,
            MemberStatus.WITHDRAWN,
            MemberStatus.EXPELLED,
            MemberStatus.DECEASED,
        }
    ),
    MemberStatus.RETAINED: frozenset(
        {MemberStatus.ACTIVE, MemberStatus.WITHDRAWN, MemberStatus.DECEASED, MemberStatus.TRANSFERRED_OUT}
    ),
}

# Reason codes by the status they lead to (the history and reports show the labels).
STATUS_REASONS: dict[str, dict[str, str]] = {
    MemberStatus.ACTIVE: {
        "joined": _("入会"),
        "transferred_in": _("转入"),
        "reemployed": _("重新就业"),
        "reinstated": _("恢复会籍"),
    },
    MemberStatus.RETAINED: {
        "retired": _("退休"),
        "unemployed": _("失业"),
        "employer_closed": _("单位破产或关闭"),
    },
    MemberStatus.TRANSFERRED_OUT: {
        "transfer": _("会员组织关系接转"),
        "job_change": _("工作调动"),
    },
    MemberStatus.WITHDRAWN: {
        "voluntary": _("本人申请退会"),
        # 中国工会章程 第六条 (statistics.md §4): set only by confirming a withdrawal proposal.
        "deemed_withdrawn": _("连续六个月不交纳会费、不参加工会组织生活，经教育拒不改正，视为自动退会"),
    },
    MemberStatus.EXPELLED: {
        # 章程 第七条: set only by an expulsion case's committee decision (membership.expulsion).
        "violation": _("严重违反会章"),
        "criminal": _("严重违法犯罪并受到刑事处罚"),
    },
    MemberStatus.DECEASED: {
        "death": _("去世"),
    },
}


# Reasons only a procedure sets (membership.withdrawal, membership.expulsion), never a plain status change.
PROCEDURE_REASONS = frozenset({"deemed_withdrawn"})


def status_reason_label(status: str, reason: str) -> str:
    return str(STATUS_REASONS.get(status, {}).get(reason, reason))


class MemberOrigin(models.TextChoices):
    JOINED = "joined", _("入会")
    TRANSFERRED_IN = "transferred_in", _("转入")


class Member(SealedIdentity):
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    employment_type = models.CharField(_("用工类型"), max_length=20, choices=EmploymentType.choices)
    branch = models.ForeignKey(
        "organisation.Branch",
        verbose_name=_("所在分会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,  # member_branch_status (branch, status) serves lookups by branch
    )
    join_date = models.DateField(_("入会日期"))
    # Unique through Meta.constraints: a unique field would also get a LIKE index nothing uses.
    card_number = models.CharField(_("会员证号"), max_length=30, null=True, blank=True)
    # Transfers in keep their original join date and do not count as new members of this union.
    origin = models.CharField(
        _("会籍来源"), max_length=20, choices=MemberOrigin.choices, default=MemberOrigin.JOINED
    )

    # Identity number: never stored in clear (SealedIdentity). The keyed hash (same key in every union) finds
    # duplicates here and the person's membership elsewhere.
    id_kind = models.CharField(_("证件类型"), max_length=20, choices=IdKind.choices, default=IdKind.RESIDENT)

    status = models.CharField(
        _("会籍状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    status_reason = models.CharField(_("状态原因"), max_length=30, blank=True)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    dues_paid_through = models.DateField(_("会费缴至"), null=True, blank=True)
    # Set when the member was warned about unpaid dues; cleared by a payment. Automatic withdrawal needs it.
    dues_warned_on = models.DateField(_("欠缴会费提醒日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["card_number"], name="member_card_number_unique"),
            # One holding membership per person in this union; history rows (transferred out, withdrawn) may repeat.
            # Written as OR rather than IN: PostgreSQL re-parses an IN list from pg_get_indexdef into a different
            # expression, so a schema cloned from the template would not match a migrated one.
            models.UniqueConstraint(
                fields=["id_hash"],
                condition=Q(status="active") | Q(status="retained"),
                name="member_one_holding_per_person",
            ),
        ]
        indexes = [
            models.Index(fields=["branch", "status"], name="member_branch_status"),
            models.Index(fields=["status", "employment_type"], name="member_status_employment"),
            # Pattern ops: name prefix search (LIKE 'x%') under a non-C collation.
            models.Index(fields=["name"], name="member_name", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["id_last4"], name="member_id_last4"),
            models.Index(fields=["phone"], name="member_phone"),
            models.Index(fields=["id_hash"], name="member_id_hash"),
            # Search by the masked number is an exact match: no LIKE index (db_index would add one).
            models.Index(fields=["id_number_masked"], name="member_id_masked"),
        ]

    def __str__(self) -> str:
        return self.name


class MemberStatusChange(models.Model):
    """History of a member's status: every transition with its reason and effective date."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=MemberStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=MemberStatus.choices)
    reason = models.CharField(max_length=30, blank=True)
    note = models.CharField(max_length=500, blank=True)
    effective_on = models.DateField()
    actor_id = models.BigIntegerField(null=True, blank=True)  # accounts.User in the public schema
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class DuesMethod(models.TextChoices):
    SELF = "self", _("本人缴纳")
    PAYROLL = "payroll", _("工资代扣")


class DuesPayment(models.Model):
    """Dues (会费) for one member and one month."""

    # No index of its own: dues_one_per_member_month (member, month) serves lookups by member.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="dues_payments", db_index=False)
    month = models.DateField(_("月份"))  # first day of the month
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("缴纳日期"))
    # Payroll deduction (工资代扣) is recorded in bulk after the fact: a member whose dues are deducted is never
    # proposed for automatic withdrawal on a recording gap.
    method = models.CharField(
        _("缴纳方式"), max_length=10, choices=DuesMethod.choices, default=DuesMethod.SELF
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_one_per_member_month")]


class MemberTalk(models.Model):
    """A talk with a member (教育/谈话) about unpaid dues and absence from union life: the step the 章程 requires
    before membership can count as automatically withdrawn."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="talks")
    talked_on = models.DateField(_("谈话日期"))
    officer_name = models.CharField(_("谈话人"), max_length=50)
    note = models.CharField(_("谈话情况"), max_length=1000, blank=True)
    recorded_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["member_id", "-talked_on", "-id"]


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认视为自动退会")
    DISMISSED = "dismissed", _("不予退会")


class WithdrawalProposal(models.Model):
    """A proposal, made by the daily job, that a member counts as automatically withdrawn (视为自动退会); an officer
    confirms (the status changes) or dismisses it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="withdrawal_proposals")
    talk = models.ForeignKey(MemberTalk, on_delete=models.PROTECT, related_name="+")
    proposed_on = models.DateField(_("提出日期"))
    unpaid_since = models.DateField(_("欠缴会费起始月份"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_on = models.DateField(_("处理日期"), null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(status="pending"), name="withdrawal_one_pending"
            )
        ]


class ExpulsionStep(models.TextChoices):
    GROUP_VIEW = "group_view", _("工会小组讨论提出意见")
    COMMITTEE_DECISION = "committee_decision", _("工会委员会决定")
    FILED = "filed", _("报上一级工会备案")


class ExpulsionCase(models.Model):
    """开除会籍 (章程 第七条): the union group's view, the union committee's decision (the status changes then), and
    the filing with the higher-level union; each step with its date and who recorded it."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="expulsion_cases")
    grounds = models.CharField(_("开除事由"), max_length=20)  # a STATUS_REASONS[EXPELLED] code
    facts = models.CharField(_("事实及依据"), max_length=2000)
    group_view_on = models.DateField(_("小组讨论日期"))
    group_view = models.CharField(_("工会小组意见"), max_length=1000)
    decided_on = models.DateField(_("委员会决定日期"), null=True, blank=True)
    decision_number = models.CharField(_("决定文号"), max_length=100, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    filed_with = models.CharField(_("备案单位"), max_length=200, blank=True)
    step = models.CharField(_("进度"), max_length=20, choices=ExpulsionStep.choices)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True)
    filed_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
