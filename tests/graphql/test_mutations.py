"""Mutations: typed errors, nothing written on bad input or without authority, provisioning dispatch."""

from __future__ import annotations

from unittest import mock

import pytest
from graphql_relay import to_global_id

from accounts.models import ApiToken
from federations.models import Domain, FederationNode, Union, UnionStatus
from tests.factories import union_kwargs
from tests.support.graphql import client_for, gid, make_user, union_client

NODE_CREATE = """
mutation($input: FederationNodeCreateInput!) {
  federationNodeCreate(input: $input) {
    errors { field code message }
    node { id name level levelLabel depth parent { id } }
  }
}
"""

PROVISION = """
mutation($input: UnionProvisionInput!) {
  unionProvision(input: $input) {
    errors { field code message }
    union { id slug name status statusLabel host parentNode { id } }
  }
}
"""

UPDATE = """
mutation($id: ID!, $input: UnionProfileInput!) {
  unionUpdateProfile(id: $id, input: $input) {
    errors { field code message }
    union { id name staffCount femaleStaffCount unitType unitTypeLabel }
  }
}
"""


def _counts():
    return (FederationNode.objects.count(), Union.objects.count(), Domain.objects.count())


# --- federationNodeCreate -------------------------------------------------------------------------------


def test_node_create_under_own_subtree(tree):
    data = client_for(tree.fed_admin_a).run(
        NODE_CREATE,
        {
            "input": {
                "parent": gid(tree.township_a),
                "level": "service_station",
                "name": " 甲镇职工服务站 ",
                "divisionCode": "330122",
            }
        },
    )["federationNodeCreate"]
    assert data["errors"] == []
    node = data["node"]
    assert (node["name"], node["level"], node["levelLabel"], node["depth"]) == (
        "甲镇职工服务站",
        "SERVICE_STATION",
        "职工服务站",
        2,
    )
    assert node["parent"] == {"id": gid(tree.township_a)}
    assert FederationNode.objects.filter(name="甲镇职工服务站", parent=tree.township_a).exists()


@pytest.mark.parametrize(
    ("who", "parent", "level", "expected"),
    [
        ("fed_admin_a", "county_b", "township", {"field": "parent", "code": "not_found"}),  # outside subtree
        (
            "fed_staff_a",
            "county_a",
            "township",
            {"field": "parent", "code": "not_found"},
        ),  # view only, no manage
        ("union_admin_a1", "county_a", "township", {"field": "parent", "code": "not_found"}),
        ("fed_admin_a", "county_a", "province", {"field": "level", "code": "invalid_level"}),  # unknown level
        (
            "fed_admin_a",
            None,
            "county",
            {"field": "parent", "code": "required"},
        ),  # top nodes: platform admin only
        (None, "county_a", "township", {"field": None, "code": "permission_denied"}),  # anonymous
    ],
)
def test_node_create_refused_writes_nothing(tree, who, parent, level, expected):
    before = _counts()
    user = getattr(tree, who) if who else None
    node_input = {"level": level, "name": "新组织", "divisionCode": "330122"}
    if parent:
        node_input["parent"] = gid(getattr(tree, parent))
    data = client_for(user).run(NODE_CREATE, {"input": node_input})["federationNodeCreate"]
    assert data["node"] is None
    assert [{"field": e["field"], "code": e["code"]} for e in data["errors"]] == [expected]
    assert all(e["message"] for e in data["errors"])
    assert _counts() == before


def test_node_create_messages_are_chinese(tree):
    data = client_for(tree.fed_admin_a).run(
        NODE_CREATE,
        {"input": {"parent": gid(tree.county_b), "level": "township", "name": "x", "divisionCode": "330122"}},
    )["federationNodeCreate"]
    assert data["errors"][0]["message"] == "对象不存在或无权访问。"
    data = client_for(tree.fed_admin_a).run(
        NODE_CREATE,
        {"input": {"parent": gid(tree.county_a), "level": "province", "name": "x", "divisionCode": "330122"}},
    )["federationNodeCreate"]
    assert data["errors"][0]["message"] == "未知的组织层级：province"


