"""The /graphql/ view (see api.core.view); urls_common imports `graphql_view` from here."""

from api.core.view import UnionHubGraphQLView, graphql_view

__all__ = ["UnionHubGraphQLView", "graphql_view"]
