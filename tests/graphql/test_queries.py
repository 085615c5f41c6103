"""Queries in both scopes: what each actor sees on the public host and on a union's host."""

from __future__ import annotations

from graphql_relay import to_global_id

from tests.support.graphql import client_for, gid, make_union, union_client

VIEWER = """
{ viewer {
    user { username fullName }
    roles { role roleLabel scopeName node { id name } union { id name } }
    visibleNodes { id name levelLabel }
} }
"""

UNIONS = """
query($node: ID, $unitType: UnitType, $search: String, $first: Int, $after: String) {
  unions(node: $node, unitType: $unitType, search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name unitType unitTypeLabel ownershipTypeLabel statusLabel parentNode { name } } }
  }
}
"""


def names(connection) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


def test_viewer_for_federation_admin(tree):
    data = client_for(tree.fed_admin_a).run(VIEWER)["viewer"]
    assert data["user"]["fullName"] == "甲县管理员"
    assert data["roles"] == [
        {
            "role": "FEDERATION_ADMIN",
            "roleLabel": "总工会管理员",
            "scopeName": "甲县总工会",
            "node": {"id": gid(tree.county_a), "name": "甲县总工会"},
            "union": None,
        }
    ]
    assert data["visibleNodes"] == [
        {"id": gid(tree.county_a), "name": "甲县总工会", "levelLabel": "县（区）总工会"}
    ]


def test_viewer_for_union_admin_on_public_and_union_host(tree):
    public = client_for(tree.union_admin_a1).run(VIEWER)["viewer"]
    assert [(r["role"], r["scopeName"], r["union"]["id"]) for r in public["roles"]] == [
        ("UNION_ADMIN", "甲县一厂工会", gid(tree.union_a1))
    ]
    assert public["visibleNodes"] == []

    on_host = union_client(tree.union_admin_a1, tree.union_a1).run(VIEWER)["viewer"]
    assert [(r["role"], r["union"]["name"]) for r in on_host["roles"]] == [("UNION_ADMIN", "甲县一厂工会")]
    assert on_host["visibleNodes"] == []
    current = union_client(tree.union_admin_a1, tree.union_a1).run(
        "{ currentUnion { id name unitTypeLabel parentNode { name } } }"
    )["currentUnion"]
    # A union host answers for its union; federation nodes are never shown there.
    assert current == {
        "id": gid(tree.union_a1),
        "name": "甲县一厂工会",
        "unitTypeLabel": "企业",
        "parentNode": None,
    }


def test_actor_without_role_on_union_host_gets_nothing(tree):
    for user in (tree.union_admin_a1, tree.fed_admin_b, tree.nobody, None):
        api = (
            union_client(user, tree.union_a2)
            if user
            else client_for(None, host=f"{tree.union_a2.slug}.unionhub.localhost")
        )
        data = api.run(
            "{ viewer { user { username } } currentUnion { id } unions { totalCount edges { node { id } } }"
            " federationNodes { totalCount } }"
        )
        assert data == {
            "viewer": None,
            "currentUnion": None,
            "unions": {"totalCount": 0, "edges": []},
            "federationNodes": {"totalCount": 0},
        }, user


def test_union_host_answers_for_that_union_only(tree):
    # The federation admin of county A sees both A-unions on the public host, but on union_a1's host only it.
    api = union_client(tree.fed_admin_a, tree.union_a1)
    data = api.run(UNIONS)
    assert names(data["unions"]) == ["甲县一厂工会"]
    other = api.run(
        "query($id: ID!) { union(id: $id) { id } node(id: $id) { id } }", {"id": gid(tree.union_a2)}
    )
    assert other == {"union": None, "node": None}
    assert api.run("query($id: ID!) { federationNode(id: $id) { id } }", {"id": gid(tree.county_a)}) == {
        "federationNode": None
    }


