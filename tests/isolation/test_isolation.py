"""Tenant isolation: every GraphQL operation, run by someone who must not reach the victim union, returns none of its
data and writes nothing.

The operations come from walking the schema (tests/support/isolation.py), so new queries and mutations are covered
without editing this file. A positive control proves the probes would see the victim's data if access were granted.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test import Client
from graphql_relay import to_global_id

from tests.factories import union_kwargs
from tests.support.isolation import calls_for_schema, root_field_names

PUBLIC_HOST = "testserver"

# Tables that change for reasons other than the probed operation: sessions on login, the append-only audit log
# (refused attempts may be recorded there).
UNSNAPSHOTTED_TABLE_PREFIXES = ("django_session", "audit_")
# Public tables holding per-union rows that a union's own admin writes through that union's host (member
# operations): compared for the victim union's rows only.
UNION_SCOPED_PUBLIC_TABLES = ("people_personmembership", "rollup_livefact")


def _host(union) -> str:
    from federations.services import union_host

    return union_host(union.slug)


def _table_fingerprints(
    schema: str, exclude_user_id: int | None, victim_union_id: int | None = None
) -> dict[str, str]:
    """md5 of every table's full content in one schema; rows owned by the prober (user_id) are left out, and so
    are public rows of other unions (union_id): an admin of another union may legitimately write its own union's
    rows there (its members' person index, its live figures)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname,
                   EXISTS (SELECT 1 FROM pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped),
                   EXISTS (SELECT 1 FROM pg_attribute a
                           WHERE a.attrelid = c.oid AND a.attname = 'union_id' AND NOT a.attisdropped)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p')
            ORDER BY c.relname
            """,
            [schema],
        )
        tables = cursor.fetchall()
        fingerprints = {}
        for table, has_user, has_union in tables:
            if table.startswith(UNSNAPSHOTTED_TABLE_PREFIXES):
                continue
            conditions = []
            if has_user and exclude_user_id is not None:
                conditions.append(f"t.user_id IS DISTINCT FROM {int(exclude_user_id)}")
            if has_union and victim_union_id is not None and table in UNION_SCOPED_PUBLIC_TABLES:
                conditions.append(f"(t.union_id IS NULL OR t.union_id = {int(victim_union_id)})")
            where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{schema}"."{table}" t{where}'
            )
            fingerprints[f"{schema}.{table}"] = cursor.fetchone()
        cursor.execute("SELECT array_agg(nspname ORDER BY nspname) FROM pg_namespace")
        fingerprints["schemas"] = cursor.fetchone()
    return fingerprints


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """The world, built once for this module inside a transaction that is rolled back at its end. Each test runs in
    its own savepoint within it (pytest-django's `db`, see `world`), so what one test's probes write is gone before
    the next starts, exactly as with a world built per test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_once, db):
    return _world_once


def _build_world():
    from django_tenants.utils import schema_context

    from accounts.models import RoleGrant, User
    from accounts.services import api_token_create
    from federations.services import node_create, union_provision
    from organisation.models import Branch

    victim_county = node_create(level="county", name="受害县总工会", division_code="330110")
    victim_town = node_create(
        level="township", name="受害镇工会", division_code="330110", parent=victim_county
    )
    victim_union = union_provision(
        parent_node=victim_town, **union_kwargs(slug="victim-union", name="受害者机械厂工会")
    )
    with schema_context(victim_union.schema_name):
        victim_branch = Branch.objects.create(name="受害者一车间分会")
    from membership.services import member_create
    from tests.support.members import member_kwargs

    victim_member = member_create(
        union=victim_union, **member_kwargs(name="受害者会员甲", branch=victim_branch, phone="13911112222")
    )

    other_county = node_create(level="county", name="邻县总工会", division_code="330111")
    other_union = union_provision(
        parent_node=other_county, **union_kwargs(slug="other-union", name="邻县纺织厂工会")
    )

    victim_admin = User.objects.create_user(username="victim_admin", password="x", full_name="受害管理员")
    RoleGrant.objects.create(user=victim_admin, role="union_admin", union=victim_union)
    victim_fed_admin = User.objects.create_user(username="victim_fed", password="x", full_name="受害县干部")
    RoleGrant.objects.create(user=victim_fed_admin, role="federation_admin", node=victim_county)
    victim_token, _ = api_token_create(user=victim_admin, name="受害者看板令牌", scopes=["read", "write"])

    other_union_admin = User.objects.create_user(username="other_union_admin", password="x")
    RoleGrant.objects.create(user=other_union_admin, role="union_admin", union=other_union)
    other_fed_admin = User.objects.create_user(username="other_fed_admin", password="x")
    RoleGrant.objects.create(user=other_fed_admin, role="federation_admin", node=other_county)
    no_role = User.objects.create_user(username="no_role_user", password="x")

    victim_ids = []
    for type_name, obj in (
        ("Union", victim_union),
        ("FederationNode", victim_county),
        ("FederationNode", victim_town),
        ("ApiToken", victim_token),
        ("User", victim_admin),
    ):
        victim_ids.append(to_global_id(type_name, obj.pk))
    from api.core.ids import to_tenant_global_id

    victim_ids += [
        to_tenant_global_id("Branch", victim_union.pk, victim_branch.pk),
        to_tenant_global_id("Member", victim_union.pk, victim_member.pk),
    ]
    victim_ids.append(str(victim_union.pk))
    # A pending 视为自动退会 proposal and an expulsion case of the victim union.
    from tests.support.worlds.membership import membership_procedure_objects

    victim_ids += membership_procedure_objects(victim_union, prefix="受害者")

    # A transfer between the victim and a union of its own county: only those two unions may see or act on it.
    from membership.services import member_create
    from tests.support.members import member_kwargs
    from transfers.services import transfer_request_send

    partner_union = union_provision(parent_node=victim_town, **union_kwargs(name="受害者伙伴工会"))
    leaving = member_create(union=victim_union, **member_kwargs(name="受害者会员转出"))
    victim_transfer = transfer_request_send(
        origin_union=victim_union, member_id=leaving.pk, destination_union=partner_union
    )
    victim_ids.append(to_global_id("TransferRequest", victim_transfer.pk))

    # A drive of the victim's county covering the victim union, with a pending application there.
    from tests.support.worlds.drives import drive_victim_objects

    drive_ids, drive_strings = drive_victim_objects(union=victim_union, county=victim_county)
    victim_ids += drive_ids

    # The victim's self-assessment (note, evidence) and member appraisal.
    from tests.support.worlds.selfassessment import selfassessment_victim_objects

    assessment_ids, assessment_strings = selfassessment_victim_objects(
        union=victim_union, county=victim_county
    )
    victim_ids += assessment_ids

    # The victim county's 职工之家 standard, rounds with the victim union, its results, title and funding.
    from tests.support.worlds.assessment import assessment_victim_objects

    home_ids, home_strings = assessment_victim_objects(union=victim_union, county=victim_county)
    victim_ids += home_ids

    # The victim county's statistical reporting: the union's returned report, explanations, files, deliveries.
    from tests.support.worlds.reporting import reporting_victim_objects

    report_ids, report_strings = reporting_victim_objects(
        union=victim_union, county=victim_county, town=victim_town
    )
    victim_ids += report_ids

    # A model worker of the victim county in the victim union, with its care records and a reminder.
    from tests.support.worlds.modelworker_care import care_victim_objects

    care_ids, care_strings = care_victim_objects(
        union=victim_union, county=victim_county, victim_admin=victim_admin
    )
    victim_ids += care_ids

    # The victim county's award batch: nominations from the victim union, a running notice with an objection,
    # a registered model worker with a revocation proposal.
    from tests.support.worlds.modelworkers import modelworkers_victim_objects

    registry_ids, registry_strings = modelworkers_victim_objects(union=victim_union, county=victim_county)
    victim_ids += registry_ids

    # The victim county's closed reporting period and its snapshot.
    from tests.support.worlds.rollup import rollup_victim_objects

    victim_ids += rollup_victim_objects(county=victim_county)

    return {
        "victim_union": victim_union,
        "victim_admin": victim_admin,
        "victim_fed_admin": victim_fed_admin,
        "other_union": other_union,
        "victim_ids": victim_ids,
        # Strings only the victim's side holds: any of them in a response is a leak.
        "victim_strings": [
            victim_union.name,
            victim_union.slug,
            victim_union.credit_code,
            victim_county.name,
            victim_town.name,
            victim_admin.username,
            victim_token.name,
            victim_token.prefix,
            leaving.name,
            victim_member.name,
            victim_member.id_number_masked,
            victim_member.phone,
            victim_branch.name,
            partner_union.name,
            *drive_strings,
            *assessment_strings,
            *home_strings,
            *report_strings,
            *care_strings,
            *registry_strings,
            *[i for i in victim_ids if len(i) > 6],
        ],
        "probers": {
            "other_union_admin": (other_union_admin, [PUBLIC_HOST, _host(other_union), _host(victim_union)]),
            "other_federation_admin": (
                other_fed_admin,
                [PUBLIC_HOST, _host(other_union), _host(victim_union)],
            ),
            "no_role": (no_role, [PUBLIC_HOST, _host(victim_union)]),
            "anonymous": (None, [PUBLIC_HOST, _host(victim_union)]),
        },
    }


def _post(client: Client, host: str, call) -> dict:
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": call.document, "variables": call.variables}),
        content_type="application/json",
        HTTP_HOST=host,
    )
    assert response.status_code < 500, f"{call.field} answered {response.status_code} on {host}"
    return response.json() if response.content else {}


