"""The importer's interface: pure row validation against a prefetched context, and the bulk writer."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from membership import bulk, services
from membership.facts import facts_count_union
from membership.models import Member, MemberStatusChange
from membership.validation import member_row_context, member_row_validate
from people.models import PersonMembership
from rollup import indicators as ind
from rollup.selectors import facts_for_union
from tests.support.members import make_id, member_kwargs


def row(**overrides) -> dict:
    values = {
        "name": "王五",
        "id_number": make_id(),
        "employment_type": "农民工",
        "join_date": "2024/05/01",
        "phone": "139 1234 5678",
        "ethnicity": "汉族",
        "branch": "",
        "card_number": "",
    }
    values.update(overrides)
    return values


def test_rows_are_checked_without_a_query_per_row(union, other_union):
    from organisation.services import branch_create

    elsewhere = make_id()
    services.member_create(union=other_union, **member_kwargs(id_number=elsewhere))
    here = make_id()
    services.member_create(union=union, **member_kwargs(id_number=here, card_number="C-1"))
    with schema_context(union.schema_name):
        top = branch_create(name="外科分会")
        group = branch_create(name="骨科工会小组", kind="group", parent=top)
        other_top = branch_create(name="内科分会")
        branch_create(name="骨科工会小组", kind="group", parent=other_top)
        repeated = make_id()
        rows = [
            row(branch="外科分会/骨科工会小组", id_number=repeated),  # 0 ok
            row(id_number=repeated),  # 1 repeated in the file
            row(id_number=here),  # 2 already a member here
            row(id_number=elsewhere),  # 3 member of another union
            row(branch="骨科工会小组"),  # 4 two groups with this name
            row(branch="不存在分会"),  # 5
            row(card_number="C-1"),  # 6 card in use
            row(employment_type="正式职工", phone="", join_date="2024-02-30"),  # 7 bad date
            row(name="", id_number="110105194912310021", phone="123"),  # 8 three errors
            row(employment_type="new_form", branch="外科分会"),  # 9 ok
        ]
        context = member_row_context(union=union, id_numbers=[r["id_number"] for r in rows])
        with CaptureQueriesContext(connection) as captured:
            results = [member_row_validate(r, union=union, context=context) for r in rows]
        assert len(captured.captured_queries) == 0
    errors = {i: {e.field: e.code for e in errs} for i, (_, errs) in enumerate(results) if errs}
    assert errors == {
        1: {"id_number": "duplicate_in_file"},
        2: {"id_number": "duplicate"},
        3: {"id_number": "active_elsewhere"},
        4: {"branch": "ambiguous"},
        5: {"branch": "not_found"},
        6: {"card_number": "duplicate"},
        7: {"join_date": "invalid_date"},
        8: {"name": "required", "id_number": "invalid_check_character", "phone": "invalid_phone"},
    }
    clean0, clean9 = results[0][0], results[9][0]
    assert clean0["branch_id"] == group.pk and clean0["employment_type"] == "migrant"
    assert clean0["phone"] == "13912345678" and "id_hash" in clean0
    assert clean9["branch_id"] == top.pk

    created = bulk.members_bulk_create(union=union, rows=[clean0, clean9], actor_id=5)
    assert len(created) == 2
    with schema_context(union.schema_name):
        assert Member.objects.count() == 3
        assert MemberStatusChange.objects.filter(actor_id=5).count() == 2
        counted = facts_count_union()
    assert PersonMembership.objects.filter(union=union).count() == 3
    assert facts_for_union(union=union, indicators=ind.MEMBER_INDICATORS) == counted
    assert counted[(group.pk, "migrant_members", "")] == 1


def test_bulk_create_refuses_the_whole_batch_when_a_person_was_claimed_meanwhile(union, other_union):
    with schema_context(union.schema_name):
        context = member_row_context(union=union)  # no id numbers given: the writer checks other unions
        numbers = [make_id() for _ in range(3)]
        clean = [member_row_validate(row(id_number=n), union=union, context=context)[0] for n in numbers]
    services.member_create(union=other_union, **member_kwargs(id_number=numbers[1]))
    try:
        bulk.members_bulk_create(union=union, rows=clean)
    except services.DomainValidationError as exc:
        assert [(e.field, e.code) for e in exc.errors] == [("rows.1.id_number", "active_elsewhere")]
    else:
        raise AssertionError("the batch should have been refused")
    with schema_context(union.schema_name):
        assert Member.objects.count() == 0
    assert not PersonMembership.objects.filter(union=union).exists()
    assert facts_for_union(union=union) == {}


def test_bulk_create_uses_a_fixed_number_of_statements(union):
    statements = []
    with schema_context(union.schema_name):
        context = member_row_context(union=union)
        for size in (20, 200):
            rows = [member_row_validate(row(), union=union, context=context)[0] for _ in range(size)]
            with CaptureQueriesContext(connection) as captured:
                bulk.members_bulk_create(union=union, rows=rows)
            statements.append(len(captured.captured_queries))
    assert statements[0] == statements[1] <= 20
    assert facts_for_union(union=union)[(0, "members", "")] == 220
