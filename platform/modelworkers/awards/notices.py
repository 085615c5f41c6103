"""Public notice (公示), objections, and approval: the award itself."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError, FieldError

from .. import quotas
from ..models import (
    AwardBatch,
    BatchStatus,
    ModelWorker,
    Nomination,
    NominationStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
)
from ..services import _error, actor_id_of
from .batches import batch_rules
from .common import _text, _today
from .registry import _create_worker

# --- public notice and objections --------------------------------------------------------------------------------


def notice_publish(
    *,
    batch: AwardBatch,
    starts_on: date,
    days: int | None = None,
    title: str = "",
    nominations: Iterable[Nomination] | None = None,
    actor=None,
) -> PublicNotice:
    """Post the accepted nominations (all of the batch's, or those given) for `days` days (default the batch's
    notice_days, 7) from `starts_on`; the notice ends on its last day inclusive."""
    days = batch.notice_days if days is None else days
    errors: list[FieldError] = []
    if not isinstance(starts_on, date):
        errors.append(FieldError("starts_on", "required", _("请填写公示开始日期。")))
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 60:
        errors.append(FieldError("days", "out_of_range", _("公示天数应在1至60天之间。")))
    title = _text(
        errors, "title", title or _("%(batch)s拟表彰人选公示") % {"batch": batch.name}, required=True,
        limit=200, label=_("公示标题"),
    )  # fmt: skip
    if errors:
        raise DomainValidationError(errors)
    with transaction.atomic():
        batch = AwardBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != BatchStatus.OPEN:
            raise _error("batch", "closed", _("该评选批次已结束。"))
        queryset = Nomination.objects.select_for_update().filter(
            batch=batch, status=NominationStatus.ACCEPTED
        )
        if nominations is not None:
            wanted = {n.pk for n in nominations}
            rows = list(queryset.filter(pk__in=wanted))
            if len(rows) != len(wanted):
                raise _error("nominations", "not_accepted", _("只能公示本批次中已审核通过、尚未公示的推荐。"))
        else:
            rows = list(queryset)
        if not rows:
            raise _error("nominations", "required", _("没有可公示的推荐（须先审核通过）。"))
        notice = PublicNotice.objects.create(
            batch=batch,
            title=title,
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days - 1),
            created_by_id=actor_id_of(actor),
        )
        Nomination.objects.filter(pk__in=[n.pk for n in rows]).update(
            status=NominationStatus.ON_NOTICE, notice=notice, updated_at=timezone.now()
        )
    return notice


def objection_record(
    *,
    notice: PublicNotice,
    nomination: Nomination,
    content: str,
    received_on: date,
    objector: str = "",
    actor=None,
) -> Objection:
    """An objection received while the notice runs, against one nominee on it."""
    nomination = Nomination.objects.get(pk=nomination.pk)  # the caller's copy may predate the notice
    errors: list[FieldError] = []
    content = _text(errors, "content", content, required=True, limit=5000, label=_("异议内容"))
    objector = _text(errors, "objector", objector, required=False, limit=100, label=_("异议人"))
    if not isinstance(received_on, date):
        errors.append(FieldError("received_on", "required", _("请填写收到日期。")))
    elif not notice.starts_on <= received_on <= notice.ends_on:
        errors.append(
            FieldError(
                "received_on",
                "outside_notice",
                _("异议应在公示期内（%(start)s至%(end)s）提出。")
                % {"start": notice.starts_on.isoformat(), "end": notice.ends_on.isoformat()},
            )
        )
    if nomination.notice_id != notice.pk or nomination.status != NominationStatus.ON_NOTICE:
        errors.append(FieldError("nomination", "not_on_notice", _("该人选不在本次公示中。")))
    if notice.approved_on is not None:
        errors.append(FieldError("notice", "approved", _("该公示已批准，不能再登记异议。")))
    if errors:
        raise DomainValidationError(errors)
    return Objection.objects.create(
        notice=notice,
        nomination=nomination,
        content=content,
        objector=objector,
        received_on=received_on,
        created_by_id=actor_id_of(actor),
    )


def objection_resolve(
    *, objection: Objection, upheld: bool, resolution: str, actor=None, on: date | None = None
) -> Objection:
    """Record the check of an objection. Upheld: the nominee leaves the list (status withdrawn)."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise _error("resolution", "required", _("请填写核查处理结果。"))
    if len(resolution) > 5000:
        raise _error("resolution", "too_long", _("核查处理结果不能超过5000个字符。"))
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if objection.status != ObjectionStatus.OPEN:
            raise _error("id", "already_resolved", _("该异议已处理。"))
        objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        objection.resolution = resolution
        objection.resolved_on = _today(on)
        objection.resolved_by_id = actor_id_of(actor)
        objection.save(update_fields=["status", "resolution", "resolved_on", "resolved_by_id"])
        if upheld:
            Nomination.objects.filter(pk=objection.nomination_id, status=NominationStatus.ON_NOTICE).update(
                status=NominationStatus.WITHDRAWN, updated_at=timezone.now()
            )
    return objection


