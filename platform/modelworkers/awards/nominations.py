"""Nominations: submitted by a union for a member, accepted or rejected by the awarding federation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from files.keys import tenant_file_key
from membership.models import Member, MemberStatus
from unionhub.errors import DomainValidationError, FieldError

from ..models import (
    ACTIVE_NOMINATION_STATUSES,
    AwardBatch,
    BatchStatus,
    Category,
    Nomination,
    NominationAttachment,
    NominationStatus,
    Title,
)
from ..services import _error, actor_id_of
from .batches import quota_warnings
from .common import AttachmentSpec, _choice, _text, _today, store_attachments

# --- nominations -------------------------------------------------------------------------------------------------


def _active_member(union, member_id: int):
    with schema_context(union.schema_name):
        return Member.objects.filter(pk=member_id, status=MemberStatus.ACTIVE).first()


def nomination_submit(
    *,
    batch: AwardBatch,
    union,
    member_id: int | None,
    title: str,
    category: str,
    deeds: str,
    congress_date: date | None,
    congress_attendance: int | None,
    congress_votes_for: int | None,
    employer_name: str = "",
    attachments: Iterable[AttachmentSpec] = (),
    actor=None,
    today: date | None = None,
) -> tuple[Nomination, list[str]]:
    """A union nominates one of its ACTIVE members. Returns the nomination and the quota warnings of the batch's
    list with it (quotas only warn here; approval enforces them)."""
    today = _today(today)
    errors: list[FieldError] = []
    if batch.status != BatchStatus.OPEN:
        errors.append(FieldError("batch", "closed", _("该评选批次已结束，不再接受推荐。")))
    elif batch.nomination_deadline is not None and today > batch.nomination_deadline:
        errors.append(
            FieldError(
                "batch",
                "deadline_passed",
                _("推荐截止日期（%(day)s）已过。") % {"day": batch.nomination_deadline.isoformat()},
            )
        )
    if not union.node_path.startswith(batch.awarding_node.path):
        errors.append(FieldError("batch", "outside_node", _("本工会不在该评选批次的推荐范围内。")))
    title = _choice(errors, "title", title, Title, _("荣誉称号"))
    category = _choice(errors, "category", category, Category, _("类别"))
    deeds = _text(errors, "deeds", deeds, required=True, limit=20000, label=_("主要事迹"))
    employer_name = _text(
        errors, "employer_name", employer_name or union.name, required=True, limit=200, label=_("工作单位")
    )
    if not isinstance(congress_date, date):
        errors.append(FieldError("congress_date", "required", _("请填写职代会讨论日期。")))
    elif congress_date > today:
        errors.append(FieldError("congress_date", "in_future", _("职代会讨论日期不能晚于今天。")))
    attendance_ok = isinstance(congress_attendance, int) and congress_attendance > 0
    if not attendance_ok:
        errors.append(FieldError("congress_attendance", "out_of_range", _("职代会到会代表人数应为正整数。")))
    if not isinstance(congress_votes_for, int) or congress_votes_for < 0:
        errors.append(FieldError("congress_votes_for", "out_of_range", _("赞成票数应为0或正整数。")))
    elif attendance_ok and congress_votes_for > congress_attendance:
        errors.append(
            FieldError("congress_votes_for", "exceeds_attendance", _("赞成票数不能超过到会代表人数。"))
        )
    elif attendance_ok and congress_votes_for * 2 <= congress_attendance:
        errors.append(
            FieldError(
                "congress_votes_for",
                "not_passed",
                _("赞成票未超过到会代表半数，职代会讨论未通过，不能推荐。"),
            )
        )
    member = None
    if not isinstance(member_id, int) or member_id <= 0:
        errors.append(FieldError("member", "not_found", _("会员不存在或不属于本工会。")))
    else:
        member = _active_member(union, member_id)
        if member is None:
            errors.append(FieldError("member", "not_active_member", _("只能推荐本工会会籍正常的会员。")))
    if errors:
        raise DomainValidationError(errors)
    already = Nomination.objects.filter(
        batch=batch,
        person_hash=member.id_hash,
        status__in=(*ACTIVE_NOMINATION_STATUSES, NominationStatus.AWARDED),
    )
    if already.exists() or batch.workers.filter(person_hash=member.id_hash).exists():
        raise _error("member", "already_nominated", _("该会员已在本批次中被推荐。"))
    with transaction.atomic():
        try:
            with transaction.atomic():
                nomination = Nomination.objects.create(
                    batch=batch,
                    union=union,
                    member_id=member.pk,
                    person_hash=member.id_hash,
                    name=member.name,
                    sex=member.sex,
                    birth_date=member.birth_date,
                    employer_name=employer_name,
                    title=title,
                    category=category,
                    deeds=deeds,
                    congress_date=congress_date,
                    congress_attendance=congress_attendance,
                    congress_votes_for=congress_votes_for,
                    submitted_by_id=actor_id_of(actor),
                )
        except IntegrityError:
            raise _error("member", "already_nominated", _("该会员已在本批次中被推荐。")) from None

        stored = store_attachments(
            key_for=lambda filename: tenant_file_key(
                union.schema_name, "modelworkers", ("nominations", nomination.pk), filename
            ),
            attachments=attachments,
        )
        NominationAttachment.objects.bulk_create(
            [NominationAttachment(nomination=nomination, file=file, label=label) for file, label in stored],
            ignore_conflicts=True,
        )
    return nomination, quota_warnings(batch)


def _locked_nomination(nomination: Nomination, *, expected: str) -> Nomination:
    nomination = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("batch", "union")
        .get(pk=nomination.pk)
    )
    if nomination.status != expected:
        raise _error(
            "id",
            "wrong_status",
            _("该推荐当前状态为“%(status)s”，不能进行此操作。") % {"status": nomination.get_status_display()},
        )
    return nomination


def nomination_accept(*, nomination: Nomination, actor=None) -> Nomination:
    """The federation's review passes: the nomination waits for the public notice."""
    with transaction.atomic():
        nomination = _locked_nomination(nomination, expected=NominationStatus.SUBMITTED)
        # Membership may have changed since the union nominated: only active members go on the notice.
        member = _active_member(nomination.union, nomination.member_id)
        if member is None or member.id_hash != nomination.person_hash:
            raise _error("id", "not_active_member", _("被推荐人已不是推荐工会会籍正常的会员，只能退回。"))
        nomination.status = NominationStatus.ACCEPTED
        nomination.reviewed_at = timezone.now()
        nomination.reviewed_by_id = actor_id_of(actor)
        nomination.save(update_fields=["status", "reviewed_at", "reviewed_by_id", "updated_at"])
    return nomination


def nomination_reject(*, nomination: Nomination, reason: str, actor=None) -> Nomination:
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", "required", _("请填写未通过原因。"))
    if len(reason) > 500:
        raise _error("reason", "too_long", _("未通过原因不能超过500个字符。"))
    with transaction.atomic():
        nomination = _locked_nomination(nomination, expected=NominationStatus.SUBMITTED)
        nomination.status = NominationStatus.REJECTED
        nomination.reject_reason = reason
        nomination.reviewed_at = timezone.now()
        nomination.reviewed_by_id = actor_id_of(actor)
        nomination.save(
            update_fields=["status", "reject_reason", "reviewed_at", "reviewed_by_id", "updated_at"]
        )
    return nomination
