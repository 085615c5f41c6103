"""Validating member data without writing: shared by member_create / member_update and the bulk importer.

`member_fields_clean` applies every rule that needs no database; `member_row_validate` adds the rules that need the
union's data from a `MemberRowContext` prefetched once per file (branch names, identity hashes already here or in
another union, card numbers), so 100,000 rows are checked without a query per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

from organisation.models import Branch
from organisation.selectors import branch_paths
from people.identity import IdentityNumber, id_hash, parse_identity_number
from people.models import PersonMembership
from unionhub.errors import DomainValidationError, FieldError

from .models import HOLDING_STATUSES, EmploymentType, Member

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
NAME_MAX = Member._meta.get_field("name").max_length
ETHNICITY_MAX = Member._meta.get_field("ethnicity").max_length
CARD_MAX = Member._meta.get_field("card_number").max_length

# Spellings found in spreadsheets, besides the codes and the full labels.
EMPLOYMENT_TYPE_ALIASES = {
    "正式": EmploymentType.REGULAR,
    "正式工": EmploymentType.REGULAR,
    "合同制": EmploymentType.REGULAR,
    "派遣": EmploymentType.AGENCY,
    "劳务派遣工": EmploymentType.AGENCY,
    "进城务工人员": EmploymentType.MIGRANT,
    "新就业形态": EmploymentType.NEW_FORM,
    "退休职工": EmploymentType.RETIRED,
}


_EMPLOYMENT_CODES = frozenset(EmploymentType.values)  # .values builds a new list on every access


def employment_type_code(raw) -> str | None:
    text = str(raw or "").strip()
    if text in _EMPLOYMENT_CODES:
        return text
    for code, label in EmploymentType.choices:
        if text == str(label):
            return code
    alias = EMPLOYMENT_TYPE_ALIASES.get(text)
    return str(alias) if alias else None


def normalise_phone(raw) -> str:
    """ "" or an 11-digit mainland mobile number (spaces, dashes and a +86 prefix are dropped)."""
    text = re.sub(r"[\s\-()]", "", str(raw or ""))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if text and not PHONE_RE.match(text):
        raise DomainValidationError.single("phone", "invalid_phone", _("手机号应为11位中国大陆手机号码。"))
    return text


def parse_date(raw, field_name: str) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    if not text:
        raise DomainValidationError.single(field_name, "required", _("请填写日期。"))
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise DomainValidationError.single(field_name, "invalid_date", _("日期格式应为 2024-05-01。"))


def _collect(errors: list[FieldError], func, *args):
    try:
        return func(*args)
    except DomainValidationError as exc:
        errors.extend(exc.errors)
        return None


def name_clean(raw) -> str:
    """A member's name, whitespace collapsed; DomainValidationError on field "name" otherwise."""
    name = " ".join(str(raw or "").split())
    if not name:
        raise DomainValidationError.single("name", "required", _("请填写姓名。"))
    if len(name) > NAME_MAX:
        raise DomainValidationError.single("name", "too_long", _("姓名不能超过50个字。"))
    return name


def employment_type_clean(raw) -> str:
    """An employment type code from a code or its label; DomainValidationError on "employment_type" otherwise."""
    code = employment_type_code(raw)
    if code is None:
        raise DomainValidationError.single(
            "employment_type",
            "invalid_choice",
            _("用工类型应为：正式职工、劳务派遣、农民工、新就业形态劳动者或退休。"),
        )
    return code


def _ethnicity(raw) -> str:
    text = str(raw or "").strip()
    if len(text) > ETHNICITY_MAX:
        raise DomainValidationError.single("ethnicity", "too_long", _("民族不能超过20个字。"))
    return text


def _card_number(raw) -> str | None:
    text = str(raw or "").strip()
    if len(text) > CARD_MAX:
        raise DomainValidationError.single("card_number", "too_long", _("会员证号不能超过30个字符。"))
    return text or None


def _join_date(raw, birth_date: date | None, today: date) -> date:
    joined = parse_date(raw, "join_date")
    if joined > today:
        raise DomainValidationError.single("join_date", "in_future", _("入会日期不能晚于今天。"))
    if birth_date is not None and joined < birth_date:
        raise DomainValidationError.single("join_date", "before_birth", _("入会日期不能早于出生日期。"))
    return joined


def identity_fields(identity: IdentityNumber) -> dict:
    """Model fields derived from a validated identity number (encryption is left to the writer)."""
    return {
        "id_number": identity.number,
        "id_kind": identity.kind,
        "id_hash": id_hash(identity.number),
        "sex": identity.sex,
        "birth_date": identity.birth_date,
    }


def member_fields_clean(
    values: dict, *, today: date | None = None, birth_date: date | None = None
) -> tuple[dict, list[FieldError]]:
    """Clean the member fields present in `values` (no database). Returns (clean values, errors).

    `birth_date`: the member's current one, for checking a new join date when the identity number is unchanged."""
    today = today or timezone.localdate()
    errors: list[FieldError] = []
    clean: dict = {}
    identity = None
    if "id_number" in values:
        # `today` passed on: timezone.localdate() per row is a measurable share of a 100,000-row import.
        identity = _collect(errors, partial(parse_identity_number, today=today), values["id_number"])
        if identity is not None:
            clean.update(identity_fields(identity))
    if "name" in values:
        clean["name"] = _collect(errors, name_clean, values["name"])
    if "employment_type" in values:
        clean["employment_type"] = _collect(errors, employment_type_clean, values["employment_type"])
    if "phone" in values:
        clean["phone"] = _collect(errors, normalise_phone, values["phone"])
    if "ethnicity" in values:
        clean["ethnicity"] = _collect(errors, _ethnicity, values["ethnicity"])
    if "card_number" in values:
        clean["card_number"] = _collect(errors, _card_number, values["card_number"])
    if "join_date" in values:
        birth = identity.birth_date if identity is not None else birth_date
        clean["join_date"] = _collect(errors, _join_date, values["join_date"], birth, today)
    return clean, errors


