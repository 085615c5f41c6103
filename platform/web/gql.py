"""Writes from the web pages go through the GraphQL mutations, executed in-process with the page's request as
context: the same access checks, validation, Chinese error messages, transaction and audit entry as an API client
gets, without a second copy of any of it. (Reads use the selectors directly, with the same actor.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import graphql_sync

from api.core.context import GraphQLContext
from api.core.view import SyncExecutionContext
from api.schema import schema


@dataclass
class MutationResult:
    payload: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)  # [{"field", "code", "message"}]

    @property
    def ok(self) -> bool:
        return not self.errors


def run_mutation(request, document: str, variables: dict, *, field_name: str) -> MutationResult:
    """Run one mutation `document` as the signed-in user of `request`; `field_name` is the mutation's root field.

    Uploaded files stay on `request.FILES`, where mutations taking multipart uploads look for them."""
    result = graphql_sync(
        schema.graphql_schema,
        document,
        context_value=GraphQLContext(request),
        variable_values=variables,
        execution_context_class=SyncExecutionContext,
    )
    if result.errors:  # a bug in the page's document, or an unexpected exception (masked by the API as well)
        raise RuntimeError(f"{field_name}: {result.errors[0]}")
    payload = (result.data or {}).get(field_name) or {}
    return MutationResult(payload=payload, errors=list(payload.get("errors") or []))
