"""Registering a model worker directly (titles awarded outside a batch)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from people.identity import id_hash, parse_identity_number
from unionhub.errors import DomainValidationError, FieldError

from ..models import (
    Category,
    Level,
    ModelWorker,
    Title,
    WorkerStatus,
)
from ..services import _error, actor_id_of, modelworker_transition, record_award
from ..terms import continuation_last_day
from .common import _choice, _text, _today

# --- the registry ------------------------------------------------------------------------------------------------


def _create_worker(*, actor, **fields) -> ModelWorker:
    awarded_on = fields["awarded_on"]
    worker = ModelWorker.objects.create(
        continuation_last_day=continuation_last_day(awarded_on),
        status=WorkerStatus.MANAGED,
        status_changed_on=awarded_on,
        created_by_id=actor_id_of(actor),
        **fields,
    )
    record_award(worker=worker, actor=actor, reason=_("授予称号"))
    return worker


def modelworker_register(
    *,
    awarding_node,
    id_number: str,
    name: str,
    level: str,
    title: str,
    category: str,
    awarded_on: date,
    employing_union=None,
    employer_name: str = "",
    actor=None,
    today: date | None = None,
) -> ModelWorker:
    """Enter an award made outside the nomination workflow (earlier awards, higher levels) in a federation's
    registry. The identity number is validated and hashed, never stored. A term already over is recorded as
    ended on the day after its last day."""
    today = _today(today)
    errors: list[FieldError] = []
    person = None
    try:
        person = parse_identity_number(id_number, today=today)
    except DomainValidationError as exc:
        errors.extend(exc.errors)
    name = _text(errors, "name", name, required=True, limit=50, label=_("姓名"))
    level = _choice(errors, "level", level, Level, _("级别"))
    title = _choice(errors, "title", title, Title, _("荣誉称号"))
    category = _choice(errors, "category", category, Category, _("类别"))
    employer_name = _text(
        errors,
        "employer_name",
        employer_name or (employing_union.name if employing_union is not None else ""),
        required=True,
        limit=200,
        label=_("工作单位"),
    )
    if not isinstance(awarded_on, date):
        errors.append(FieldError("awarded_on", "required", _("请填写授予日期。")))
    elif awarded_on > today:
        errors.append(FieldError("awarded_on", "in_future", _("授予日期不能晚于今天。")))
    elif person is not None and awarded_on <= person.birth_date:
        errors.append(FieldError("awarded_on", "before_birth", _("授予日期应晚于出生日期。")))
    if employing_union is not None and not employing_union.node_path.startswith(awarding_node.path):
        errors.append(FieldError("employing_union", "outside_node", _("所在工会不在本级工会的管辖范围内。")))
    if errors:
        raise DomainValidationError(errors)
    person_hash = id_hash(person.number)
    duplicate = ModelWorker.objects.filter(
        person_hash=person_hash, awarding_node=awarding_node, title=title, awarded_on=awarded_on
    )
    if duplicate.exists():
        raise _error("id_number", "duplicate", _("该人员的这项称号已登记。"))
    with transaction.atomic():
        worker = _create_worker(
            actor=actor,
            awarding_node=awarding_node,
            person_hash=person_hash,
            name=name,
            sex=person.sex,
            birth_date=person.birth_date,
            employing_union=employing_union,
            employer_name=employer_name,
            level=level,
            title=title,
            category=category,
            batch=None,
            awarded_on=awarded_on,
        )
        if worker.continuation_last_day < today:
            modelworker_transition(
                worker=worker,
                to_status=WorkerStatus.ENDED,
                on=worker.continuation_last_day + timedelta(days=1),
                reason=_("延续管理期满"),
                actor=actor,
            )
            worker.refresh_from_db()
    return worker
