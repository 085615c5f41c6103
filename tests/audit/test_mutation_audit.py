"""Every GraphQL mutation is audited: walked from the schema, so mutations added later are covered unedited."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django.test import Client

from tests.support.isolation import build_admin_world, calls_for_schema

PUBLIC_HOST = "testserver"


def _mutation_fields() -> dict:
    from api.schema import schema

    return schema.graphql_schema.mutation_type.fields


def test_every_mutation_goes_through_the_audited_base_class():
    from api.core.mutations import BaseMutation
    from api.schema import Mutation

    for name, field in Mutation._meta.fields.items():
        mutation_class = getattr(field.type, "_meta", None) and field.type
        assert isinstance(mutation_class, type) and issubclass(mutation_class, BaseMutation), (
            f"{name} does not use api.core.mutations.BaseMutation, so it would not be audited"
        )


@pytest.fixture(scope="module")
def _admin_world_once(django_db_setup, django_db_blocker):
    """Built once for this module inside a transaction rolled back at its end; each test runs in its own savepoint
    (pytest-django's `db`, see `admin_world`), so one test's mutations are undone before the next."""
    with django_db_blocker.unblock(), transaction.atomic(), pytest.MonkeyPatch.context() as monkeypatch:
        yield build_admin_world(monkeypatch)
        transaction.set_rollback(True)


@pytest.fixture
def admin_world(_admin_world_once, db):
    return _admin_world_once


def test_each_successful_mutation_writes_one_audit_entry_and_a_failed_one_none(admin_world):
    from audit.models import AuditEntry

    client = Client()
    client.force_login(admin_world["admin"])
    succeeded: dict[str, int] = {}
    for host in admin_world["hosts"]:
        for call in calls_for_schema_mutations(admin_world["ids"]):
            before = AuditEntry.objects.filter(operation=call.field).count()
            response = client.post(
                "/graphql/",
                data=json.dumps({"query": call.document, "variables": call.variables}),
                content_type="application/json",
                HTTP_HOST=host,
            )
            payload = response.json()["data"][call.field]
            written = AuditEntry.objects.filter(operation=call.field).count() - before
            if payload and payload["errors"] == []:
                succeeded[call.field] = succeeded.get(call.field, 0) + 1
                assert written == 1, f"{call.field} succeeded on {host} but wrote {written} audit entries"
            else:
                assert written == 0, (
                    f"{call.field} failed on {host} ({payload}) but left {written} audit entries"
                )
    assert set(succeeded) == set(_mutation_fields()), (
        f"never succeeded: {set(_mutation_fields()) - set(succeeded)}"
    )

    entry = AuditEntry.objects.filter(operation="apiTokenCreate").latest("id")
    assert entry.actor_username == "audit_platform_admin"
    assert "secret" not in json.dumps(entry.changes)


def test_profile_update_records_before_and_after(admin_world):
    from audit.models import AuditEntry

    client = Client()
    client.force_login(admin_world["admin"])
    union_id = admin_world["ids"][1]
    response = client.post(
        "/graphql/",
        data=json.dumps(
            {
                "query": "mutation($id: ID!) { unionUpdateProfile(id: $id, input: {staffCount: 321}) "
                "{ errors { field code } union { staffCount } } }",
                "variables": {"id": union_id},
            }
        ),
        content_type="application/json",
        HTTP_HOST=PUBLIC_HOST,
    )
    assert response.json()["data"]["unionUpdateProfile"] == {"errors": [], "union": {"staffCount": 321}}
    entry = AuditEntry.objects.get(operation="unionUpdateProfile")
    assert entry.changes == {"staff_count": {"before": 100, "after": 321}}
    assert entry.object_type == "Union" and entry.union_id is not None


def calls_for_schema_mutations(ids):
    """The walked mutations, each id sent only to a mutation with an ID argument of its type (a Member id in
    `unionUpdateProfile` could never succeed, so sending it only cost time)."""
    from api.schema import schema
    from tests.isolation.differential import accepts_id

    calls = calls_for_schema(schema.graphql_schema, ids, optional_id_variants=True)
    return [
        call
        for call in calls
        if call.kind == "mutation"
        and (
            call.id_value is None
            or call.id_value not in json.dumps(call.variables)  # the variant leaving optional ids out
            or accepts_id(schema.graphql_schema, call.field, call.id_value)
        )
    ]
