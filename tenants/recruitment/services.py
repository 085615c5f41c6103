"""Applications to join through a drive's link: submit (public, no login), approve, reject.

The public joining page and the GraphQL `joinByLink` mutation both call `application_submit`; approval creates the
member through membership's `member_create` and adds to the drive's progress in the same transaction.
Services run in the union's schema (entered when the caller is elsewhere).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drives.links import JoinLink, link_resolve
from drives.services import drive_progress_apply
from membership.models import EmploymentType
from membership.validation import PHONE_RE, normalise_phone
from organisation.models import Branch
from people.identity import id_decrypt, parse_identity_number, seal
from transfers.services import member_create_or_request_transfer
from unionhub.errors import DomainValidationError, FieldError
from unionhub.ratelimit import public_form_rate_check
from unionhub.tenancy import in_union

from .models import Application, ApplicationStatus

NAME_MAX = Application._meta.get_field("name").max_length
REASON_MAX = Application._meta.get_field("reason").max_length


def _already_decided() -> DomainValidationError:
    return DomainValidationError.single("id", "already_decided", _("该申请已处理，不能重复审核。"))


def join_link_check(*, token, union, client_address: str | None = None, rate_limit: bool = True) -> JoinLink:
    """Resolve a joining link for `union`'s host. Refused links still count against the address's rate limit."""
    try:
        link = link_resolve(token, union=union)
    except DomainValidationError:
        if rate_limit:
            public_form_rate_check(link_key=None, client_address=client_address)
        raise
    if rate_limit:
        public_form_rate_check(link_key=link.key, client_address=client_address)
    return link


def join_branches(*, link: JoinLink) -> list:
    """Branches an applicant may choose on this link: the link's own, or all of the union's."""
    queryset = Branch.objects.order_by("sort_order", "id")
    if link.branch_id:
        queryset = queryset.filter(pk=link.branch_id)
    return list(queryset)


def join_employment_types(*, link: JoinLink) -> list[tuple[str, str]]:
    """(code, label) pairs an applicant may choose: the drive's target groups, or every employment type."""
    groups = set(link.drive.target_groups or ())
    return [(code, str(label)) for code, label in EmploymentType.choices if not groups or code in groups]


def _clean_fields(*, link: JoinLink, name, id_number, phone, employment_type, branch_id, consent):
    errors: list[FieldError] = []
    clean: dict = {}

    name = " ".join(str(name or "").split())
    if not name:
        errors.append(FieldError("name", "required", str(_("请填写姓名。"))))
    elif len(name) > NAME_MAX:
        errors.append(FieldError("name", "too_long", str(_("姓名不能超过50个字。"))))
    clean["name"] = name

    try:
        clean["identity"] = parse_identity_number(id_number)
    except DomainValidationError as exc:
        errors.extend(exc.errors)

    try:
        clean["phone"] = normalise_phone(phone)
    except DomainValidationError as exc:
        errors.extend(exc.errors)
    else:
        if not PHONE_RE.match(clean["phone"]):
            errors.append(FieldError("phone", "required", str(_("请填写11位手机号码。"))))

    allowed = dict(join_employment_types(link=link))
    if employment_type not in allowed:
        errors.append(
            FieldError("employment_type", "invalid_choice", str(_("请选择本次活动面向的用工类型。")))
        )
    clean["employment_type"] = employment_type

    chosen = link.branch_id or branch_id or None
    if chosen is not None:
        try:
            chosen = int(chosen)
        except (TypeError, ValueError):
            chosen = -1
        if not Branch.objects.filter(pk=chosen).exists():
            errors.append(FieldError("branch", "not_found", str(_("本工会没有这个分会或小组。"))))
    clean["branch_id"] = chosen

    if consent is not True:
        errors.append(FieldError("consent", "required", str(_("请阅读并同意个人信息处理规则后再提交。"))))
    if errors:
        raise DomainValidationError(errors)
    return clean


