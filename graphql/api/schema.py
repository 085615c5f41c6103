"""The one GraphQL schema, served on the public host and on every union's host (see api.core.view).

Regenerate the committed SDL after changing it:
    .venv/bin/python manage.py graphql_schema --schema api.schema.schema --out graphql/schema.graphql
"""

import graphene

from api.accounts.mutations import AccountMutations
from api.accounts.queries import AccountQueries
from api.core.types import Node
from api.federations.mutations import FederationMutations
from api.federations.queries import FederationQueries


class Query(AccountQueries, FederationQueries, graphene.ObjectType):
    node = Node.Field(
        description="Any object by its global id; null when it does not exist or is not visible."
    )


class Mutation(AccountMutations, FederationMutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