def test_tree_and_unions_visible_only_in_subtree(tree):
    api = client_for(tree.fed_admin_a)
    nodes = api.run("{ federationNodes { totalCount edges { node { name depth parent { name } } } } }")
    assert [e["node"] for e in nodes["federationNodes"]["edges"]] == [
        {"name": "甲县总工会", "depth": 0, "parent": None},
        {"name": "甲镇工会", "depth": 1, "parent": {"name": "甲县总工会"}},
    ]
    assert names(api.run(UNIONS)["unions"]) == ["甲县一厂工会", "甲镇二厂工会"]

    # Another federation's ids answer null / empty, exactly like ids that do not exist.
    probe = """query($n: ID!, $u: ID!) {
        federationNode(id: $n) { id } union(id: $u) { id } a: node(id: $n) { id } b: node(id: $u) { id }
        unions(node: $n) { totalCount } federationNodes(parent: $n) { totalCount } }"""
    for node_id, union_id in (
        (gid(tree.county_b), gid(tree.union_b1)),
        (to_global_id("FederationNode", 10**9), to_global_id("Union", 10**9)),
        ("garbage", "%%%"),
        (gid(tree.union_b1), gid(tree.county_b)),  # ids of the wrong type
    ):
        assert api.run(probe, {"n": node_id, "u": union_id}) == {
            "federationNode": None,
            "union": None,
            "a": None,
            "b": None,
            "unions": {"totalCount": 0},
            "federationNodes": {"totalCount": 0},
        }
    # Own ids resolve, through node() as well.
    own = api.run(probe, {"n": gid(tree.township_a), "u": gid(tree.union_a2)})
    assert own["federationNode"] == {"id": gid(tree.township_a)} and own["b"] == {"id": gid(tree.union_a2)}
    assert own["unions"] == {"totalCount": 1}


def test_unions_under_a_node_use_the_subtree(tree):
    api = client_for(tree.fed_staff_a)
    assert names(api.run(UNIONS, {"node": gid(tree.county_a)})["unions"]) == ["甲县一厂工会", "甲镇二厂工会"]
    assert names(api.run(UNIONS, {"node": gid(tree.township_a)})["unions"]) == ["甲镇二厂工会"]
    assert names(api.run(UNIONS, {"unitType": "GOVERNMENT"})["unions"]) == ["甲镇二厂工会"]
    assert names(api.run(UNIONS, {"search": "一厂"})["unions"]) == ["甲县一厂工会"]
    levels = api.run("{ federationNodes(level: TOWNSHIP) { edges { node { name } } } }")
    assert names(levels["federationNodes"]) == ["甲镇工会"]
    by_parent = api.run(
        "query($p: ID) { federationNodes(parent: $p) { totalCount } }", {"p": gid(tree.county_a)}
    )
    assert by_parent == {"federationNodes": {"totalCount": 1}}
    children = api.run(
        "query($id: ID!) { federationNode(id: $id) { children { edges { node { name levelLabel } } } } }",
        {"id": gid(tree.county_a)},
    )
    assert children["federationNode"]["children"]["edges"] == [
        {"node": {"name": "甲镇工会", "levelLabel": "乡镇工会"}}
    ]


def test_union_fields_and_labels(tree):
    node = client_for(tree.fed_admin_a).run(UNIONS, {"search": "二厂"})["unions"]["edges"][0]["node"]
    assert node == {
        "id": gid(tree.union_a2),
        "name": "甲镇二厂工会",
        "unitType": "GOVERNMENT",
        "unitTypeLabel": "机关",
        "ownershipTypeLabel": "国有",
        "statusLabel": "正常",
        "parentNode": {"name": "甲镇工会"},
    }


def test_union_admin_sees_own_union_but_not_the_tree(tree):
    api = client_for(tree.union_admin_a1)
    data = api.run(UNIONS)
    assert names(data["unions"]) == ["甲县一厂工会"]
    assert data["unions"]["edges"][0]["node"]["parentNode"] is None
    assert api.run("{ federationNodes { totalCount } }") == {"federationNodes": {"totalCount": 0}}


def test_anonymous_sees_nothing(tree):
    api = client_for(None)
    assert api.run(
        "{ viewer { user { username } } unions { totalCount } federationNodes { totalCount } }"
    ) == {
        "viewer": None,
        "unions": {"totalCount": 0},
        "federationNodes": {"totalCount": 0},
    }


def test_cursor_pagination(tree):
    for i in range(5):
        make_union(tree.county_a, name=f"甲县分页{i}号工会")
    api = client_for(tree.fed_admin_a)
    seen, after = [], None
    while True:
        page = api.run(UNIONS, {"search": "分页", "first": 2, "after": after})["unions"]
        assert page["totalCount"] == 5
        seen += names(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"甲县分页{i}号工会" for i in range(5)]

    too_many = api.raw(UNIONS, {"first": 101})
    assert too_many["errors"][0]["message"] == "分页参数 first 应在0到100之间。"
    bad_cursor = api.raw(UNIONS, {"after": "not-a-cursor"})
    assert "游标" in bad_cursor["errors"][0]["message"]


def test_unexpected_errors_are_masked(tree, monkeypatch):
    from federations import selectors

    def broken(**kwargs):
        raise RuntimeError("relation secret_table does not exist")

    monkeypatch.setattr(selectors, "union_list", broken)
    payload = client_for(tree.fed_admin_a).raw("{ unions { totalCount } }")
    assert [e["message"] for e in payload["errors"]] == ["服务器内部错误，请稍后重试。"]
    assert "secret_table" not in str(payload)
