"""Writes for the submission workflow: submit (with logic checks and explanations), accept, return, deadlines and
the recipient's delivery settings.

Access is decided by the caller through accounts.access and reporting.selectors (who may submit for a unit, who
reviews it); these functions check the state machine and the data. Every step writes an immutable SubmissionEvent.

    (none) --submit--> submitted --accept--> accepted
                           |  ^                 |
                        return |              return (until the reviewer has submitted upwards)
                           v  |                 |
                        returned <--------------+
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from federations.models import FederationNode, Union
from rollup.checks import logic_checks
from rollup.models import PeriodStatus
from unionhub.errors import DomainValidationError, FieldError
from unionhub.secrets import secret_decrypt, secret_encrypt

from . import selectors
from .models import (
    CheckExplanation,
    ReportRecipient,
    Submission,
    SubmissionAction,
    SubmissionDeadline,
    SubmissionEvent,
    SubmissionLevel,
    SubmissionStatus,
)

MAX_COMMENT = 2000
MAX_EXPLANATION = 500
LEVEL_ORDER = (SubmissionLevel.UNION, SubmissionLevel.TOWNSHIP, SubmissionLevel.COUNTY)


def _actor_name(user) -> str:
    if user is None:
        return ""
    return (getattr(user, "full_name", "") or getattr(user, "username", ""))[:150]


def _event(submission, action, from_status, *, user, comment="", checks=None, now=None) -> SubmissionEvent:
    return SubmissionEvent.objects.create(
        submission=submission,
        action=action,
        from_status=from_status or "",
        to_status=submission.status,
        actor_id=getattr(user, "pk", None),
        actor_name=_actor_name(user),
        comment=comment,
        checks=checks or [],
        snapshot_version=submission.snapshot.version if submission.snapshot_id else None,
    )


# --- logic checks and explanations -----------------------------------------------------------------------------


def failure_key(failure, *, union_id: int = 0) -> tuple[str, int, str, int]:
    """(unit kind, unit id, rule, owning union for branches) identifying a failure across runs."""
    owner = union_id if failure.unit_kind == "branch" else 0
    return failure.unit_kind, failure.unit_id, failure.rule, owner


def checks_for(*, period, unit, snapshot=None) -> list:
    return logic_checks(node=unit, period=period, snapshot=snapshot)


def explanations_for(*, period, keys: Iterable[tuple[str, int, str, int]]) -> dict[tuple, CheckExplanation]:
    """The newest explanation of each failure key (one query)."""
    keys = list(keys)
    if not keys:
        return {}
    unit_ids = sorted({key[1] for key in keys})
    found: dict[tuple, CheckExplanation] = {}
    rows = CheckExplanation.objects.filter(period=period, unit_id__in=unit_ids).order_by("-id")
    wanted = set(keys)
    for row in rows:
        key = (row.unit_kind, row.unit_id, row.rule_code, row.union_id)
        if key in wanted and key not in found:
            found[key] = row
    return found


@dataclass(frozen=True)
class ExplanationSpec:
    unit_kind: str  # "union" | "node" | "branch"; None-like "" = the submitting unit itself
    unit_id: int
    rule: str
    text: str


def check_failures_explain(
    *, period, unit, explanations: list[ExplanationSpec], user=None
) -> list[CheckExplanation]:
    """Record why failures of `unit`'s checks (its own, or a unit below it) are right as they are. Only failures the
    checks report now may be explained."""
    if not explanations:
        raise DomainValidationError.single("explanations", "required", _("请至少填写一条说明。"))
    _unit_in_period(period, unit)
    union_id = unit.pk if isinstance(unit, Union) else 0
    failures = {failure_key(f, union_id=union_id): f for f in checks_for(period=period, unit=unit)}
    errors: list[FieldError] = []
    rows = []
    for number, spec in enumerate(explanations, start=1):
        text = (spec.text or "").strip()
        where = {"n": number}
        if not text:
            errors.append(FieldError("explanations", "required", _("第%(n)s条：请填写说明。") % where))
            continue
        if len(text) > MAX_EXPLANATION:
            errors.append(
                FieldError("explanations", "too_long", _("第%(n)s条：说明不能超过500个字。") % where)
            )
            continue
        key = (spec.unit_kind, spec.unit_id, spec.rule, union_id if spec.unit_kind == "branch" else 0)
        if key not in failures:
            errors.append(
                FieldError(
                    "explanations",
                    "no_such_failure",
                    _("第%(n)s条：该单位当前没有这项逻辑检查错误，无需说明。") % where,
                )
            )
            continue
        rows.append(
            CheckExplanation(
                period=period,
                unit_kind=key[0],
                unit_id=key[1],
                union_id=key[3],
                rule_code=key[2],
                text=text,
                explained_by_id=getattr(user, "pk", None),
            )
        )
    if errors:
        raise DomainValidationError(errors)
    return CheckExplanation.objects.bulk_create(rows)


# --- the workflow ----------------------------------------------------------------------------------------------


def _unit_in_period(period, unit) -> str:
    level = selectors.unit_level(unit)
    if level is None:
        raise DomainValidationError.single(
            "unit",
            "not_reporting_unit",
            _("该组织不在统计报送链中（只有基层工会、乡镇街道园区工会和县总工会报送）。"),
        )
    if not selectors.unit_within(unit, period.owner_node):
        raise DomainValidationError.single("unit", "outside_period", _("该单位不属于此报告期的统计范围。"))
    return level


def submission_submit(*, period, unit, user=None, now: datetime | None = None) -> Submission:
    """Submit `unit`'s report for `period` to its reviewer (first time, or again after a return).

    Refused when it is already submitted or accepted, while the period is being closed, while units it reviews are
    not accepted yet, or when a logic check fails without an explanation."""
    now = now or timezone.now()
    level = _unit_in_period(period, unit)
    if period.status == PeriodStatus.CLOSING:
        raise DomainValidationError.single("period", "closing", _("报告期正在封账，请封账完成后再报送。"))
    snapshot = selectors.current_snapshot(period)
    existing = selectors.submission_for_unit(period=period, unit=unit)
    if existing is not None:
        existing = Submission.objects.select_for_update().get(pk=existing.pk)
        # A county may send its report again once the period's figures were amended (a new snapshot version):
        # the higher-level union gets the amended version as a new delivery.
        amended = (
            level == SubmissionLevel.COUNTY
            and snapshot is not None
            and existing.snapshot_id is not None
            and existing.snapshot_id != snapshot.pk
        )
        if existing.status == SubmissionStatus.SUBMITTED and not amended:
            raise DomainValidationError.single(
                "unit", "already_submitted", _("报表已报送，正在等待上级审核。")
            )
        if existing.status == SubmissionStatus.ACCEPTED and not amended:
            raise DomainValidationError.single(
                "unit", "already_accepted", _("报表已审核通过，不能重复报送。")
            )

    if isinstance(unit, FederationNode):
        pending = selectors.board(node=unit, period=period).pending_below(unit.pk)
        if pending:
            names = "、".join(row.name for row in pending[:3])
            raise DomainValidationError.single(
                "unit",
                "units_pending",
                _("尚有%(count)s个下级单位的报表未审核通过（%(names)s等），不能报送。")
                % {"count": len(pending), "names": names},
            )

    union_id = unit.pk if isinstance(unit, Union) else 0
    failures = checks_for(period=period, unit=unit, snapshot=snapshot)
    keys = [failure_key(f, union_id=union_id) for f in failures]
    explained = explanations_for(period=period, keys=keys)
    unexplained = [f for f, key in zip(failures, keys, strict=True) if key not in explained]
    if unexplained:
        errors = [
            FieldError(
                "checks",
                "check_failed",
                _("%(message)s 请修正数据或填写说明后再报送。") % {"message": f.message},
            )
            for f in unexplained[:50]
        ]
        raise DomainValidationError(errors)
    checks = [
        {
            "unit_kind": f.unit_kind,
            "unit_id": f.unit_id,
            "unit_name": f.unit_name,
            "rule": f.rule,
            "message": f.message,
            "explanation": explained[key].text,
        }
        for f, key in zip(failures, keys, strict=True)
    ]
    reviewer, reviewer_name = selectors.reviewer_of(unit)
    previous = existing.status if existing else ""
    if existing is None:
        submission = Submission(
            period=period,
            level=level,
            union=unit if isinstance(unit, Union) else None,
            node=unit if isinstance(unit, FederationNode) else None,
            rounds=1,
        )
    else:
        submission = existing
        submission.rounds += 1
    submission.unit_name = unit.name
    submission.unit_path = selectors.unit_path(unit)
    submission.reviewer_node = reviewer
    submission.reviewer_name = reviewer_name[:200]
    submission.status = SubmissionStatus.SUBMITTED
    submission.snapshot = snapshot
    submission.submitted_at = now
    submission.submitted_by_id = getattr(user, "pk", None)
    submission.decided_at = None
    submission.decided_by_id = None
    submission.review_comment = ""
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:  # a concurrent first submission of the same unit won
        raise DomainValidationError.single(
            "unit", "already_submitted", _("报表已报送，正在等待上级审核。")
        ) from None
    _event(submission, SubmissionAction.SUBMIT, previous, user=user, checks=checks)
    return submission


def _comment(comment, *, required: bool) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise DomainValidationError.single("comment", "required", _("退回时请填写退回意见。"))
    if len(comment) > MAX_COMMENT:
        raise DomainValidationError.single("comment", "too_long", _("审核意见不能超过2000个字。"))
    return comment


def submission_accept(*, submission: Submission, user=None, comment: str = "", now=None) -> Submission:
    comment = _comment(comment, required=False)
    submission = (
        Submission.objects.select_for_update(of=("self",)).select_related("snapshot").get(pk=submission.pk)
    )
    if submission.status != SubmissionStatus.SUBMITTED:
        raise DomainValidationError.single("id", "not_submitted", _("只能审核已报送、待审核的报表。"))
    previous = submission.status
    submission.status = SubmissionStatus.ACCEPTED
    submission.decided_at = now or timezone.now()
    submission.decided_by_id = getattr(user, "pk", None)
    submission.review_comment = comment
    submission.save(update_fields=["status", "decided_at", "decided_by_id", "review_comment"])
    _event(submission, SubmissionAction.ACCEPT, previous, user=user, comment=comment)
    return submission


def submission_return(*, submission: Submission, user=None, comment: str, now=None) -> Submission:
    """Send a report back with comments. An accepted report may still be returned until the reviewer has
    submitted its own report upwards (which contains it)."""
    comment = _comment(comment, required=True)
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("snapshot", "reviewer_node", "period")
        .get(pk=submission.pk)
    )
    if submission.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED):
        raise DomainValidationError.single("id", "not_submitted", _("只能退回已报送或已审核通过的报表。"))
    if submission.status == SubmissionStatus.ACCEPTED and submission.reviewer_node is not None:
        upward = selectors.submission_for_unit(period=submission.period, unit=submission.reviewer_node)
        if upward is not None and upward.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED):
            raise DomainValidationError.single(
                "id",
                "reviewer_submitted",
                _("本级报表已向上报送，不能再退回下级报表；请先由上级退回本级报表。"),
            )
    previous = submission.status
    submission.status = SubmissionStatus.RETURNED
    submission.decided_at = now or timezone.now()
    submission.decided_by_id = getattr(user, "pk", None)
    submission.review_comment = comment
    submission.save(update_fields=["status", "decided_at", "decided_by_id", "review_comment"])
    _event(submission, SubmissionAction.RETURN, previous, user=user, comment=comment)
    return submission


# --- deadlines ---------------------------------------------------------------------------------------------------


def deadlines_set(*, period, deadlines: Mapping[str, date]) -> list[SubmissionDeadline]:
    """Set the last day per level (only the levels given). Lower levels must not be due after higher ones."""
    errors = []
    known = set(SubmissionLevel.values)
    for level, due_on in deadlines.items():
        if level not in known:
            errors.append(FieldError("deadlines", "invalid_level", _("未知的报送层级：%(v)s") % {"v": level}))
        elif due_on is None:
            errors.append(FieldError("deadlines", "required", _("请填写截止日期。")))
        elif due_on < period.starts_on:
            errors.append(FieldError("deadlines", "before_period", _("截止日期不能早于报告期开始日期。")))
    if errors:
        raise DomainValidationError(errors)
    merged = {row.level: row.due_on for row in SubmissionDeadline.objects.filter(period=period)} | dict(
        deadlines
    )
    ordered = [merged[level] for level in LEVEL_ORDER if level in merged]
    if ordered != sorted(ordered):
        raise DomainValidationError.single(
            "deadlines",
            "order",
            _("截止日期应逐级递延：基层工会早于乡镇（街道）工会，乡镇（街道）工会早于县总工会。"),
        )
    rows = []
    for level, due_on in deadlines.items():
        row, _created = SubmissionDeadline.objects.update_or_create(
            period=period, level=level, defaults={"due_on": due_on}
        )
        rows.append(row)
    return rows


def deadlines_default(period) -> dict[str, date]:
    """The usual annual-report calendar after a reporting year ends on 30 September: unions by 10 October,
    townships by 15 October, the county by 20 October (the city's deadline is about 22 October)."""
    year = period.ends_on.year
    return {
        SubmissionLevel.UNION: date(year, 10, 10),
        SubmissionLevel.TOWNSHIP: date(year, 10, 15),
        SubmissionLevel.COUNTY: date(year, 10, 20),
    }


# --- the recipient's delivery settings ---------------------------------------------------------------------------


def webhook_secret_decrypt(recipient: ReportRecipient) -> str:
    return secret_decrypt(recipient.webhook_secret_encrypted) if recipient.webhook_secret_encrypted else ""


def recipient_update(
    *,
    node: FederationNode,
    name: str | None = None,
    emails: list[str] | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    active: bool | None = None,
) -> ReportRecipient:
    """Create or edit where `node`'s reports are delivered. `webhook_secret`: None keeps it, "" clears it."""
    recipient = ReportRecipient.objects.filter(node=node).first() or ReportRecipient(
        node=node, name=node.effective_report_recipient_name
    )
    errors: list[FieldError] = []
    if name is not None:
        recipient.name = name.strip()
    if not recipient.name:
        errors.append(FieldError("name", "required", _("请填写接收单位名称。")))
    elif len(recipient.name) > 200:
        errors.append(FieldError("name", "too_long", _("接收单位名称不能超过200个字。")))
    if emails is not None:
        cleaned = []
        for email in emails:
            email = (email or "").strip()
            try:
                validate_email(email)
            except ValidationError:
                errors.append(
                    FieldError("emails", "invalid", _("邮箱地址“%(v)s”格式不正确。") % {"v": email})
                )
                continue
            if email not in cleaned:
                cleaned.append(email)
        recipient.emails = cleaned
    if webhook_url is not None:
        webhook_url = webhook_url.strip()
        if webhook_url:
            try:
                URLValidator(schemes=["http", "https"])(webhook_url)
            except ValidationError:
                errors.append(FieldError("webhook_url", "invalid", _("接收地址应为 http(s) 开头的网址。")))
        recipient.webhook_url = webhook_url
    if webhook_secret is not None:
        if webhook_secret and len(webhook_secret) < 16:
            errors.append(FieldError("webhook_secret", "too_short", _("签名密钥至少16个字符。")))
        recipient.webhook_secret_encrypted = secret_encrypt(webhook_secret) if webhook_secret else ""
    if active is not None:
        recipient.active = active
    if recipient.webhook_url and not recipient.webhook_secret_encrypted and not errors:
        errors.append(FieldError("webhook_secret", "required", _("设置接收地址时必须设置签名密钥。")))
    if errors:
        raise DomainValidationError(errors)
    recipient.save()
    return recipient
