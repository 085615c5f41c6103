"""The /graphql/ endpoint on the public host and on every union's host.

CSRF: graphene's view is not csrf-exempt and we keep it that way, so a POST authenticated by the session cookie
must carry the CSRF token; the accounts middleware exempts Bearer-token requests (no ambient authority).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed
from django.utils.translation import gettext as _
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import (
    ExecutionContext,
    ExecutionResult,
    GraphQLError,
    OperationType,
    Undefined,
    execute,
    get_operation_ast,
    is_leaf_type,
    is_non_null_type,
    validate,
)

from .context import GraphQLContext
from .errors import format_error
from .limits import InvalidDocument, checked_document, request_rules
from .nul import nul_argument_error


class SyncExecutionContext(ExecutionContext):
    """Every resolver of this schema is synchronous (the view is a sync Django view), so no value is ever awaitable:
    skip graphql-core's awaitable test, which runs for every field and list item."""

    @staticmethod
    def is_awaitable(value) -> bool:
        return False

    def complete_list_value(self, return_type, field_nodes, info, path, result):
        """Lists of scalars or enums (e.g. a roll-up's `values`: 1,000 units x a dozen figures) are serialised in
        one loop instead of a path, a completion and a type dispatch per item. Anything the loop does not handle
        plainly (a null in a non-null list, an error value, a failed serialisation) goes the standard way, which
        gives the exact located error."""
        item_type = return_type.of_type
        non_null = is_non_null_type(item_type)
        leaf_type = item_type.of_type if non_null else item_type
        if is_leaf_type(leaf_type) and isinstance(result, list | tuple):
            serialize = leaf_type.serialize
            completed = []
            for item in result:
                if item is None or item is Undefined:
                    if non_null:
                        break
                    completed.append(None)
                    continue
                if isinstance(item, Exception):
                    break
                try:
                    value = serialize(item)
                except Exception:  # noqa: BLE001 - the standard path below reports it with its location
                    break
                if value is None or value is Undefined:
                    break
                completed.append(value)
            else:
                return completed
        return super().complete_list_value(return_type, field_nodes, info, path, result)


class UnionHubGraphQLView(GraphQLView):
    batch = False  # one operation per request: batching would multiply every limit by the batch size
    execution_context_class = SyncExecutionContext

    def dispatch(self, request, *args, **kwargs):
        # Read per request (a new view instance serves each request) so settings overrides apply.
        self.graphiql = bool(settings.UNIONHUB_GRAPHQL.get("GRAPHIQL", False))
        return super().dispatch(request, *args, **kwargs)

    def get_context(self, request):
        return GraphQLContext(request)

    def parse_body(self, request):
        if self.get_content_type(request) == "application/json":
            try:
                body = json.loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise HttpError(HttpResponseBadRequest(_("请求体不是有效的JSON。"))) from None
            if isinstance(body, list):
                raise HttpError(HttpResponseBadRequest(_("不支持批量请求：每次请求只能包含一个查询。")))
            if not isinstance(body, dict):
                raise HttpError(HttpResponseBadRequest(_("请求体不是有效的GraphQL查询。")))
            return body
        return super().parse_body(request)

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        """graphene-django's steps, except that parsing and the standard validation rules (which depend on the
        query text alone) are cached per query text; the limits, which read the variables, run on every request."""
        if not query:
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        schema = self.schema.graphql_schema
        limits = request_rules(settings.UNIONHUB_GRAPHQL, variables)
        try:
            document = checked_document(
                schema, query, graphene_settings.MAX_VALIDATION_ERRORS, first_rules=limits
            )
        except InvalidDocument as invalid:
            return ExecutionResult(data=None, errors=invalid.errors)
        except GraphQLError as error:  # syntax error
            return ExecutionResult(errors=[error])

        operation_ast = get_operation_ast(document, operation_name)
        if (
            request.method.lower() == "get"
            and operation_ast is not None
            and operation_ast.operation != OperationType.QUERY
        ):
            if show_graphiql:
                return None
            raise HttpError(
                HttpResponseNotAllowed(
                    ["POST"],
                    f"Can only perform a {operation_ast.operation.value} operation from a POST request.",
                )
            )

        errors = validate(schema, document, limits)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        nul_error = nul_argument_error(operation_ast, variables)
        if nul_error is not None:
            return ExecutionResult(data=None, errors=[nul_error])
        try:
            return execute(
                schema,
                document,
                root_value=self.get_root_value(request),
                context_value=self.get_context(request),
                variable_values=variables,
                operation_name=operation_name,
                middleware=self.get_middleware(request),
                execution_context_class=self.execution_context_class,
            )
        except Exception as error:
            return ExecutionResult(errors=[error])

    @staticmethod
    def format_error(error):
        return format_error(error)


graphql_view = UnionHubGraphQLView.as_view()
