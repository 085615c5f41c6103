"""The /graphql/ endpoint on the public host and on every union's host.

CSRF: graphene's view is not csrf-exempt and we keep it that way, so a POST authenticated by the session cookie
must carry the CSRF token; the accounts middleware exempts Bearer-token requests (no ambient authority).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
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

from audit.middleware import client_ip
from unionhub.ratelimit import rate_hit

from .context import GraphQLContext
from .errors import format_error
from .limits import InvalidDocument, checked_document, request_rules
from .nul import nul_argument_error

ANONYMOUS_RATE_PREFIX = "graphql-anonymous"


class TypedHttpError(HttpError):
    """A refusal before any GraphQL runs (bad body, too large, too many requests), answered as
    {"errors": [{"message", "extensions": {"code"}}]} with the HTTP status given."""

    def __init__(self, message: str, code: str, status: int = 400):
        super().__init__(HttpResponse(status=status), message)
        self.code = code


def _json_loads(text: str):
    """json.loads, with nesting beyond Python's recursion limit refused like any other invalid JSON (it was a 500)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


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
                body = _json_loads(request.body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise TypedHttpError(_("请求体不是有效的JSON。"), "invalid_json") from None
            if isinstance(body, list):
                raise TypedHttpError(_("不支持批量请求：每次请求只能包含一个查询。"), "batch_not_supported")
            if not isinstance(body, dict):
                raise TypedHttpError(_("请求体不是有效的GraphQL查询。"), "invalid_request")
            return body
        return super().parse_body(request)

    @staticmethod
    def get_graphql_params(request, data):
        variables = request.GET.get("variables") or data.get("variables")
        if isinstance(variables, str):
            try:
                _json_loads(variables)
            except ValueError:
                raise TypedHttpError(_("变量（variables）不是有效的JSON。"), "invalid_variables") from None
        return GraphQLView.get_graphql_params(request, data)

    @staticmethod
    def _refuse_anonymous_cheaply(request, query: str) -> None:
        """Anonymous callers can do little through the API, so their queries are kept small and counted per client
        address before any parsing or validation: a flood of large anonymous documents cost ~1 s of CPU each."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return
        config = settings.UNIONHUB_GRAPHQL
        window = int(config.get("ANONYMOUS_RATE_WINDOW", 60))
        limit = int(config.get("ANONYMOUS_RATE_PER_ADDRESS", 120))
        if not rate_hit(ANONYMOUS_RATE_PREFIX, client_ip(request) or "unknown", limit, window):
            raise TypedHttpError(_("请求过于频繁，请稍后再试。"), "rate_limited", status=429)
        max_chars = int(config.get("ANONYMOUS_MAX_CHARS", 2_000))
        if len(query) > max_chars:
            raise TypedHttpError(
                _("未登录时查询最长%(max)s个字符，请先登录。") % {"max": max_chars},
                "query_too_long",
                status=400,
            )

    def execute_graphql_request(self, request, data, query, variables, operation_name, show_graphiql=False):
        """graphene-django's steps, except that parsing and the standard validation rules (which depend on the
        query text alone) are cached per query text; the limits, which read the variables, run on every request."""
        if not query:
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, show_graphiql
            )
        self._refuse_anonymous_cheaply(request, query)
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
        if isinstance(error, TypedHttpError):
            return {"message": str(error.message), "extensions": {"code": error.code}}
        return format_error(error)


graphql_view = UnionHubGraphQLView.as_view()