def _schema():
    from api.schema import schema

    return schema.graphql_schema


def _probe(world, prober_name, only_host=None):
    """Run every walked operation as the prober on each of its hosts (or `only_host`); return (leaks, changed
    tables, covered)."""
    prober, hosts = world["probers"][prober_name]
    hosts = [only_host] if only_host else hosts
    victim_schema = world["victim_union"].schema_name
    exclude_user = prober.pk if prober else None
    calls = calls_for_schema(_schema(), world["victim_ids"])
    assert calls, "the schema walk produced no operations"

    client = Client()
    if prober is not None:
        client.force_login(prober)
    before = {
        **_table_fingerprints("public", exclude_user, world["victim_union"].pk),
        **_table_fingerprints(victim_schema, exclude_user),
    }

    leaks, covered = [], set()
    for host in hosts:
        for call in calls:
            body = json.dumps(_post(client, host, call), ensure_ascii=False)
            covered.add(call.field)
            for secret in world["victim_strings"]:
                if secret in body:
                    leaks.append(f"{call.kind} {call.field} on {host} returned {secret!r}: {body[:300]}")

    after = {
        **_table_fingerprints("public", exclude_user, world["victim_union"].pk),
        **_table_fingerprints(victim_schema, exclude_user),
    }
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    return leaks, changed, covered


