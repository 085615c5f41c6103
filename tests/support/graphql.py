"""Builders for GraphQL tests: users with roles, schema-less unions, and a client that speaks GraphQL.

Access and the GraphQL layer read public rows only, so unions here are rows without a schema (fast); the host
routing only needs an active union with its Domain.
"""

from __future__ import annotations

import itertools
import json

from django.test import Client
from graphql_relay import to_global_id

from accounts.models import RoleGrant, User
from federations.models import Domain, Union, UnionStatus
from federations.services import schema_name_for_slug, union_host
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
