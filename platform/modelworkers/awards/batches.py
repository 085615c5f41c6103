"""Award batches and their quotas (rules, status, warnings)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError, FieldError

from .. import quotas
from ..models import (
    ACTIVE_NOMINATION_STATUSES,
    AwardBatch,
    BatchStatus,
    QuotaRule,
)
from ..services import _error, actor_id_of
from .common import NODE_AWARD_LEVELS, _text

# --- award batches -----------------------------------------------------------------------------------------------


def _rules_from(rules) -> list[quotas.Rule]:
    if rules is None:
        return list(quotas.DEFAULT_RULES)
    return quotas.validate_rules(
        quotas.Rule(
            code=str(getattr(rule, "code", "") or "").strip(),
            categories=tuple(getattr(c, "value", c) for c in rule.categories),
            bound=getattr(rule.bound, "value", rule.bound),
            permille=rule.permille,
            of_categories=tuple(getattr(c, "value", c) for c in (rule.of_categories or ())),
            label=str(getattr(rule, "label", "") or "").strip()[:200],
        )
        for rule in rules
    )


def _write_rules(batch: AwardBatch, rules: list[quotas.Rule]) -> None:
    batch.quota_rules.all().delete()
    QuotaRule.objects.bulk_create(
        [
            QuotaRule(
                batch=batch,
                code=rule.code,
                label=rule.label,
                categories=list(rule.categories),
                of_categories=list(rule.of_categories),
                bound=rule.bound,
                permille=rule.permille,
            )
            for rule in rules
        ]
    )


def rule_of(row: QuotaRule) -> quotas.Rule:
    return quotas.Rule(
        code=row.code,
        categories=tuple(row.categories),
        bound=row.bound,
        permille=row.permille,
        of_categories=tuple(row.of_categories),
        label=row.label,
    )


def batch_rules(batch: AwardBatch) -> list[quotas.Rule]:
    return [rule_of(row) for row in batch.quota_rules.order_by("id")]


def batch_create(
    *,
    awarding_node,
    name: str,
    session: int,
    year: int,
    places: int,
    notice_days: int = 7,
    nomination_deadline: date | None = None,
    rules=None,
    actor=None,
) -> AwardBatch:
    """A selection round of a city or county federation. `rules` None = the national 2005 quotas."""
    errors: list[FieldError] = []
    level = NODE_AWARD_LEVELS.get(awarding_node.level)
    if level is None:
        errors.append(
            FieldError("awarding_node", "cannot_award", _("只有市、县（区）总工会可以组织劳模评选。"))
        )
    name = _text(errors, "name", name, required=True, limit=200, label=_("批次名称"))
    if not isinstance(session, int) or isinstance(session, bool) or not 1 <= session <= 999:
        errors.append(FieldError("session", "out_of_range", _("届次应为1至999之间的整数。")))
    if not isinstance(year, int) or isinstance(year, bool) or not 1950 <= year <= 2100:
        errors.append(FieldError("year", "out_of_range", _("年度应在1950至2100之间。")))
    if not isinstance(places, int) or isinstance(places, bool) or not 1 <= places <= 100000:
        errors.append(FieldError("places", "out_of_range", _("名额应为正整数。")))
    if not isinstance(notice_days, int) or isinstance(notice_days, bool) or not 1 <= notice_days <= 60:
        errors.append(FieldError("notice_days", "out_of_range", _("公示天数应在1至60天之间。")))
    try:
        rule_list = _rules_from(rules)
    except DomainValidationError as exc:
        errors.extend(exc.errors)
        rule_list = []
    if errors:
        raise DomainValidationError(errors)
    if AwardBatch.objects.filter(awarding_node=awarding_node, session=session).exists():
        raise _error("session", "duplicate", _("该组织已有第%(n)d届评选批次。") % {"n": session})
    with transaction.atomic():
        try:
            with transaction.atomic():
                batch = AwardBatch.objects.create(
                    awarding_node=awarding_node,
                    name=name,
                    session=session,
                    year=year,
                    level=level,
                    places=places,
                    notice_days=notice_days,
                    nomination_deadline=nomination_deadline,
                    created_by_id=actor_id_of(actor),
                )
        except IntegrityError:
            raise _error(
                "session", "duplicate", _("该组织已有第%(n)d届评选批次。") % {"n": session}
            ) from None
        _write_rules(batch, rule_list)
    return batch


def batch_rules_set(*, batch: AwardBatch, rules) -> AwardBatch:
    """Replace the quotas while nothing has been awarded in the batch."""
    rule_list = _rules_from(rules)
    with transaction.atomic():
        batch = AwardBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.workers.exists():
            raise _error("rules", "already_awarded", _("本批次已有授予记录，不能再修改名额比例。"))
        _write_rules(batch, rule_list)
    return batch


def batch_close(*, batch: AwardBatch) -> AwardBatch:
    with transaction.atomic():
        batch = AwardBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == BatchStatus.CLOSED:
            raise _error("id", "already_closed", _("该评选批次已结束。"))
        if batch.nominations.filter(status__in=ACTIVE_NOMINATION_STATUSES).exists():
            raise _error("id", "nominations_open", _("本批次还有未处理完的推荐，不能结束。"))
        batch.status = BatchStatus.CLOSED
        batch.save(update_fields=["status", "updated_at"])
    return batch


# --- quota status ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaStatus:
    awarded: int
    projected: int  # awarded + live nominations
    places: int
    awarded_results: list[quotas.RuleResult]
    projected_results: list[quotas.RuleResult]


def quota_status_of(*, rules, places: int, awarded: list[str], live: list[str]) -> QuotaStatus:
    """Quotas over the awarded categories and over the projected list (awarded + live nominations)."""
    projected = awarded + live
    return QuotaStatus(
        awarded=len(awarded),
        projected=len(projected),
        places=places,
        awarded_results=quotas.evaluate(rules, Counter(awarded)),
        projected_results=quotas.evaluate(rules, Counter(projected)),
    )


def batch_quota_status(batch: AwardBatch) -> QuotaStatus:
    """Three queries: the rules, the categories of the workers and of the live nominations."""
    return quota_status_of(
        rules=batch_rules(batch),
        places=batch.places,
        awarded=list(batch.workers.values_list("category", flat=True)),
        live=list(
            batch.nominations.filter(status__in=ACTIVE_NOMINATION_STATUSES).values_list("category", flat=True)
        ),
    )


def quota_warnings(batch: AwardBatch) -> list[str]:
    """What the live list (awarded + live nominations) breaks, as Chinese messages: shown while nominating."""
    status = batch_quota_status(batch)
    warnings = [result.message for result in status.projected_results if not result.ok]
    if status.projected > status.places:
        warnings.append(
            _("推荐及已授予人数（%(n)d人）已超过名额（%(places)d名）。")
            % {"n": status.projected, "places": status.places}
        )
    return warnings