@pytest.mark.parametrize(
    "prober_name", ["other_union_admin", "other_federation_admin", "no_role", "anonymous"]
)
def test_no_operation_reaches_another_union(world, prober_name):
    leaks, changed, covered = _probe(world, prober_name)
    assert not leaks, "\n".join(leaks)
    assert not changed, f"{prober_name} changed data it must not touch: {changed}"
    assert covered == root_field_names(_schema()), "some operations were not probed"


def test_harness_catches_a_broken_access_check(world, monkeypatch):
    """If the access helpers let everyone through, the same walk reports leaks and writes: the harness can fail.
    The public host suffices to show it (the walks above cover every host)."""
    from accounts.access import Actor, GrantView

    platform_grant = GrantView("platform_admin", None, None, None, None, None)
    monkeypatch.setattr(Actor, "is_authenticated", property(lambda self: True))
    monkeypatch.setattr(Actor, "grants", [platform_grant], raising=False)
    monkeypatch.setattr(Actor, "_grants_with", lambda self, perm: [platform_grant])
    leaks, changed, _ = _probe(world, "other_union_admin", only_host=PUBLIC_HOST)
    assert leaks, "a platform-wide grant for everyone should have exposed the victim's data"
    assert changed, "a platform-wide grant for everyone should have let a mutation write"


def test_probes_do_see_the_victims_data_when_access_is_granted(world):
    """Positive control: the same probes, run by the victim's own federation admin, do return the victim's data,
    so the absence of victim strings above means access was refused rather than that the probes were blind."""
    client = Client()
    client.force_login(world["victim_fed_admin"])
    seen = set()
    for call in calls_for_schema(_schema(), world["victim_ids"]):
        if call.kind != "query":
            continue
        body = json.dumps(_post(client, PUBLIC_HOST, call), ensure_ascii=False)
        if world["victim_union"].name in body:
            seen.add(call.field)
    assert seen, "no query returned the victim union's name to its own federation admin"
