"""U+0000 in arguments. PostgreSQL text cannot hold it, so a NUL reaching a filter or a write fails deep in the
database driver as an internal error. Mutations refuse it as a field error in their payload (core.mutations);
queries refuse it here, before execution, as a GraphQL error naming the variable or argument."""

from __future__ import annotations

from django.utils.translation import gettext as _
from graphql import (
    BREAK,
    GraphQLError,
    ListValueNode,
    ObjectValueNode,
    OperationType,
    StringValueNode,
    Visitor,
    visit,
)


def field_with_nul(value, name: str | None = None) -> str | None:
    """The (innermost) argument name whose value holds a NUL character anywhere, else None."""
    if isinstance(value, str):
        return (name or "__all__") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = field_with_nul(item, key)
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for item in value:
            found = field_with_nul(item, name)
            if found is not None:
                return found
    return None


def nul_argument_error(operation, variables: dict | None) -> GraphQLError | None:
    """For a query (not a mutation: BaseMutation answers those in its payload), an error naming the variable or
    argument that holds a NUL, else None. Checked once per request, before execution, so no field pays for it."""
    if operation is None or operation.operation == OperationType.MUTATION:
        return None
    name = field_with_nul(variables or {})
    if name is None:
        name = _literal_with_nul(operation)
    if name is None:
        return None
    return GraphQLError(
        _("参数 %(field)s 中含有不允许的空字符（U+0000）。") % {"field": name},
        extensions={"code": "invalid_characters", "field": name},
    )


def _literal_with_nul(operation) -> str | None:
    """The argument whose inline string literal (at any depth, in lists and input objects) holds a NUL."""
    found: list[str] = []

    class Finder(Visitor):
        def enter_argument(self, node, *_args):
            if _value_has_nul(node.value):
                found.append(node.name.value)
                return BREAK
            return None

    visit(operation, Finder())
    return found[0] if found else None


def _value_has_nul(node) -> bool:
    if isinstance(node, StringValueNode):
        return "\x00" in node.value
    if isinstance(node, ListValueNode):
        return any(_value_has_nul(item) for item in node.values)
    if isinstance(node, ObjectValueNode):
        return any(_value_has_nul(field.value) for field in node.fields)
    return False
