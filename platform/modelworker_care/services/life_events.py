"""Life events (going abroad, death, employer change) recorded against a model worker."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modelworkers import services as registry
from modelworkers.models import (
    ModelWorker,
    WorkerStatus,
)
from unionhub.errors import DomainValidationError, FieldError

from ..models import (
    LifeEvent,
    LifeEventKind,
)
from .common import _clean_text, _error, _locked_worker

# --- life events -------------------------------------------------------------------------------------------------

_STATUS_FOR_EVENT = {LifeEventKind.ABROAD: WorkerStatus.ABROAD, LifeEventKind.DEATH: WorkerStatus.DECEASED}
# The registry's field names, as the life-event input names them.
_EVENT_FIELDS = {
    "to_status": "kind",
    "on": "occurred_on",
    "employer_name": "to_employer_name",
    "reason": "note",
}


def _remap(exc: DomainValidationError) -> DomainValidationError:
    return DomainValidationError(
        [FieldError(_EVENT_FIELDS.get(e.field, e.field), e.code, e.message) for e in exc.errors]
    )


def life_event_record(
    *,
    worker: ModelWorker,
    kind: str,
    occurred_on: date,
    note: str = "",
    to_union=None,
    to_employer_name: str = "",
    actor=None,
) -> LifeEvent:
    """Record a life event (动态管理备案) and apply its effect through the registry: a transfer moves the worker to
    another union (or an employer outside the system) with the facts; going abroad to settle (出境定居) and death
    change the status; retirement is recorded only (the title and the term continue)."""
    if kind not in LifeEventKind.values:
        raise _error("kind", "invalid_choice", _("请选择事项类别。"))
    if not isinstance(occurred_on, date):
        raise _error("occurred_on", "required", _("请填写发生日期。"))
    note = _clean_text(note, "note", _("情况说明"))
    to_employer_name = _clean_text(to_employer_name, "to_employer_name", _("新工作单位"), 200)
    if occurred_on > timezone.localdate():
        raise _error("occurred_on", "in_future", _("发生日期不能晚于今天。"))
    if kind != LifeEventKind.TRANSFER and (to_union is not None or to_employer_name):
        raise _error("to_employer_name", "not_a_transfer", _("只有调动工作单位时才填写新工作单位。"))
    with transaction.atomic():
        worker = _locked_worker(worker)
        if occurred_on < worker.awarded_on:
            raise _error("occurred_on", "before_award", _("发生日期不能早于授予日期。"))
        if worker.status == WorkerStatus.DECEASED:
            raise _error("worker", "deceased", _("该劳模已故，不能再登记动态。"))
        event = LifeEvent(
            worker=worker,
            kind=kind,
            occurred_on=occurred_on,
            note=note,
            from_union=worker.employing_union,
            from_employer_name=worker.employer_name,
            recorded_by_id=registry.actor_id_of(actor),
        )
        if kind == LifeEventKind.RETIREMENT:
            if LifeEvent.objects.filter(worker=worker, kind=LifeEventKind.RETIREMENT).exists():
                raise _error("kind", "already_retired", _("该劳模已登记退休。"))
        elif kind == LifeEventKind.TRANSFER:
            if to_union is None and not to_employer_name:
                raise _error("to_employer_name", "required", _("请选择新的所在工会或填写新工作单位。"))
            if to_union is not None and to_union.pk == worker.employing_union_id:
                raise _error("to_union", "same_union", _("新的所在工会与原工会相同。"))
            try:
                worker = registry.modelworker_employer_change(
                    worker=worker, union=to_union, employer_name=to_employer_name, on=occurred_on, actor=actor
                )
            except DomainValidationError as exc:
                raise _remap(exc) from None
            event.to_union = to_union
            event.to_employer_name = worker.employer_name
        else:
            try:
                registry.modelworker_transition(
                    worker=worker,
                    to_status=_STATUS_FOR_EVENT[kind],
                    on=occurred_on,
                    reason=note or str(LifeEventKind(kind).label),
                    actor=actor,
                )
            except DomainValidationError as exc:
                raise _remap(exc) from None
            event.status_change = worker.status_changes.order_by("-id").first()
        event.save(force_insert=True)
    return event
