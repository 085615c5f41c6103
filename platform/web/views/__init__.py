"""The web UI: server-rendered pages for federation staff and union officers, one module per page area.

Reads call the same selectors as the GraphQL resolvers with the same `request.actor`, so a page shows what the API
would show that user; writes run the GraphQL mutations in-process (web.gql), so checks, errors and audit entries
are the API's own. The public host serves the federation dashboard; a union's host serves that union's pages.
"""
