"""Members written by the batch: one import batch of validated rows created with COPY in one transaction (the
importer's fast path), with their status history, the cross-union person index and the live facts, exactly as
`membership.services.member_create` would leave them one by one."""

from __future__ import annotations

from collections import Counter

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from people.identity import seal
from people.models import PersonMembership
from rollup.facts import facts_apply
from unionhub.copy import copy_insert, copy_rows, ids_reserve
from unionhub.errors import DomainValidationError, FieldError
from unionhub.tenancy import in_union

from .facts import FactState, deltas_for, record_ok
from .models import (
    Member,
    MemberOrigin,
    MemberStatus,
    MemberStatusChange,
)
from .signals import members_joined


def _copy_layout(
    model, per_row: tuple[str, ...], *, now, fixed: dict | None = None
) -> tuple[list[str], tuple]:
    """COPY columns for `model`: the `per_row` attnames first, then every other concrete field but the id with one
    value for the whole batch: `fixed[attname]`, else what the ORM would write (the default; auto_now(_add): `now`),
    so a field added to the model later needs no change here."""
    fixed = fixed or {}
    columns = [model._meta.get_field(name).column for name in per_row]
    constants = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in per_row:
            continue
        columns.append(field.column)
        if field.attname in fixed:
            constants.append(fixed[field.attname])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constants.append(now)
        else:
            constants.append(field.get_db_prep_save(field.get_default(), connection))
    return columns, tuple(constants)


_MEMBER_ROW_FIELDS = (
    "id",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "phone",
    "employment_type",
    "branch_id",
    "join_date",
    "card_number",
    "origin",
    "id_kind",
    "id_number_encrypted",
    "id_number_masked",
    "id_hash",
    "id_last4",
    "status",
    "status_reason",
    "status_changed_on",
)
_HISTORY_ROW_FIELDS = ("member_id", "effective_on")
_ID, _SEX, _EMPLOYMENT_TYPE, _BRANCH_ID, _JOIN_DATE, _ID_HASH, _PHONE, _ETHNICITY = (
    _MEMBER_ROW_FIELDS.index(name)
    for name in ("id", "sex", "employment_type", "branch_id", "join_date", "id_hash", "phone", "ethnicity")
)
# The batch's claims on the person index go through a temporary table, so one INSERT ... ON CONFLICT DO NOTHING
# both writes them and names the people already held elsewhere (absent from RETURNING).
_CLAIMS_TABLE = "uh_import_person_claims"


def _claim_people(*, union, claims: list[tuple[str, int]]) -> set[str]:
    """Add (id_hash, member_id) rows for `union` to the person index; returns the hashes that were free (written)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_CLAIMS_TABLE} "
            "(id_hash varchar(64) NOT NULL, member_id bigint NOT NULL)"
        )
        copy_rows(f"pg_temp.{_CLAIMS_TABLE}", ["id_hash", "member_id"], claims)
        cursor.execute(
            f"""
            WITH claims AS (DELETE FROM pg_temp.{_CLAIMS_TABLE} RETURNING id_hash, member_id)
            INSERT INTO public.{PersonMembership._meta.db_table} (id_hash, union_id, member_id, status, updated_at)
            SELECT id_hash, %s, member_id, %s, now() FROM claims
            ON CONFLICT (id_hash) DO NOTHING
            RETURNING id_hash
            """,
            [union.pk, MemberStatus.ACTIVE.value],
        )
        return {row[0] for row in cursor.fetchall()}


def members_bulk_create(*, union, rows: list[dict], actor_id: int | None = None) -> list[Member]:
    """Write rows cleaned by validation.member_row_validate (one batch, e.g. 1,000 rows): members, their history,
    the person index and the live facts with a handful of statements. All or nothing: a person claimed by another
    union meanwhile (or any conflict) raises DomainValidationError naming the row index ("rows.<i>.<field>")."""
    if not rows:
        return []
    with in_union(union), transaction.atomic():
        # COPY with ids reserved from the sequence: the history and the person index point at the new members
        # without reading them back; the returned Member objects are built from the same values. Rows are made
        # (and their numbers encrypted) while COPY streams, so PostgreSQL inserts while Python encrypts.
        now = timezone.now()
        member_columns, member_constants = _copy_layout(Member, _MEMBER_ROW_FIELDS, now=now)
        joined, active = MemberOrigin.JOINED.value, MemberStatus.ACTIVE.value
        values: list[tuple] = []
        # Reserved before the COPY: nothing else may run on the connection while it streams.
        ids = ids_reserve(Member, len(rows))

        def member_values():
            for pk, row in zip(ids, rows, strict=True):
                sealed = seal(row["id_number"])
                value = (
                    pk,
                    row["name"],
                    row["sex"],
                    row["birth_date"],
                    row.get("ethnicity") or "",
                    row.get("phone") or "",
                    row["employment_type"],
                    row.get("branch_id"),
                    row["join_date"],
                    row.get("card_number") or None,
                    joined,
                    row["id_kind"],
                    sealed.encrypted,
                    sealed.masked,
                    sealed.hash,
                    sealed.last4,
                    active,
                    joined,
                    row["join_date"],
                    *member_constants,
                )
                values.append(value)
                yield value

        try:
            with transaction.atomic():
                copy_rows(connection.ops.quote_name(Member._meta.db_table), member_columns, member_values())
        except IntegrityError as exc:
            field = "card_number" if "card_number" in str(exc) else "id_number"
            raise DomainValidationError.single(
                f"rows.{field}",
                "duplicate",
                _("本批数据与现有会员重复（身份证号码或会员证号），请重新校验。"),
            ) from exc

        free = _claim_people(union=union, claims=[(value[_ID_HASH], value[_ID]) for value in values])
        errors = [
            FieldError(
                f"rows.{index}.id_number",
                "active_elsewhere",
                _("此人已是其他工会的会员，请办理会员组织关系接转。"),
            )
            for index, value in enumerate(values)
            if value[_ID_HASH] not in free
        ]
        if errors:
            raise DomainValidationError(errors)

        history_columns, history_constants = _copy_layout(
            MemberStatusChange,
            _HISTORY_ROW_FIELDS,
            now=now,
            fixed={"from_status": "", "to_status": active, "reason": joined, "actor_id": actor_id},
        )
        copy_insert(
            MemberStatusChange,
            history_columns,
            [(value[_ID], value[_JOIN_DATE], *history_constants) for value in values],
        )

        # Members of a batch share a few fact states (branch, sex, employment type, join year): count each once.
        states = Counter(
            FactState(
                value[_BRANCH_ID],
                active,
                value[_SEX],
                value[_EMPLOYMENT_TYPE],
                value[_JOIN_DATE],
                joined,
                record_ok(phone=value[_PHONE], ethnicity=value[_ETHNICITY]),
            )
            for value in values
        )
        deltas: Counter = Counter()
        for state, count in states.items():
            for key, delta in deltas_for([(None, state)]).items():
                deltas[key] += delta * count
        facts_apply(union=union, deltas=deltas)
        members_joined.send(
            sender=Member,
            union=union,
            members=[(row.get("branch_id"), row["join_date"]) for row in rows],
        )

        # Model instances as the ORM would return them after a save, in concrete-field order.
        by_column = {column: i for i, column in enumerate(member_columns)}
        order = [by_column[field.column] for field in Member._meta.concrete_fields]
        members = [Member.from_db(connection.alias, None, [value[i] for i in order]) for value in values]
    return members