def application_submit(
    *,
    token: str,
    union,
    name: str,
    id_number: str,
    phone: str,
    employment_type: str,
    consent: bool,
    branch_id: int | None = None,
    client_address: str | None = None,
) -> Application:
    """An applicant's request to join `union` through a drive's signed link (public: no account).

    Checks, in order: the link (signature, end date, drive, union of the host), the rate limits, the fields.
    Writes one Application, and the answer is the same whether the person is new, already a member here or already
    waiting for a decision: telling them apart would let anyone with an identity number learn whether that person
    belongs to the union (issue 14). The officer sees the difference in the queue (`already_member`, annotated by
    recruitment.selectors.application_list); a second submission while one is pending writes nothing and returns
    the pending one. A person holding membership in another union may apply; approval turns that into a transfer
    request.
    """
    link = join_link_check(token=token, union=union, client_address=client_address)
    with in_union(union), transaction.atomic():
        clean = _clean_fields(
            link=link,
            name=name,
            id_number=id_number,
            phone=phone,
            employment_type=employment_type,
            branch_id=branch_id,
            consent=consent,
        )
        identity = clean["identity"]
        sealed = seal(identity.number)
        person = sealed.hash
        pending = Application.objects.filter(id_hash=person, status=ApplicationStatus.PENDING).first()
        if pending is not None:
            return pending  # nothing new to decide; the answer is the same as for a first submission
        application = Application(
            drive_id=link.drive.pk,
            branch_id=clean["branch_id"],
            name=clean["name"],
            phone=clean["phone"],
            employment_type=clean["employment_type"],
            id_kind=identity.kind,
            **sealed.fields(),
            consent_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError as exc:  # a concurrent submission for the same person won: the same answer
            if "application_one_pending_per_person" in str(exc):
                return Application.objects.get(id_hash=person, status=ApplicationStatus.PENDING)
            raise
    return application


def _locked_pending(application: Application) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.status != ApplicationStatus.PENDING:
        raise _already_decided()
    return locked


def application_approve(
    *, union, application: Application, actor_id: int | None = None, join_date: date | None = None
) -> Application:
    """Approve a pending application: create the member (join date today), link it, and add one new member to the
    drive's progress for the branch and the union, all in one transaction.

    A person holding membership in another union becomes a transfer request to this union (the application is
    approved and points to it; progress counts when a member is created, not for transfers). Approving an
    application that is no longer pending raises "already_decided" and writes nothing.
    """
    join_date = join_date or timezone.localdate()
    with in_union(union), transaction.atomic():
        locked = _locked_pending(application)
        fields = {
            "union": union,
            "name": locked.name,
            "id_number": id_decrypt(locked.id_number_encrypted),
            "employment_type": locked.employment_type,
            "join_date": join_date,
            "phone": locked.phone,
            "branch": locked.branch,
            "actor_id": actor_id,
            # Counted below for this application's drive only, not for every drive covering the union.
            "count_in_drives": False,
        }
        # A person holding membership elsewhere becomes a transfer request (transfers' helper decides).
        result = member_create_or_request_transfer(note=str(_("入会申请（会员发展行动）")), **fields)
        member, transfer = result.member, result.transfer
        locked.status = ApplicationStatus.APPROVED
        locked.member = member
        locked.transfer_request_id = transfer.pk if transfer is not None else None
        locked.decided_by_id = actor_id
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "member", "transfer_request_id", "decided_by_id", "decided_at"])
        if member is not None:
            drive_progress_apply(drive_id=locked.drive_id, union=union, branch_id=locked.branch_id)
    return locked


def application_reject(
    *, union, application: Application, reason: str, actor_id: int | None = None
) -> Application:
    """Reject a pending application with a reason the applicant can be told."""
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise DomainValidationError.single("reason", "required", _("请填写驳回原因。"))
    if len(reason) > REASON_MAX:
        raise DomainValidationError.single("reason", "too_long", _("驳回原因不能超过500个字。"))
    with in_union(union), transaction.atomic():
        locked = _locked_pending(application)
        locked.status = ApplicationStatus.REJECTED
        locked.reason = reason
        locked.decided_by_id = actor_id
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "reason", "decided_by_id", "decided_at"])
    return locked
