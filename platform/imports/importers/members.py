"""Members (会员) of one union: the membership helper's row validator and bulk writer behind the import framework.

Row rules (identity number GB 11643, phone, dates, branch by name or path, one holding membership per person
across unions) live in tenants/membership/validation.py; this file maps columns and errors to Chinese headers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from accounts.access import Perm
from membership.services import members_bulk_create
from membership.validation import MemberRowContext, member_row_context, member_row_validate
from people.identity import id_hash, parse_identity_number
from people.models import PersonMembership
from unionhub.errors import DomainValidationError

from ..registry import CellError, Importer, importer


@dataclass
class MemberImportContext:
    union: object
    rows: MemberRowContext
    actor_id: int | None


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
        hashes = []
        for row in rows:
            try:
                hashes.append(id_hash(parse_identity_number(row["id_number"]).number))
            except DomainValidationError:
                continue
        if hashes:
            found = (
                PersonMembership.objects.filter(id_hash__in=hashes)
                .exclude(union_id=ctx.union.pk)
                .values_list("id_hash", "union_id")
            )
            ctx.rows.elsewhere.update(found)

    def validate(self, row, ctx: MemberImportContext):
        clean, errors = member_row_validate(row, union=ctx.union, context=ctx.rows)
        if errors:
            return None, [CellError(self._header(e.field), e.message) for e in errors]
        return clean, []

    def _header(self, field: str) -> str:
        try:
            return self.header_for(field)
        except StopIteration:
            return ""

    def write_batch(self, rows, ctx: MemberImportContext) -> None:
        members_bulk_create(union=ctx.union, rows=rows, actor_id=ctx.actor_id)

    def export_rows(self, union):
        from membership.models import Member
        from organisation.selectors import branch_paths

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
