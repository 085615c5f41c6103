"""Builders for GraphQL tests: users with roles, schema-less unions, and a client that speaks GraphQL.

Access and the GraphQL layer read public rows only, so unions here are rows without a schema (fast); the host
routing only needs an active union with its Domain.
"""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import Client
from graphql_relay import to_global_id

from accounts.models import Role, RoleGrant, User
from federations.models import Domain, Union, UnionStatus
from federations.services import node_create, schema_name_for_slug, union_host
from tests.factories import union_kwargs

PUBLIC_HOST = "testserver"
_users = itertools.count(1)


def make_user(**extra) -> User:
    return User.objects.create_user(username=f"gqluser{next(_users)}", password="Unused-Passw0rd!", **extra)


def grant(user, role, **target) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, **target)


def make_union(parent_node, *, status=UnionStatus.ACTIVE, **overrides) -> Union:
    values = union_kwargs(**overrides)
    union = Union.objects.create(
        schema_name=schema_name_for_slug(values["slug"]),
        node_path=parent_node.path,
        parent_node=parent_node,
        status=status,
        **values,
    )
    Domain.objects.create(domain=union_host(union.slug), tenant=union, is_primary=True)
    return union


def gid(obj) -> str:
    type_name = "Union" if isinstance(obj, Union) else "FederationNode"
    return to_global_id(type_name, obj.pk)


class GQL:
    """POSTs GraphQL to /graphql/ on a given host; `run` asserts there are no top-level errors."""

    def __init__(self, client: Client, host: str = PUBLIC_HOST, headers: dict | None = None):
        self.client = client
        self.host = host
        self.headers = headers or {}

    def post(self, query: str, variables: dict | None = None, **extra):
        body = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.client.post(
            "/graphql/",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_HOST=self.host,
            **self.headers,
            **extra,
        )

    def raw(self, query: str, variables: dict | None = None) -> dict:
        return self.post(query, variables).json()

    def run(self, query: str, variables: dict | None = None) -> dict:
        response = self.post(query, variables)
        payload = response.json()
        assert response.status_code == 200 and "errors" not in payload, payload
        return payload["data"]


def client_for(user=None, host: str = PUBLIC_HOST) -> GQL:
    client = Client()
    if user is not None:
        client.force_login(user)
    return GQL(client, host=host)


def union_client(user, union) -> GQL:
    return client_for(user, host=union_host(union.slug))


@pytest.fixture
def tree(db):
    """Two counties (A with a township, B), unions under each, and one user per role."""
    county_a = node_create(level="county", name="甲县总工会", division_code="330122")
    township_a = node_create(level="township", name="甲镇工会", division_code="330122", parent=county_a)
    county_b = node_create(level="county", name="乙县总工会", division_code="330123")
    union_a1 = make_union(county_a, name="甲县一厂工会", unit_type="enterprise")
    union_a2 = make_union(township_a, name="甲镇二厂工会", unit_type="government", ownership_type="state")
    union_b1 = make_union(county_b, name="乙县一厂工会")

    fed_admin_a = make_user(full_name="甲县管理员")
    grant(fed_admin_a, Role.FEDERATION_ADMIN, node=county_a)
    fed_staff_a = make_user()
    grant(fed_staff_a, Role.FEDERATION_STAFF, node=county_a)
    fed_admin_b = make_user()
    grant(fed_admin_b, Role.FEDERATION_ADMIN, node=county_b)
    union_admin_a1 = make_user(full_name="一厂工会主席")
    grant(union_admin_a1, Role.UNION_ADMIN, union=union_a1)
    nobody = make_user()

    class Tree:
        pass

    t = Tree()
    t.__dict__.update(locals())
    return t