# --- rows of an import file -------------------------------------------------------------------------------------


@dataclass
class MemberRowContext:
    """What row validation needs from the database, fetched once per file (see member_row_context)."""

    union_id: int
    branch_ids_by_name: dict[str, list[int]]  # name and full path ("外科分会/骨科工会小组") -> branch ids
    holding_hashes: set[str]  # id hashes of people holding membership in this union
    elsewhere: dict[str, int]  # id hash -> the other union where the person holds membership
    card_numbers: set[str]  # card numbers used in this union
    today: date
    # Filled as rows pass, so a file cannot hold the same person or card twice.
    seen_hashes: set[str] = field(default_factory=set)
    seen_cards: set[str] = field(default_factory=set)


def member_row_context(*, union, id_numbers=None) -> MemberRowContext:
    """Prefetch for `union` (its schema must be the connection's). Pass the file's raw identity numbers as
    `id_numbers` so people holding membership in other unions are found in a few batched queries; without them
    that check is left to members_bulk_create, which refuses the whole batch on a conflict."""
    branches = list(Branch.objects.all())
    by_name: dict[str, list[int]] = {}
    for branch in branches:
        by_name.setdefault(branch.name, []).append(branch.pk)
    for branch_id, path in branch_paths(branches).items():
        if path not in by_name or branch_id not in by_name[path]:
            by_name.setdefault(path, []).append(branch_id)
    holding = set(Member.objects.filter(status__in=list(HOLDING_STATUSES)).values_list("id_hash", flat=True))
    cards = set(Member.objects.exclude(card_number=None).values_list("card_number", flat=True))
    elsewhere: dict[str, int] = {}
    if id_numbers is not None:
        hashes = []
        for raw in id_numbers:
            try:
                hashes.append(id_hash(parse_identity_number(raw).number))
            except DomainValidationError:
                continue
        for start in range(0, len(hashes), 5000):
            rows = PersonMembership.objects.filter(id_hash__in=hashes[start : start + 5000]).exclude(
                union_id=union.pk
            )
            elsewhere.update(rows.values_list("id_hash", "union_id"))
    return MemberRowContext(
        union_id=union.pk,
        branch_ids_by_name=by_name,
        holding_hashes=holding,
        elsewhere=elsewhere,
        card_numbers=cards,
        today=timezone.localdate(),
    )


ROW_FIELDS = (
    "name",
    "id_number",
    "employment_type",
    "join_date",
    "phone",
    "ethnicity",
    "branch",
    "card_number",
)


def member_row_validate(
    row: dict, *, union, context: MemberRowContext
) -> tuple[dict | None, list[FieldError]]:
    """Validate one import row without writing. `row` keys: name, id_number, employment_type (code or Chinese
    label), join_date (date or text), phone, ethnicity, branch (name or "上级/下级" path, empty = the union itself),
    card_number. Returns (kwargs for members_bulk_create, []) or (None, errors). Records the row's person and card
    in `context` so later rows of the same file cannot repeat them."""
    values = {key: row.get(key) for key in ROW_FIELDS if key != "branch"}
    values.setdefault("phone", "")
    clean, errors = member_fields_clean(values, today=context.today)

    branch_name = str(row.get("branch") or "").strip().strip("/")
    clean["branch_id"] = None
    if branch_name:
        ids = context.branch_ids_by_name.get(branch_name, [])
        if not ids:
            errors.append(FieldError("branch", "not_found", _("本工会没有这个分会或小组。")))
        elif len(ids) > 1:
            errors.append(
                FieldError(
                    "branch",
                    "ambiguous",
                    _("有多个同名分会或小组，请写完整路径，如“外科分会/骨科工会小组”。"),
                )
            )
        else:
            clean["branch_id"] = ids[0]

    person = clean.get("id_hash")
    if person is not None:
        if person in context.holding_hashes:
            errors.append(FieldError("id_number", "duplicate", _("该身份证号码的会员已在本工会。")))
        elif person in context.seen_hashes:
            errors.append(FieldError("id_number", "duplicate_in_file", _("文件中该身份证号码重复出现。")))
        elif person in context.elsewhere:
            errors.append(
                FieldError(
                    "id_number", "active_elsewhere", _("此人已是其他工会的会员，请办理会员组织关系接转。")
                )
            )
    card = clean.get("card_number")
    if card is not None:
        if card in context.card_numbers:
            errors.append(FieldError("card_number", "duplicate", _("会员证号已被使用。")))
        elif card in context.seen_cards:
            errors.append(FieldError("card_number", "duplicate_in_file", _("文件中该会员证号重复出现。")))
    if errors:
        return None, errors
    context.seen_hashes.add(person)
    if card is not None:
        context.seen_cards.add(card)
    return clean, []
