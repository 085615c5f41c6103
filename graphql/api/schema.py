"""The one GraphQL schema, served on the public host and on every union's host."""

import graphene


class Query(graphene.ObjectType):
    ping = graphene.String()

    def resolve_ping(root, info):
        return "pong"


schema = graphene.Schema(query=Query)
