"""Per-request loaders: list queries cost a fixed number of SQL statements, whatever the page size."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.graphql import client_for, make_union

UNIONS_WITH_PARENTS = "{ unions(first: 50) { edges { node { name parentNode { name } } } } }"
NODES_WITH_RELATIONS = """{ federationNodes(first: 50) { edges { node { name reportRecipientName
    parent { name } children { totalCount edges { node { name } } } } } } }"""


def count_queries(api, query) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        data = api.run(query)
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]
    return len(statements), data


def test_unions_with_parent_nodes_do_not_grow_with_the_page(tree):
    api = client_for(tree.fed_admin_a)
    few, data = count_queries(api, UNIONS_WITH_PARENTS)
    assert len(data["unions"]["edges"]) == 2
    for i in range(30):
        make_union(tree.township_a if i % 2 else tree.county_a, name=f"计数{i:02d}号工会")
    many, data = count_queries(api, UNIONS_WITH_PARENTS)
    assert len(data["unions"]["edges"]) == 32
    assert {e["node"]["parentNode"]["name"] for e in data["unions"]["edges"]} == {"甲县总工会", "甲镇工会"}
    assert many == few
    # session + user + role grants, the page, the parents in one batch.
    assert many <= 5


def test_node_tree_does_not_grow_with_the_page(tree):
    from federations.services import node_create

    api = client_for(tree.fed_admin_a)
    few, _ = count_queries(api, NODES_WITH_RELATIONS)
    for i in range(10):
        township = node_create(
            level="township", name=f"计数{i}镇", division_code="330122", parent=tree.county_a
        )
        node_create(level="service_station", name=f"计数{i}站", division_code="330122", parent=township)
    many, data = count_queries(api, NODES_WITH_RELATIONS)
    assert len(data["federationNodes"]["edges"]) == 22
    assert many == few
