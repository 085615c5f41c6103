"""Member services: creation rules, one person one membership across unions, status lifecycle, dues."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from membership import services
from membership.models import DuesPayment, Member, MemberStatusChange
from people.identity import id_decrypt, id_hash
from people.models import PersonMembership
from people.services import secrets_reencrypt_union
from rollup.selectors import facts_for_union
from tests.support.members import make_id, member_kwargs
from unionhub.errors import DomainValidationError


def codes(exc_info) -> dict[str, str]:
    return {error.field: error.code for error in exc_info.value.errors}


def counts(union) -> tuple[int, int, int]:
    with schema_context(union.schema_name):
        return (
            Member.objects.count(),
            MemberStatusChange.objects.count(),
            PersonMembership.objects.filter(union=union).count(),
        )


def test_create_derives_sex_and_birth_date_and_stores_the_number_encrypted(union):
    number = make_id(birth="19851120", female=True)
    member = services.member_create(
        union=union, **member_kwargs(id_number=number.lower(), name=" 李  秀英 ", actor_id=7)
    )
    assert member.sex == "female"
    assert member.birth_date.year >= 1985
    assert member.name == "李 秀英"
    assert member.id_number_masked == number[:6] + "********" + number[-4:]
    assert number not in member.id_number_encrypted and id_decrypt(member.id_number_encrypted) == number
    assert member.id_hash == id_hash(number)
    with schema_context(union.schema_name):
        (change,) = MemberStatusChange.objects.filter(member=member)
    assert (change.from_status, change.to_status, change.reason, change.actor_id) == (
        "",
        "active",
        "joined",
        7,
    )
    index = PersonMembership.objects.get(id_hash=member.id_hash)
    assert (index.union_id, index.member_id, index.status) == (union.pk, member.pk, "active")
    assert facts_for_union(union=union, period="")[(0, "members", "")] == 1


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"id_number": "33012219900101"}, "id_number", "invalid_length"),
        ({"phone": "1391234567"}, "phone", "invalid_phone"),
        ({"phone": "23912345678"}, "phone", "invalid_phone"),
        ({"name": "  "}, "name", "required"),
        ({"employment_type": "boss"}, "employment_type", "invalid_choice"),
        ({"join_date": "2999-01-01"}, "join_date", "in_future"),
        ({"join_date": "1960-01-01"}, "join_date", "before_birth"),
        ({"join_date": "2024-13-01"}, "join_date", "invalid_date"),
        ({"branch": 999999}, "branch", "not_found"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(union, overrides, field, code):
    kwargs = member_kwargs(**overrides)
    with pytest.raises(DomainValidationError) as caught:
        services.member_create(union=union, **kwargs)
    errors = codes(caught)
    assert field in errors
    if code:
        assert errors[field] == code
    assert counts(union) == (0, 0, 0)
    assert facts_for_union(union=union) == {}


def test_wrong_check_character(union):
    number = make_id()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(DomainValidationError) as caught:
        services.member_create(union=union, **member_kwargs(id_number=wrong))
    assert codes(caught) == {"id_number": "invalid_check_character"}


def test_phone_is_normalised_and_optional(union):
    member = services.member_create(union=union, **member_kwargs(phone="+86 139-1234-5678"))
    assert member.phone == "13912345678"
    assert services.member_create(union=union, **member_kwargs(phone="")).phone == ""


def test_duplicate_in_the_same_union_is_refused(union):
    number = make_id()
    services.member_create(union=union, **member_kwargs(id_number=number))
    with pytest.raises(DomainValidationError) as caught:
        services.member_create(union=union, **member_kwargs(id_number=number, name="重复"))
    assert codes(caught) == {"id_number": "duplicate"}
    assert counts(union) == (1, 1, 1)


def test_person_active_in_another_union_must_transfer(union, other_union):
    number = make_id()
    first = services.member_create(union=other_union, **member_kwargs(id_number=number))
    with pytest.raises(services.PersonActiveElsewhere) as caught:
        services.member_create(union=union, **member_kwargs(id_number=number))
    assert caught.value.other_union_id == other_union.pk
    assert caught.value.other_member_id == first.pk
    assert codes(caught) == {"id_number": "active_elsewhere"}
    assert counts(union) == (0, 0, 0)

    # Once released by the other union (transferred out), the person may join here.
    services.member_change_status(
        member=first,
        to_status="transferred_out",
        reason="transfer",
        effective_on=date.today(),
        union=other_union,
    )
    assert not PersonMembership.objects.filter(id_hash=id_hash(number)).exists()
    joined = services.member_create(union=union, origin="transferred_in", **member_kwargs(id_number=number))
    assert PersonMembership.objects.get(id_hash=id_hash(number)).union_id == union.pk
    assert joined.origin == "transferred_in"
    assert (0, "new_members", "2024") not in facts_for_union(union=union)
    assert facts_for_union(union=union)[(0, "members", "")] == 1


def test_branch_of_another_union_is_not_found(union, other_union):
    from organisation.services import branch_create

    with schema_context(other_union.schema_name):
        foreign = [branch_create(name=f"外单位{i}分会") for i in range(3)][-1]
    with schema_context(union.schema_name):
        branch_create(name="本单位分会")
    # Branch ids are per union schema: the other union's third branch does not exist here.
    with pytest.raises(DomainValidationError) as caught:
        services.member_create(union=union, **member_kwargs(branch=foreign.pk))
    assert codes(caught) == {"branch": "not_found"}
    assert counts(union) == (0, 0, 0)


def test_card_number_is_unique(union):
    services.member_create(union=union, **member_kwargs(card_number="HR-0001"))
    with pytest.raises(DomainValidationError) as caught:
        services.member_create(union=union, **member_kwargs(card_number="HR-0001"))
    assert codes(caught) == {"card_number": "duplicate"}


def test_status_lifecycle_and_history(union):
    member = services.member_create(union=union, **member_kwargs())
    today = timezone.localdate()
    services.member_change_status(
        member=member, to_status="retained", reason="retired", effective_on=today, actor_id=3, union=union
    )
    assert PersonMembership.objects.get(id_hash=member.id_hash).status == "retained"
    facts = facts_for_union(union=union, period="")
    assert facts.get((0, "members", "")) is None and facts[(0, "retained_members", "")] == 1

    services.member_change_status(
        member=member, to_status="active", reason="reemployed", effective_on=today, union=union
    )
    services.member_change_status(
        member=member, to_status="withdrawn", reason="voluntary", effective_on=today, union=union
    )
    assert not PersonMembership.objects.filter(id_hash=member.id_hash).exists()
    with schema_context(union.schema_name):
        history = list(
            MemberStatusChange.objects.filter(member=member).values_list("from_status", "to_status")
        )
    assert history == [
        ("", "active"),
        ("active", "retained"),
        ("retained", "active"),
        ("active", "withdrawn"),
    ]

    # Terminal: nothing leads out of withdrawn.
    with pytest.raises(DomainValidationError) as caught:
        services.member_change_status(
            member=member, to_status="active", reason="reinstated", effective_on=today, union=union
        )
    assert codes(caught) == {"to_status": "illegal_transition"}


@pytest.mark.parametrize(
    ("to_status", "reason", "effective", "errors"),
    [
        ("retained", "voluntary", 0, {"reason": "invalid_reason"}),
        ("retained", "joined", 0, {"reason": "invalid_reason"}),
        ("active", "reinstated", 0, {"to_status": "illegal_transition"}),
        ("sleeping", "retired", 0, {"to_status": "invalid_choice"}),
        ("deceased", "death", 3, {"effective_on": "in_future"}),
        ("expelled", "violation", 0, {"to_status": "procedure_required"}),
        ("deceased", "death", -5000, {"effective_on": "too_early"}),
    ],
)
def test_illegal_status_changes(union, to_status, reason, effective, errors):
    member = services.member_create(union=union, **member_kwargs())
    with pytest.raises(DomainValidationError) as caught:
        services.member_change_status(
            member=member,
            to_status=to_status,
            reason=reason,
            effective_on=timezone.localdate() + timedelta(days=effective),
            union=union,
        )
    assert codes(caught) == errors
    with schema_context(union.schema_name):
        assert Member.objects.get(pk=member.pk).status == "active"


def test_rejoining_after_withdrawal_keeps_the_old_record(union):
    number = make_id()
    member = services.member_create(union=union, **member_kwargs(id_number=number))
    services.member_change_status(
        member=member,
        to_status="withdrawn",
        reason="voluntary",
        effective_on=timezone.localdate(),
        union=union,
    )
    again = services.member_create(
        union=union, **member_kwargs(id_number=number, join_date=timezone.localdate())
    )
    with schema_context(union.schema_name):
        assert Member.objects.filter(id_hash=id_hash(number)).count() == 2
    assert PersonMembership.objects.get(id_hash=id_hash(number)).member_id == again.pk


def test_update_changes_fields_and_moves_facts(union):
    from organisation.services import branch_create

    with schema_context(union.schema_name):
        one, two = branch_create(name="一分会"), branch_create(name="二分会")
    member = services.member_create(union=union, **member_kwargs(branch=one))
    new_number = make_id(female=True)
    with schema_context(union.schema_name):
        services.member_update(
            member=member, branch=two.pk, employment_type="migrant", id_number=new_number, phone=""
        )
        member.refresh_from_db()
    assert (member.branch_id, member.sex, member.phone) == (two.pk, "female", "")
    assert PersonMembership.objects.get(union=union).id_hash == id_hash(new_number)
    facts = facts_for_union(union=union, period="")
    assert (one.pk, "members", "") not in facts
    assert facts[(two.pk, "female_members", "")] == 1 and facts[(two.pk, "migrant_members", "")] == 1

    with pytest.raises(DomainValidationError) as caught:
        services.member_update(member=member, union=union, status="active")
    assert codes(caught) == {"status": "unknown_field"}


def test_dues_record_is_idempotent_and_arrears(union):
    from membership.selectors import members_in_arrears

    member = services.member_create(union=union, **member_kwargs(join_date="2024-01-15"))
    late = services.member_create(union=union, **member_kwargs(join_date="2024-01-15"))
    services.dues_record(member=member, month="2024-03", amount="12.50", paid_on="2024-03-10", union=union)
    payment = services.dues_record(
        member=member, month="2024-03", amount="12.50", paid_on="2024-03-10", union=union
    )
    services.dues_record(
        member=member, month=date(2024, 5, 20), amount=Decimal("13"), paid_on="2024-05-10", union=union
    )
    with schema_context(union.schema_name):
        assert DuesPayment.objects.filter(member=member).count() == 2
        member.refresh_from_db()
        assert member.dues_paid_through == date(2024, 5, 31)
        assert payment.month == date(2024, 3, 1)
        # On 2024-08-15, June and July are unpaid for `member` (2 months); `late` owes Jan..Jul.
        assert set(members_in_arrears(months=2, today=date(2024, 8, 15))) == {member, late}
        assert set(members_in_arrears(months=3, today=date(2024, 8, 15))) == {late}
    with pytest.raises(DomainValidationError) as caught:
        services.dues_record(member=member, month="2024-13", amount="-1", paid_on="2999-01-01", union=union)
    assert codes(caught) == {"month": "invalid_month", "amount": "invalid_amount", "paid_on": "in_future"}


def test_members_six_months_behind_are_warned_once(union):
    today = date(2025, 3, 10)
    services.member_create(union=union, **member_kwargs(join_date="2024-01-15"))
    paying = services.member_create(union=union, **member_kwargs(join_date="2024-01-15"))
    services.dues_record(member=paying, month="2025-02", amount="10", paid_on="2025-02-05", union=union)
    assert services.dues_warn_run(union=union, today=today) == 1
    assert services.dues_warn_run(union=union, today=today) == 0


def test_services_enter_the_union_schema_and_leave_it(union):
    assert connection.schema_name == "public"
    services.member_create(union=union, **member_kwargs())
    assert connection.schema_name == "public"


def test_key_rotation_reencrypts_every_member(union, settings):
    from cryptography.fernet import Fernet

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [old_key]
    numbers = [make_id() for _ in range(3)]
    for number in numbers:
        services.member_create(union=union, **member_kwargs(id_number=number))
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [new_key, old_key]
    assert secrets_reencrypt_union(union, batch_size=2)["membership.Member"] == 3
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [new_key]
    with schema_context(union.schema_name):
        stored = sorted(id_decrypt(m.id_number_encrypted) for m in Member.objects.all())
    assert stored == sorted(numbers)
