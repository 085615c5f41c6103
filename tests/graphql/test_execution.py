"""The view's execution context serialises lists of scalars and enums in one loop (roll-up values); answers and
errors must be exactly graphql-core's, including nulls, bad values and errors inside the list."""

from decimal import Decimal

import graphene
import pytest
from graphql import ExecutionContext, execute, parse

from api.core.view import SyncExecutionContext


class Colour(graphene.Enum):
    RED = "red"
    BLUE = "blue"


LISTS = {
    "decimals": (graphene.List(graphene.Decimal), [Decimal("1.50"), None, Decimal("0")]),
    "required_decimals": (graphene.List(graphene.NonNull(graphene.Decimal)), [Decimal("2"), None]),
    "ints": (graphene.List(graphene.Int), [1, "not a number", 3]),
    "huge_ints": (graphene.List(graphene.NonNull(graphene.Int)), [1, 2**40]),
    "colours": (graphene.List(Colour), ["red", None, "blue"]),
    "bad_colours": (graphene.List(graphene.NonNull(Colour)), ["red", "green"]),
    "strings": (graphene.NonNull(graphene.List(graphene.NonNull(graphene.String))), ["a", 7, "c"]),
    "error_item": (graphene.List(graphene.Int), [1, ValueError("boom")]),
    "tuple_ints": (graphene.List(graphene.Int), (4, 5)),
    "empty": (graphene.List(graphene.NonNull(graphene.Int)), []),
}


def _schema() -> graphene.Schema:
    fields = {}
    for name, (field_type, value) in LISTS.items():
        fields[name] = graphene.Field(field_type)
        fields[f"resolve_{name}"] = staticmethod(lambda root, info, value=value: value)
    return graphene.Schema(query=type("Query", (graphene.ObjectType,), fields))


@pytest.mark.parametrize("name", sorted(LISTS))
def test_scalar_lists_complete_exactly_as_graphql_core(name):
    schema = _schema().graphql_schema
    document = parse(f"{{ {name} }}")

    fast = execute(schema, document, execution_context_class=SyncExecutionContext)
    standard = execute(schema, document, execution_context_class=ExecutionContext)

    assert fast.data == standard.data
    assert [error.formatted for error in fast.errors or []] == [
        error.formatted for error in standard.errors or []
    ]


def test_decimal_values_are_strings_and_nulls_stay():
    result = execute(
        _schema().graphql_schema, parse("{ decimals }"), execution_context_class=SyncExecutionContext
    )
    assert result.errors is None
    assert result.data == {"decimals": ["1.50", None, "0"]}