# --- unionProvision -------------------------------------------------------------------------------------


def provision_input(parent, **overrides):
    values = union_kwargs()
    values = {
        "parentNode": gid(parent),
        "slug": values["slug"],
        "name": values["name"],
        "creditCode": values["credit_code"],
        "unitType": "enterprise",
        "ownershipType": "private",
        "staffCount": 120,
        "femaleStaffCount": 50,
        "foundedOn": "2019-06-01",
    }
    values.update(overrides)
    return values


def test_provision_registers_and_dispatches_schema_creation(tree, django_capture_on_commit_callbacks):
    api = client_for(tree.fed_admin_a)
    payload = provision_input(tree.township_a, slug="jiazhen-sanchang", name="甲镇三厂工会")
    with mock.patch("jobs.provisioning.union_schema_create_task.apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            data = api.run(PROVISION, {"input": payload})["unionProvision"]
    assert data["errors"] == []
    union = data["union"]
    assert (union["slug"], union["status"], union["statusLabel"]) == (
        "jiazhen-sanchang",
        "PROVISIONING",
        "开通中",
    )
    assert union["host"] == "jiazhen-sanchang.unionhub.localhost"
    assert union["parentNode"] == {"id": gid(tree.township_a)}
    row = Union.objects.get(slug="jiazhen-sanchang")
    assert row.status == UnionStatus.PROVISIONING and row.node_path == tree.township_a.path
    assert Domain.objects.filter(tenant=row, domain="jiazhen-sanchang.unionhub.localhost").exists()
    # The schema is built by the worker, dispatched once, after commit, with the union's id.
    assert len(callbacks) == 1
    send.assert_called_once()
    assert send.call_args.kwargs["args"] == (row.pk,)


@pytest.mark.parametrize(
    ("who", "overrides", "expected"),
    [
        ("fed_admin_a", {"creditCode": "91330122MA0000000X"}, ("creditCode", "invalid_check_character")),
        ("fed_admin_a", {"slug": "Bad Slug!"}, ("slug", "invalid_slug")),
        ("fed_admin_a", {"femaleStaffCount": 500}, ("femaleStaffCount", "exceeds_staff")),
        ("fed_admin_a", {"unitType": "spaceship"}, ("unitType", "invalid_choice")),
        ("fed_admin_a", {"parentNode": "county_b"}, ("parentNode", "not_found")),  # outside subtree
        ("fed_admin_a", {"parentNode": "union_a1"}, ("parentNode", "not_found")),  # an id of the wrong type
        ("fed_staff_a", {}, ("parentNode", "not_found")),  # sees the node, may not manage it
        ("union_admin_a1", {}, ("parentNode", "not_found")),
        (None, {}, (None, "permission_denied")),
    ],
)
def test_provision_bad_input_writes_nothing(
    tree, django_capture_on_commit_callbacks, who, overrides, expected
):
    if overrides.get("parentNode"):
        overrides["parentNode"] = gid(getattr(tree, overrides["parentNode"]))
    before = _counts()
    user = getattr(tree, who) if who else None
    with django_capture_on_commit_callbacks() as callbacks:
        data = client_for(user).run(PROVISION, {"input": provision_input(tree.county_a, **overrides)})[
            "unionProvision"
        ]
    assert data["union"] is None
    assert expected in [(e["field"], e["code"]) for e in data["errors"]], data["errors"]
    assert _counts() == before
    assert callbacks == []


def test_provision_duplicate_slug_and_credit_code(tree, django_capture_on_commit_callbacks):
    before = _counts()
    api = client_for(tree.fed_admin_a)
    data = api.run(
        PROVISION,
        {
            "input": provision_input(
                tree.county_a, slug=tree.union_a1.slug, creditCode=tree.union_a1.credit_code
            )
        },
    )["unionProvision"]
    assert data["union"] is None
    fields = {e["field"] for e in data["errors"]}
    assert {"slug", "creditCode"} <= fields, data["errors"]
    assert all("已" in e["message"] or "占用" in e["message"] for e in data["errors"])
    assert _counts() == before


def test_provision_refused_on_a_union_host(tree):
    before = _counts()
    data = union_client(tree.fed_admin_a, tree.union_a1).run(
        PROVISION, {"input": provision_input(tree.county_a)}
    )
    assert data["unionProvision"]["errors"][0]["code"] == "not_found"
    assert _counts() == before


# --- unionUpdateProfile --------------------------------------------------------------------------------


def test_union_admin_updates_profile(tree):
    data = union_client(tree.union_admin_a1, tree.union_a1).run(
        UPDATE,
        {
            "id": gid(tree.union_a1),
            "input": {"name": "甲县一厂工会委员会", "staffCount": 300, "unitType": "other"},
        },
    )["unionUpdateProfile"]
    assert data["errors"] == []
    assert data["union"] == {
        "id": gid(tree.union_a1),
        "name": "甲县一厂工会委员会",
        "staffCount": 300,
        "femaleStaffCount": 40,  # untouched: only the fields sent change
        "unitType": "OTHER",
        "unitTypeLabel": "其他",
    }
    tree.union_a1.refresh_from_db()
    assert (tree.union_a1.name, tree.union_a1.staff_count) == ("甲县一厂工会委员会", 300)


def test_federation_admin_updates_profile_below(tree):
    data = client_for(tree.fed_admin_a).run(
        UPDATE, {"id": gid(tree.union_a2), "input": {"foundedOn": "2001-02-03"}}
    )
    assert data["unionUpdateProfile"]["errors"] == []
    tree.union_a2.refresh_from_db()
    assert str(tree.union_a2.founded_on) == "2001-02-03"


@pytest.mark.parametrize(
    ("who", "target", "host_union", "changes", "expected"),
    [
        (
            "union_admin_a1",
            "union_a1",
            None,
            {"femaleStaffCount": 999},
            ("femaleStaffCount", "exceeds_staff"),
        ),
        ("union_admin_a1", "union_a1", None, {"creditCode": "123"}, ("creditCode", "invalid_format")),
        ("union_admin_a1", "union_a2", None, {"name": "改名"}, ("id", "not_found")),  # another union
        ("union_admin_a1", "union_a2", "union_a1", {"name": "改名"}, ("id", "not_found")),  # on own host
        ("fed_staff_a", "union_a1", None, {"name": "改名"}, ("id", "not_found")),  # view, not manage
        ("fed_admin_b", "union_a1", None, {"name": "改名"}, ("id", "not_found")),  # another federation
        ("fed_admin_a", "union_a1", "union_b1", {"name": "改名"}, (None, "not_found")),  # host without a role
        (None, "union_a1", None, {"name": "改名"}, (None, "permission_denied")),
    ],
)
def test_profile_update_refused_writes_nothing(tree, who, target, host_union, changes, expected):
    user = getattr(tree, who) if who else None
    union = getattr(tree, target)
    api = union_client(user, getattr(tree, host_union)) if host_union else client_for(user)
    before = Union.objects.values_list("name", "staff_count", "female_staff_count", "credit_code").get(
        pk=union.pk
    )
    data = api.run(UPDATE, {"id": gid(union), "input": changes})["unionUpdateProfile"]
    assert data["union"] is None
    assert expected in [(e["field"], e["code"]) for e in data["errors"]], data["errors"]
    after = Union.objects.values_list("name", "staff_count", "female_staff_count", "credit_code").get(
        pk=union.pk
    )
    assert after == before


# --- API tokens -----------------------------------------------------------------------------------------

TOKEN_CREATE = """
mutation($name: String!, $scopes: [TokenScope!]!, $expiresAt: DateTime) {
  apiTokenCreate(name: $name, scopes: $scopes, expiresAt: $expiresAt) {
    errors { field code message }
    secret
    token { id name prefix scopes isUsable }
  }
}
"""
TOKEN_REVOKE = """
mutation($id: ID!) { apiTokenRevoke(id: $id) { errors { field code } token { id isUsable } } }
"""


def bearer(secret: str, host: str = "testserver"):
    from django.test import Client

    from tests.support.graphql import GQL

    return GQL(Client(), host=host, headers={"HTTP_AUTHORIZATION": f"Bearer {secret}"})


def test_token_create_then_use_then_revoke(tree):
    api = client_for(tree.fed_admin_a)
    data = api.run(TOKEN_CREATE, {"name": "看板", "scopes": ["READ"]})["apiTokenCreate"]
    assert data["errors"] == []
    secret = data["secret"]
    assert secret.startswith("uh_") and data["token"]["prefix"] == secret[:12]
    assert data["token"]["scopes"] == ["READ"] and data["token"]["isUsable"] is True
    # The secret is shown once: listing tokens never returns it.
    listed = api.run("{ viewer { apiTokens { id name prefix } } }")["viewer"]["apiTokens"]
    assert listed == [{"id": data["token"]["id"], "name": "看板", "prefix": secret[:12]}]

    reader = bearer(secret)
    assert reader.run("{ unions { totalCount } }") == {"unions": {"totalCount": 2}}
    # A read token cannot write, and cannot mint more tokens.
    refused = reader.run(UPDATE, {"id": gid(tree.union_a1), "input": {"name": "改名"}})["unionUpdateProfile"]
    # Refused for the token's scope before the mutation runs (api.core.mutations), whatever it would find.
    assert refused["errors"][0]["code"] == "permission_denied"
    minted = reader.run(TOKEN_CREATE, {"name": "再来一个", "scopes": ["WRITE"]})["apiTokenCreate"]
    assert minted["errors"][0]["code"] == "permission_denied" and minted["secret"] is None
    assert ApiToken.objects.filter(user=tree.fed_admin_a).count() == 1

    revoked = api.run(TOKEN_REVOKE, {"id": data["token"]["id"]})["apiTokenRevoke"]
    assert revoked == {"errors": [], "token": {"id": data["token"]["id"], "isUsable": False}}
    assert reader.run("{ viewer { user { username } } unions { totalCount } }") == {
        "viewer": None,
        "unions": {"totalCount": 0},
    }


def test_write_token_can_update_profile(tree):
    data = client_for(tree.union_admin_a1).run(TOKEN_CREATE, {"name": "同步", "scopes": ["WRITE"]})
    writer = bearer(data["apiTokenCreate"]["secret"])
    result = writer.run(UPDATE, {"id": gid(tree.union_a1), "input": {"staffCount": 150}})[
        "unionUpdateProfile"
    ]
    assert result["errors"] == [] and result["union"]["staffCount"] == 150


def test_token_bad_input_and_foreign_revoke(tree):
    api = client_for(tree.fed_admin_a)
    data = api.run(TOKEN_CREATE, {"name": " ", "scopes": [], "expiresAt": "2001-01-01T00:00:00+08:00"})
    fields = {(e["field"], e["code"]) for e in data["apiTokenCreate"]["errors"]}
    assert fields == {("name", "required"), ("scopes", "required"), ("expiresAt", "in_past")}
    assert ApiToken.objects.count() == 0

    other = client_for(tree.fed_admin_b).run(TOKEN_CREATE, {"name": "乙", "scopes": ["READ"]})[
        "apiTokenCreate"
    ]
    for token_id in (other["token"]["id"], to_global_id("ApiToken", 10**9), "junk"):
        refused = api.run(TOKEN_REVOKE, {"id": token_id})["apiTokenRevoke"]
        assert refused == {"errors": [{"field": "id", "code": "not_found"}], "token": None}
    assert ApiToken.objects.get().revoked_at is None
    anonymous = client_for(None).run(TOKEN_CREATE, {"name": "匿名", "scopes": ["READ"]})["apiTokenCreate"]
    assert anonymous["errors"][0]["code"] == "permission_denied"


def test_node_create_by_platform_admin_at_top(db):
    from accounts.models import Role
    from tests.support.graphql import grant

    admin = make_user()
    grant(admin, Role.PLATFORM_ADMIN)
    data = client_for(admin).run(
        NODE_CREATE, {"input": {"level": "city", "name": "示范市总工会", "divisionCode": "330100"}}
    )
    assert data["federationNodeCreate"]["errors"] == []
    assert data["federationNodeCreate"]["node"]["depth"] == 0
