"""Writes for award batches, the registry, and nomination -> public notice (公示) -> award.

The procedure (Wenzhou practice, standards.md 2b): the unit's workers' congress (职代会) discusses the nomination,
the union nominates on its own host, the awarding federation reviews it (accept for the notice or reject with a
reason), publishes a public notice of the accepted nominations (default 7 days), records and resolves every
objection, and after the notice period approves the list: each nominee becomes a ModelWorker under continuation
management. Category quotas are checked live while nominating (warnings only) and enforced at approval.

Every service validates before it writes (DomainValidationError naming the field, nothing written) and runs in one
transaction. Access is decided by the caller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from federations.models import NodeLevel
from people.identity import id_hash, parse_identity_number
from unionhub.errors import DomainValidationError, FieldError

from . import quotas
from .models import (
    ACTIVE_NOMINATION_STATUSES,
    AwardBatch,
    BatchStatus,
    Category,
    Level,
    ModelWorker,
    Nomination,
    NominationAttachment,
    NominationStatus,
    Objection,
    ObjectionStatus,
    PublicNotice,
    QuotaRule,
    Title,
    WorkerStatus,
)
from .services import _error, actor_id_of, modelworker_transition, record_award
from .terms import continuation_last_day

# Which federation level awards which title level (townships, streets and parks do not award).
NODE_AWARD_LEVELS = {NodeLevel.CITY: Level.CITY, NodeLevel.COUNTY: Level.COUNTY}
ATTACHMENT_KINDS = frozenset({"pdf", "docx", "png", "jpeg"})
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class AttachmentSpec:
    """An uploaded file (checked with files.checks before it is stored)."""

    filename: str
    content: bytes
    label: str = ""


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _text(errors: list[FieldError], field: str, value, *, required: bool, limit: int, label: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not text:
        errors.append(FieldError(field, "required", _("请填写%(label)s。") % {"label": label}))
    elif len(text) > limit:
        errors.append(
            FieldError(field, "too_long", _("%(label)s不能超过%(n)d个字符。") % {"label": label, "n": limit})
        )
    return text


def _choice(errors: list[FieldError], field: str, value, choices, label: str) -> str:
    value = getattr(value, "value", value)
    if value not in choices.values:
        errors.append(FieldError(field, "invalid_choice", _("请选择有效的%(label)s。") % {"label": label}))
    return value


def store_attachments(*, key_for, attachments: Iterable[AttachmentSpec], field: str = "attachments"):
    """Check and store uploads; [(StoredFile, label)]. `key_for(filename)` gives each file's key."""
    from files.checks import file_check_upload
    from files.services import file_store

    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        raise _error(field, "too_many", _("附件最多%(n)d个。") % {"n": MAX_ATTACHMENTS})
    checked = []
    for attachment in attachments:
        try:
            upload = file_check_upload(
                area="modelworkers",
                filename=attachment.filename,
                content=attachment.content,
                allowed_kinds=ATTACHMENT_KINDS,
            )
        except DomainValidationError as exc:
            raise DomainValidationError([FieldError(field, e.code, e.message) for e in exc.errors]) from None
        label = (attachment.label or "").strip()[:200]
        checked.append((upload, label))
    stored = []
    for upload, label in checked:
        record = file_store(
            key=key_for(upload.filename),
            content=upload.content,
            content_type=upload.content_type,
            original_name=upload.filename,
        )
        stored.append((record, label))
    return stored


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


# --- nominations -------------------------------------------------------------------------------------------------


def _active_member(union, member_id: int):
    from membership.models import Member, MemberStatus

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
        from files.keys import tenant_file_key

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


# --- revocation documents ----------------------------------------------------------------------------------------


def revocation_documents_store(*, revocation, documents: Iterable[AttachmentSpec]) -> list:
    """Check, store and attach supporting documents to an open revocation proposal (the awarding federation's
    files). Refused once the proposal is decided (the database refuses it too)."""
    from files.keys import federation_file_key

    from .models import RevocationDocument, RevocationStatus

    if revocation.status != RevocationStatus.PROPOSED:
        raise _error("documents", "already_decided", _("撤销申请已处理，不能再添加材料。"))
    node_id = revocation.worker.awarding_node_id
    with transaction.atomic():
        stored = store_attachments(
            key_for=lambda filename: federation_file_key(
                node_id, "modelworkers", ("revocations", revocation.pk), filename
            ),
            attachments=documents,
            field="documents",
        )
        seen = set(revocation.documents.values_list("file_id", flat=True))
        rows = []
        for file, label in stored:  # the same file name twice is one stored object
            if file.pk not in seen:
                seen.add(file.pk)
                rows.append(RevocationDocument(revocation=revocation, file=file, label=label))
        RevocationDocument.objects.bulk_create(rows)
    return rows


def member_pk_by_number(*, union, id_number: str) -> int | None:
    """The id of the active member of `union` holding this identity number (validated and hashed), or None."""
    from membership.models import Member, MemberStatus

    try:
        number = parse_identity_number(id_number).number
    except DomainValidationError as exc:
        raise DomainValidationError(
            [FieldError("member_id_number", e.code, e.message) for e in exc.errors]
        ) from None
    with schema_context(union.schema_name):
        return (
            Member.objects.filter(id_hash=id_hash(number), status=MemberStatus.ACTIVE)
            .values_list("pk", flat=True)
            .first()
        )
