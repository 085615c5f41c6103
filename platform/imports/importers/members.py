"""Members (会员) of one union: the membership helper's row validator and bulk writer behind the import framework.

Row rules (identity number GB 11643, phone, dates, branch by name or path, one holding membership per person
across unions) live in tenants/membership/validation.py; this file maps columns and errors to Chinese headers.

One person, one membership: a valid row for a person who holds membership in another union does not become a
member; it becomes a transfer request to this union (transfers.services.transfer_request_from_conflict), written
in the same batch transaction, listed in the error file with TRANSFER_REASON and counted in
ImportJob.transfers_requested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Perm
from membership.bulk import members_bulk_create
from membership.models import Member
from membership.validation import (
    MemberRowContext,
    employment_type_code,
    member_row_context,
    member_row_validate,
)
from organisation.selectors import branch_paths
from people.identity import id_hash, parse_identity_number
from people.models import PersonMembership
from transfers.services import transfer_request_from_conflict
from unionhub.errors import DomainValidationError

from ..registry import CellError, Importer, RowOutcome, importer

# Marks a clean row whose person holds membership in another union (set in validate, read in write_batch).
TRANSFER_FLAG = "_transfer_from_union"


def transfer_reason() -> str:
    from transfers.services import transfer_requested_notice

    return transfer_requested_notice()


@dataclass
class MemberImportContext:
    union: object
    rows: MemberRowContext
    actor_id: int | None
    # id hash -> the other union where the person holds membership (filled per batch in prepare_batch)
    elsewhere: dict[str, int] = field(default_factory=dict)
    # A file repeats a handful of spellings ("劳务派遣", "正式职工"): each is looked up once per run.
    employment_codes: dict[str, str | None] = field(default_factory=dict)


@importer("members")
class MemberImporter(Importer):
    label = gettext_lazy("会员")
    file_stem = "会员"
    perm = Perm.MEMBER_MANAGE
    headers = {
        "姓名": "name",
        "身份证号码": "id_number",
        "身份证号": "id_number",
        "手机号": "phone",
        "手机号码": "phone",
        "用工类型": "employment_type",
        "所在分会": "branch",
        "入会日期": "join_date",
        "民族": "ethnicity",
        "会员证号": "card_number",
    }
    required = ("姓名", "身份证号码", "用工类型", "入会日期")
    natural_key = ("id_number",)

    def natural_key_normalise(self, field: str, value: str) -> str:
        return value.replace(" ", "").upper()  # "...x" and "...X" are one number

    def prepare(self, union, *, user=None) -> MemberImportContext:
        return MemberImportContext(
            union=union, rows=member_row_context(union=union), actor_id=getattr(user, "pk", None)
        )

    def prepare_batch(self, rows: list[dict], ctx: MemberImportContext) -> None:
        # People holding membership in another union: one query per batch instead of the whole file up front.
        # Only the hash is needed here (validation parses the number fully): an 18-character number is hashed as
        # normalised, a legacy 15-digit one upgraded first; an invalid one merely finds nobody.
        hashes = []
        for row in rows:
            number = "".join(row["id_number"].split()).upper()
            if len(number) == 15:
                try:
                    number = parse_identity_number(number, today=ctx.rows.today).number
                except DomainValidationError:
                    continue
            if len(number) == 18:
                hashes.append(id_hash(number))
        if hashes:
            # One array parameter rather than an IN list of 1,000 placeholders (measurably faster to send).
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id_hash, union_id FROM public.{PersonMembership._meta.db_table} "
                    "WHERE id_hash = ANY(%s) AND union_id <> %s",
                    [hashes, ctx.union.pk],
                )
                found = cursor.fetchall()
            # Kept out of ctx.rows.elsewhere on purpose: such rows pass validation and become transfer requests.
            ctx.elsewhere.update(found)

    def validate(self, row, ctx: MemberImportContext):
        row = self._prenormalise(row, ctx)
        clean, errors = member_row_validate(row, union=ctx.union, context=ctx.rows)
        if errors:
            return None, [CellError(self._header(e.field), e.message) for e in errors]
        if clean["id_hash"] in ctx.elsewhere:
            clean[TRANSFER_FLAG] = ctx.elsewhere[clean["id_hash"]]
        return clean, []

    @staticmethod
    def _prenormalise(row: dict, ctx: MemberImportContext) -> dict:
        """Spare the validator its slow paths for the common spellings: the employment type as its code (the
        validator's own mapping, cached per run) and an ISO date as a date. Anything else goes through as is."""
        row = dict(row)
        text = row["employment_type"]
        if text not in ctx.employment_codes:
            ctx.employment_codes[text] = employment_type_code(text)
        row["employment_type"] = ctx.employment_codes[text] or text
        joined = row["join_date"]
        if len(joined) == 10 and joined[4] == joined[7] == "-":
            try:
                row["join_date"] = date.fromisoformat(joined)
            except ValueError:
                pass  # e.g. 2024-02-30: the validator reports it
        return row

    def _header(self, field: str) -> str:
        try:
            return self.header_for(field)
        except StopIteration:
            return ""

    def write_batch(self, rows, ctx: MemberImportContext) -> dict[int, RowOutcome]:
        members = [row for row in rows if TRANSFER_FLAG not in row]
        if members:
            members_bulk_create(union=ctx.union, rows=members, actor_id=ctx.actor_id)
        return {
            index: self._request_transfer(row, ctx) for index, row in enumerate(rows) if TRANSFER_FLAG in row
        }

    def _request_transfer(self, row: dict, ctx: MemberImportContext) -> RowOutcome:
        try:
            with transaction.atomic():  # a savepoint: a refused request leaves the rest of the batch intact
                transfer_request_from_conflict(
                    destination_union=ctx.union,
                    id_number=row["id_number"],
                    name=row["name"],
                    employment_type=row["employment_type"],
                    branch_id=row.get("branch_id"),
                    note=_("会员批量导入"),
                    actor_id=ctx.actor_id,
                )
        except DomainValidationError as exc:
            # E.g. a transfer for this person is already open, or the other union released them meanwhile.
            reason = "；".join(str(CellError(self._header(e.field), e.message)) for e in exc.errors)
            return RowOutcome(reason=reason)
        return RowOutcome(reason=transfer_reason(), transfer_requested=True)

    def export_rows(self, union):
        paths = branch_paths()
        labels = dict(Member._meta.get_field("employment_type").choices)
        members = Member.objects.order_by("id").values_list(
            "name",
            "id_number_masked",
            "phone",
            "employment_type",
            "branch_id",
            "join_date",
            "ethnicity",
            "card_number",
        )
        for name, masked, phone, employment, branch_id, joined, ethnicity, card in members.iterator(2000):
            # Identity numbers leave the system masked only; a full reveal is a separate, audited action.
            yield [
                name,
                masked,
                phone,
                str(labels.get(employment, employment)),
                paths.get(branch_id, ""),
                joined,
                ethnicity,
                card or "",
            ]
