"""The /graphql/ endpoint on the public host and on every union's host.

CSRF: graphene's view is not csrf-exempt and we keep it that way, so a POST authenticated by the session cookie
must carry the CSRF token; the accounts middleware exempts Bearer-token requests (no ambient authority).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _
from graphene_django.views import GraphQLView, HttpError

from .context import GraphQLContext
from .errors import format_error
from .limits import validation_rules


class UnionHubGraphQLView(GraphQLView):
    batch = False  # one operation per request: batching would multiply every limit by the batch size

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
        self.validation_rules = validation_rules(settings.UNIONHUB_GRAPHQL, variables)
        return super().execute_graphql_request(request, data, query, variables, operation_name, show_graphiql)

    @staticmethod
    def format_error(error):
        return format_error(error)


graphql_view = UnionHubGraphQLView.as_view()
