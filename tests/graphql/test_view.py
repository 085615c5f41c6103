"""The endpoint itself: limits, batching, introspection, GraphiQL and CSRF."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.support.graphql import client_for


def gql_settings(**changes):
    return override_settings(UNIONHUB_GRAPHQL={**settings.UNIONHUB_GRAPHQL, **changes})


def error_messages(payload) -> list[str]:
    return [e["message"] for e in payload.get("errors", [])]


def nested_children(levels: int) -> str:
    selection = "name"
    for _ in range(levels):
        selection = f"children {{ edges {{ node {{ {selection} }} }} }}"
    return f"{{ federationNodes {{ edges {{ node {{ {selection} }} }} }} }}"


def test_depth_limit(tree):
    api = client_for(tree.fed_admin_a)
    with gql_settings(MAX_DEPTH=10, MAX_COST=10**9):
        assert api.post(nested_children(1)).status_code == 200  # depth 7
        response = api.post(nested_children(3))  # depth 13
    assert response.status_code == 400
    assert error_messages(response.json()) == ["查询嵌套层数过深：最多允许10层，本查询为13层。"]
    assert "data" not in response.json()


def test_depth_counts_fragments(tree):
    query = """
    fragment Deep on FederationNode { children { edges { node { children { edges { node { name } } } } } } }
    { federationNodes { edges { node { ...Deep } } } }
    """
    with gql_settings(MAX_DEPTH=9, MAX_COST=10**9):
        response = client_for(tree.fed_admin_a).post(query)  # 3 + 7 = 10 levels once the fragment is expanded
    assert error_messages(response.json()) == ["查询嵌套层数过深：最多允许9层，本查询为10层。"]


def test_alias_limit(tree):
    api = client_for(tree.fed_admin_a)
    ok = " ".join(f"a{i}: viewer {{ user {{ username }} }}" for i in range(15))
    too_many = " ".join(f"a{i}: viewer {{ user {{ username }} }}" for i in range(16))
    with gql_settings(MAX_ALIASES=15):
        assert api.post("{" + ok + "}").status_code == 200
        response = api.post("{" + too_many + "}")
    assert response.status_code == 400
    assert error_messages(response.json()) == ["查询中的别名过多：最多允许15个，本查询有16个。"]


def test_cost_limit_counts_page_sizes(tree):
    query = """query($n: Int) { unions(first: $n) { edges { node { name parentNode {
        children(first: 100) { edges { node { name } } } } } } } }"""
    api = client_for(tree.fed_admin_a)
    with gql_settings(MAX_COST=5000):
        # unions: 1 + n * (edges 1 + node 1 + name 1 + parentNode 1 + children (1 + 100 * (1 + 1 + 1)))
        assert api.post(query, {"n": 5}).status_code == 200  # 1526
        response = api.post(query, {"n": 50})  # 15251
    assert response.status_code == 400
    assert error_messages(response.json()) == [
        "查询过于复杂：估算开销为15251，上限为5000。请减少字段或每页条数（first）。"
    ]


def test_batching_refused(tree):
    client = Client()
    client.force_login(tree.fed_admin_a)
    body = json.dumps([{"query": "{ viewer { user { username } } }"}, {"query": "{ unions { totalCount } }"}])
    response = client.post("/graphql/", data=body, content_type="application/json", HTTP_HOST="testserver")
    assert response.status_code == 400
    assert error_messages(response.json()) == ["不支持批量请求：每次请求只能包含一个查询。"]


@pytest.mark.parametrize("query", ["{ __schema { types { name } } }", '{ __type(name: "Union") { name } }'])
def test_introspection_refused_unless_enabled(tree, query):
    api = client_for(tree.fed_admin_a)
    with gql_settings(INTROSPECTION=False):
        response = api.post(query)
        assert response.status_code == 400
        assert error_messages(response.json()) == [
            "已关闭内省查询（introspection），请参阅发布的GraphQL模式文件。"
        ]
        # __typename is not introspection of the schema; clients rely on it.
        assert api.run("{ __typename }") == {"__typename": "Query"}
    with gql_settings(INTROSPECTION=True):
        assert api.post(query).status_code == 200


def test_introspection_off_by_default_without_debug():
    assert settings.DEBUG is False
    assert settings.UNIONHUB_GRAPHQL["INTROSPECTION"] is False
    assert settings.UNIONHUB_GRAPHQL["GRAPHIQL"] is False


def test_graphiql_only_when_enabled(db):
    client = Client()
    with gql_settings(GRAPHIQL=False):
        response = client.get("/graphql/", HTTP_HOST="testserver", HTTP_ACCEPT="text/html")
        assert response.status_code == 400 and b"<html" not in response.content.lower()
    with gql_settings(GRAPHIQL=True):
        response = client.get("/graphql/", HTTP_HOST="testserver", HTTP_ACCEPT="text/html")
        assert response.status_code == 200 and b"graphiql" in response.content.lower()


def test_session_posts_need_csrf_bearer_posts_do_not(tree):
    query = json.dumps({"query": "{ viewer { user { username } } }"})
    client = Client(enforce_csrf_checks=True)
    client.force_login(tree.fed_admin_a)
    refused = client.post("/graphql/", data=query, content_type="application/json", HTTP_HOST="testserver")
    assert refused.status_code == 403

    # The token a page gets from the CSRF cookie lets the same request through.
    client.get("/graphql/", {"query": "{ __typename }"}, HTTP_HOST="testserver")
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        "/graphql/",
        data=query,
        content_type="application/json",
        HTTP_HOST="testserver",
        HTTP_X_CSRFTOKEN=token,
    )
    assert allowed.status_code == 200
    assert allowed.json()["data"]["viewer"]["user"]["username"] == tree.fed_admin_a.username

    secret = client_for(tree.fed_admin_a).run(
        'mutation { apiTokenCreate(name: "t", scopes: [READ]) { secret } }'
    )["apiTokenCreate"]["secret"]
    bearer_client = Client(enforce_csrf_checks=True)
    by_token = bearer_client.post(
        "/graphql/",
        data=query,
        content_type="application/json",
        HTTP_HOST="testserver",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert by_token.status_code == 200
    assert by_token.json()["data"]["viewer"]["user"]["username"] == tree.fed_admin_a.username


def test_mutations_refused_over_get(tree):
    response = Client().get(
        "/graphql/",
        {"query": 'mutation { apiTokenCreate(name: "t", scopes: [READ]) { secret } }'},
        HTTP_HOST="testserver",
    )
    assert response.status_code == 405


def test_invalid_queries_answered_alike_on_every_request(tree):
    # Parsing and the standard rules are cached per query text; failures must not be, nor change the answer.
    api = client_for(tree.fed_admin_a)
    for _ in range(2):
        unknown = api.post("{ viewer { noSuchField } }")
        assert unknown.status_code == 400
        assert error_messages(unknown.json()) == ["Cannot query field 'noSuchField' on type 'Viewer'."]
        broken = api.post("{ viewer { user { username }")
        assert broken.status_code == 400
        assert error_messages(broken.json())[0].startswith("Syntax Error")
    for _ in range(2):
        assert api.run("{ viewer { user { username } } }") == {
            "viewer": {"user": {"username": tree.fed_admin_a.username}}
        }
