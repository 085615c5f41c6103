"""Writing members of one union: create, update, status changes, dues, bulk import.

Every service runs in the union's schema (entered if the caller is elsewhere) inside one transaction that also
keeps the cross-union person index (people.PersonMembership, public schema) and the live facts
(rollup.LiveFact) right: a failure leaves nothing behind in any of them.

For other parts:
- drives (approval) call `member_create`; catch `PersonActiveElsewhere` to start a transfer instead;
- transfers call `member_change_status(to_status="transferred_out", reason="transfer")` in the origin union and
  `member_create(origin="transferred_in")` in the destination, in one transaction;
- the importer calls `member_row_context` + `member_row_validate` per row and `membership.bulk.members_bulk_create` per batch.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organisation.models import Branch
from people.identity import seal
from people.models import PersonMembership
from rollup import indicators as ind
from rollup.facts import facts_apply, facts_replace
from unionhub.errors import DomainValidationError, FieldError
from unionhub.tenancy import current_union, in_union

from .facts import deltas_for, fact_state, facts_count_union
from .models import (
    HOLDING_STATUSES,
    PROCEDURE_REASONS,
    STATUS_REASONS,
    STATUS_TRANSITIONS,
    DuesMethod,
    DuesPayment,
    Member,
    MemberOrigin,
    MemberStatus,
    MemberStatusChange,
)
from .selectors import members_in_arrears
from .signals import members_joined
from .validation import member_fields_clean, parse_date

# Unpaid months after which a member is warned (dues_warn_run) and, after a talk, proposed for 视为自动退会
# (membership.withdrawal).
AUTO_WITHDRAW_MONTHS = 6
DUES_MAX_AMOUNT = Decimal("100000")

UPDATABLE_FIELDS = frozenset(
    {"name", "phone", "ethnicity", "employment_type", "join_date", "card_number", "branch", "id_number"}
)


class PersonActiveElsewhere(DomainValidationError):
    """The person holds membership in another union: a transfer (会员组织关系接转) is needed, not a second membership."""

    def __init__(self, *, other_union_id: int, other_member_id: int | None = None):
        super().__init__(
            [
                FieldError(
                    "id_number", "active_elsewhere", _("此人已是其他工会的会员，请办理会员组织关系接转。")
                )
            ]
        )
        self.other_union_id = other_union_id
        self.other_member_id = other_member_id


def _duplicate_here() -> DomainValidationError:
    return DomainValidationError.single("id_number", "duplicate", _("该身份证号码的会员已在本工会。"))


def _card_taken() -> DomainValidationError:
    return DomainValidationError.single("card_number", "duplicate", _("会员证号已被使用。"))


def _branch_id(branch, errors: list[FieldError]) -> int | None:
    """The id of a branch of this union (the connection's schema), or None with an error appended."""
    if branch is None:
        return None
    # A Branch object read in another union's schema may share its id with one of ours: refuse it by its schema.
    schema = getattr(branch, "loaded_from_schema", None)
    if schema is not None and schema != connection.schema_name:
        errors.append(FieldError("branch", "not_found", _("本工会没有这个分会或小组。")))
        return None
    branch_id = getattr(branch, "pk", branch)
    try:
        branch_id = int(branch_id)
    except (TypeError, ValueError):
        branch_id = None
    if branch_id is None or not Branch.objects.filter(pk=branch_id).exists():
        errors.append(FieldError("branch", "not_found", _("本工会没有这个分会或小组。")))
        return None
    return branch_id


def _check_person_free(*, union, person_hash: str, member: Member | None = None) -> None:
    """Refuse a person who already holds membership here (duplicate) or in another union (transfer)."""
    holder = PersonMembership.objects.filter(id_hash=person_hash).first()
    if holder is not None:
        if holder.union_id != union.pk:
            raise PersonActiveElsewhere(other_union_id=holder.union_id, other_member_id=holder.member_id)
        if member is None or holder.member_id != member.pk:
            raise _duplicate_here()
    holding_here = Member.objects.filter(id_hash=person_hash, status__in=list(HOLDING_STATUSES))
    if member is not None:
        holding_here = holding_here.exclude(pk=member.pk)
    if holding_here.exists():
        raise _duplicate_here()


def _claim_person(*, union, member: Member) -> None:
    """Point the person index at this member; a concurrent claim by another union loses cleanly."""
    try:
        with transaction.atomic():
            PersonMembership.objects.create(
                id_hash=member.id_hash, union=union, member_id=member.pk, status=member.status
            )
    except IntegrityError:
        holder = PersonMembership.objects.filter(id_hash=member.id_hash).first()
        if holder is not None and holder.union_id != union.pk:
            raise PersonActiveElsewhere(
                other_union_id=holder.union_id, other_member_id=holder.member_id
            ) from None
        raise _duplicate_here() from None


def _save_member(member: Member, **kwargs) -> None:
    try:
        with transaction.atomic():
            member.save(**kwargs)
    except IntegrityError as exc:
        text = str(exc)
        if "card_number" in text:
            raise _card_taken() from exc
        if "member_one_holding_per_person" in text:
            raise _duplicate_here() from exc
        raise


def _set_identity(member: Member, clean: dict) -> None:
    number = clean["id_number"]
    member.id_kind = clean["id_kind"]
    member.sex = clean["sex"]
    member.birth_date = clean["birth_date"]
    member.seal_set(seal(number))


def member_create(
    *,
    union,
    name: str,
    id_number: str,
    employment_type: str,
    join_date,
    phone: str = "",
    ethnicity: str = "",
    branch=None,
    card_number: str | None = None,
    actor_id: int | None = None,
    origin: str = MemberOrigin.JOINED,
    count_in_drives: bool = True,
) -> Member:
    """Register a member. Sex and birth date come from the identity number. Raises DomainValidationError for bad
    input or a duplicate here, PersonActiveElsewhere when the person holds membership in another union.
    A joining member (not a transfer) counts as a 新发展会员 of the drives covering the union on the join date
    (`count_in_drives=False`: the caller counts it for one drive, as a drive's approval does)."""
    with in_union(union), transaction.atomic():
        clean, errors = member_fields_clean(
            {
                "name": name,
                "id_number": id_number,
                "employment_type": employment_type,
                "join_date": join_date,
                "phone": phone,
                "ethnicity": ethnicity,
                "card_number": card_number,
            }
        )
        branch_id = _branch_id(branch, errors)
        if origin not in MemberOrigin.values:
            errors.append(FieldError("origin", "invalid_choice", _("会籍来源无效。")))
        if errors:
            raise DomainValidationError(errors)
        _check_person_free(union=union, person_hash=clean["id_hash"])
        if clean["card_number"] and Member.objects.filter(card_number=clean["card_number"]).exists():
            raise _card_taken()

        member = Member(
            name=clean["name"],
            employment_type=clean["employment_type"],
            join_date=clean["join_date"],
            phone=clean["phone"],
            ethnicity=clean["ethnicity"],
            card_number=clean["card_number"],
            branch_id=branch_id,
            origin=origin,
            status=MemberStatus.ACTIVE,
            status_reason=origin,
            status_changed_on=clean["join_date"],
        )
        _set_identity(member, clean)
        _save_member(member)
        _claim_person(union=union, member=member)
        MemberStatusChange.objects.create(
            member=member,
            from_status="",
            to_status=MemberStatus.ACTIVE,
            reason=origin,
            effective_on=member.join_date,
            actor_id=actor_id,
        )
        facts_apply(union=union, deltas=deltas_for([(None, fact_state(member))]))
        if count_in_drives and origin == MemberOrigin.JOINED:
            members_joined.send(sender=Member, union=union, members=[(member.branch_id, member.join_date)])
    return member


def member_update(*, member: Member, union=None, **fields) -> Member:
    """Change the given fields (see UPDATABLE_FIELDS). A new identity number re-derives sex and birth date and
    moves the person index; a branch move moves the member's live figures."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise DomainValidationError.single(sorted(unknown)[0], "unknown_field", _("该字段不可修改。"))
    union = union or current_union()
    with in_union(union), transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        before = fact_state(member)
        values = {key: value for key, value in fields.items() if key != "branch"}
        clean, errors = member_fields_clean(values, birth_date=member.birth_date)
        if "branch" in fields:
            clean["branch_id"] = _branch_id(fields["branch"], errors)
        if errors:
            raise DomainValidationError(errors)

        holding = member.status in HOLDING_STATUSES
        if "id_number" in clean and clean["id_hash"] != member.id_hash:
            if holding:
                _check_person_free(union=union, person_hash=clean["id_hash"], member=member)
                PersonMembership.objects.filter(id_hash=member.id_hash, union=union).delete()
            _set_identity(member, clean)
            if holding:
                _claim_person(union=union, member=member)
        elif "id_number" in clean:
            _set_identity(member, clean)  # same person, e.g. a 15-digit number replaced by its 18-digit form
        for key in ("name", "phone", "ethnicity", "employment_type", "join_date", "branch_id"):
            if key in clean:
                setattr(member, key, clean[key])
        if "card_number" in clean:
            card = clean["card_number"]
            if card and Member.objects.filter(card_number=card).exclude(pk=member.pk).exists():
                raise _card_taken()
            member.card_number = card
        _save_member(member)
        facts_apply(union=union, deltas=deltas_for([(before, fact_state(member))]))
    return member


def member_change_status(
    *,
    member: Member,
    to_status: str,
    reason: str,
    effective_on,
    note: str = "",
    actor_id: int | None = None,
    union=None,
    procedure: bool = False,
) -> Member:
    """Move a member along the lifecycle (models.STATUS_TRANSITIONS) with a reason code (models.STATUS_REASONS).

    Expulsion (开除会籍) and 视为自动退会 follow their procedures (membership.expulsion, membership.withdrawal), which
    call this with `procedure=True`; asked for directly they are refused.
    Leaving active/retained removes the person from the cross-union index, so they may join elsewhere."""
    union = union or current_union()
    with in_union(union), transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        errors: list[FieldError] = []
        if to_status not in MemberStatus.values:
            raise DomainValidationError.single("to_status", "invalid_choice", _("会籍状态无效。"))
        if not procedure and to_status == MemberStatus.EXPELLED:
            raise DomainValidationError.single(
                "to_status",
                "procedure_required",
                _("开除会籍须经工会小组讨论、工会委员会决定，请通过开除会籍程序办理。"),
            )
        if not procedure and reason in PROCEDURE_REASONS:
            raise DomainValidationError.single(
                "reason",
                "procedure_required",
                _("视为自动退会须经谈话教育后由系统提出、工会确认，不能直接设置。"),
            )
        if to_status not in STATUS_TRANSITIONS.get(member.status, frozenset()):
            raise DomainValidationError.single(
                "to_status",
                "illegal_transition",
                _("会籍状态不能从“%(from)s”变为“%(to)s”。")
                % {"from": MemberStatus(member.status).label, "to": MemberStatus(to_status).label},
            )
        if reason not in STATUS_REASONS.get(to_status, {}) or reason in (
            MemberOrigin.JOINED,
            MemberOrigin.TRANSFERRED_IN,
        ):
            allowed = "、".join(
                str(label)
                for code, label in STATUS_REASONS[to_status].items()
                if code not in MemberOrigin.values
            )
            errors.append(
                FieldError(
                    "reason", "invalid_reason", _("原因无效，可选：%(allowed)s。") % {"allowed": allowed}
                )
            )
        try:
            effective = parse_date(effective_on, "effective_on")
        except DomainValidationError as exc:
            errors.extend(exc.errors)
            effective = None
        if effective is not None:
            if effective > timezone.localdate():
                errors.append(FieldError("effective_on", "in_future", _("生效日期不能晚于今天。")))
            elif effective < member.join_date or (
                member.status_changed_on is not None and effective < member.status_changed_on
            ):
                errors.append(
                    FieldError("effective_on", "too_early", _("生效日期不能早于入会日期或上次状态变更日期。"))
                )
        note = (note or "").strip()
        if len(note) > 500:
            errors.append(FieldError("note", "too_long", _("备注不能超过500个字。")))
        if errors:
            raise DomainValidationError(errors)

        before = fact_state(member)
        from_status = member.status
        member.status = to_status
        member.status_reason = reason
        member.status_changed_on = effective
        if to_status != MemberStatus.ACTIVE:
            member.dues_warned_on = None
        _save_member(member)
        MemberStatusChange.objects.create(
            member=member,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            note=note,
            effective_on=effective,
            actor_id=actor_id,
        )
        index = PersonMembership.objects.filter(id_hash=member.id_hash, union=union, member_id=member.pk)
        if to_status in HOLDING_STATUSES:
            index.update(status=to_status)
        else:
            index.delete()
        facts_apply(union=union, deltas=deltas_for([(before, fact_state(member))]))
    return member


# --- dues --------------------------------------------------------------------------------------------------------


def parse_month(raw) -> date:
    """ "2025-03", "2025/3", a date (any day of the month) -> 2025-03-01."""
    if isinstance(raw, date):
        return raw.replace(day=1)
    text = str(raw or "").strip().replace("/", "-").replace(".", "-")
    parts = text.split("-")
    try:
        if len(parts) in (2, 3):
            return date(int(parts[0]), int(parts[1]), 1)
    except ValueError:
        pass
    raise DomainValidationError.single("month", "invalid_month", _("月份格式应为 2025-03。"))


def _month_end(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def dues_record(*, member: Member, month, amount, paid_on, union=None, method: str = "self") -> DuesPayment:
    """Record dues for one month, paid by the member or deducted from pay (`method` payroll). Idempotent per member
    and month: recording it again updates amount, date and method. Moves `dues_paid_through` to the end of the
    latest paid month and clears an arrears warning."""
    union = union or current_union()
    with in_union(union), transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        errors: list[FieldError] = []
        try:
            month_start = parse_month(month)
        except DomainValidationError as exc:
            errors.extend(exc.errors)
            month_start = None
        try:
            amount = Decimal(str(amount))
            if (
                not amount.is_finite()
                or amount <= 0
                or amount > DUES_MAX_AMOUNT
                or amount != amount.quantize(Decimal("0.01"))
            ):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append(FieldError("amount", "invalid_amount", _("金额应大于0，最多两位小数。")))
        try:
            paid = parse_date(paid_on, "paid_on")
            if paid > timezone.localdate():
                errors.append(FieldError("paid_on", "in_future", _("缴纳日期不能晚于今天。")))
        except DomainValidationError as exc:
            errors.extend(exc.errors)
            paid = None
        if member.status not in HOLDING_STATUSES:
            errors.append(FieldError("member", "not_holding", _("该会员已不在会，不能登记会费。")))
        if method not in DuesMethod.values:
            errors.append(FieldError("method", "invalid_choice", _("请选择有效的缴纳方式。")))
        if errors:
            raise DomainValidationError(errors)

        payment, created = DuesPayment.objects.get_or_create(
            member=member, month=month_start, defaults={"amount": amount, "paid_on": paid, "method": method}
        )
        if not created and (payment.amount != amount or payment.paid_on != paid or payment.method != method):
            payment.amount, payment.paid_on, payment.method = amount, paid, method
            payment.save(update_fields=["amount", "paid_on", "method"])
        latest = (
            DuesPayment.objects.filter(member=member).order_by("-month").values_list("month", flat=True)[0]
        )
        member.dues_paid_through = _month_end(latest)
        member.dues_warned_on = None
        member.save(update_fields=["dues_paid_through", "dues_warned_on", "updated_at"])
    return payment


def dues_warn(*, member: Member, warned_on: date | None = None, union=None) -> Member:
    """Record that the member was warned about unpaid dues (the notice before automatic withdrawal)."""
    union = union or current_union()
    with in_union(union), transaction.atomic():
        warned_on = warned_on or timezone.localdate()
        if member.status != MemberStatus.ACTIVE:
            raise DomainValidationError.single("member", "not_active", _("只能提醒在会会员。"))
        Member.objects.filter(pk=member.pk).update(dues_warned_on=warned_on, updated_at=timezone.now())
        member.dues_warned_on = warned_on
    return member


def dues_warn_run(*, union, today: date, months: int = AUTO_WITHDRAW_MONTHS) -> int:
    """Warn every active member `months` or more months behind who has not been warned yet. Returns the count."""
    with in_union(union), transaction.atomic():
        return (
            members_in_arrears(months=months, today=today)
            .filter(dues_warned_on=None)
            .update(dues_warned_on=today, updated_at=timezone.now())
        )


# --- bulk import and maintenance ---------------------------------------------------------------------------------


def facts_recount_union(*, union) -> dict[tuple[int, str, str], int]:
    """Rebuild the union's membership facts from its members table (period close, repairs). Returns them."""
    # No savepoint inside a caller's transaction (a period close calls this for every union): a failure fails
    # the caller's work as a whole anyway.
    with in_union(union), transaction.atomic(savepoint=False):
        facts = facts_count_union()
        facts_replace(union=union, indicators=ind.MEMBER_INDICATORS, facts=facts)
    return facts