# --- approval: the award -----------------------------------------------------------------------------------------


def notice_approve(
    *, notice: PublicNotice, approval_document: str = "", actor=None, on: date | None = None
) -> list[ModelWorker]:
    """Award the titles to the nominees left on the notice, effective `on` (default today). Refused before the
    notice period is over, with an objection not yet resolved, beyond the batch's places, or when the batch's
    award list would break a category quota."""
    on = _today(on)
    approval_document = (approval_document or "").strip()
    if len(approval_document) > 200:
        raise _error("approval_document", "too_long", _("批准文号不能超过200个字符。"))
    with transaction.atomic():
        notice = (
            PublicNotice.objects.select_for_update().select_related("batch__awarding_node").get(pk=notice.pk)
        )
        batch = AwardBatch.objects.select_for_update().get(pk=notice.batch_id)
        if notice.approved_on is not None:
            raise _error("id", "already_approved", _("该公示已批准。"))
        if on <= notice.ends_on:
            raise _error(
                "id",
                "notice_running",
                _("公示期至%(day)s结束，公示期满后才能批准授予。") % {"day": notice.ends_on.isoformat()},
            )
        if on > timezone.localdate():
            raise _error("on", "in_future", _("批准日期不能晚于今天。"))
        if notice.objections.filter(status=ObjectionStatus.OPEN).exists():
            raise _error("id", "objections_open", _("公示期间收到的异议尚未全部核查处理，不能批准。"))
        nominees = list(
            Nomination.objects.select_for_update(of=("self",))
            .select_related("union")
            .filter(notice=notice, status=NominationStatus.ON_NOTICE)
            .order_by("id")
        )
        if not nominees:
            raise _error("id", "nobody_left", _("本次公示没有可授予的人选。"))
        awarded = list(batch.workers.values_list("category", flat=True))
        total = len(awarded) + len(nominees)
        if total > batch.places:
            raise _error(
                "quota",
                "places_exceeded",
                _("授予人数（%(n)d人）将超过本批次名额（%(places)d名）。")
                % {"n": total, "places": batch.places},
            )
        broken = quotas.broken(batch_rules(batch), awarded + [n.category for n in nominees])
        if broken:
            raise DomainValidationError([FieldError("quota", "quota_broken", r.message) for r in broken])
        workers = []
        for nomination in nominees:
            worker = _create_worker(
                actor=actor,
                awarding_node=batch.awarding_node,
                person_hash=nomination.person_hash,
                name=nomination.name,
                sex=nomination.sex,
                birth_date=nomination.birth_date,
                employing_union=nomination.union,
                employer_name=nomination.employer_name,
                level=batch.level,
                title=nomination.title,
                category=nomination.category,
                batch=batch,
                awarded_on=on,
            )
            nomination.status = NominationStatus.AWARDED
            nomination.worker = worker
            nomination.save(update_fields=["status", "worker", "updated_at"])
            workers.append(worker)
        notice.approved_on = on
        notice.approval_document = approval_document
        notice.approved_by_id = actor_id_of(actor)
        notice.save(update_fields=["approved_on", "approval_document", "approved_by_id"])
    return workers
