"""Schemathesis hooks (SCHEMATHESIS_HOOKS=bench.schemathesis_hooks): strategies for our custom scalars."""

import schemathesis
from hypothesis import strategies as st
from hypothesis_graphql import nodes

# graphene's Decimal reads string (and int) literals; money amounts and scores.
schemathesis.graphql.scalar(
    "Decimal",
    st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=2).map(
        lambda value: nodes.String(str(value))
    ),
)


@schemathesis.check
def no_internal_error(ctx, response, case):
    """A 5xx, or a GraphQL error our server labels `internal_error` (graphql/api/core/errors.py: every unexpected
    exception is answered so). Used instead of the built-in not_a_server_error, whose GraphQL heuristic (ST113)
    counts every resolver error that carries a `path` as a server error, including our typed client errors such as
    `invalid_page_size` or `invalid_cursor` for out-of-range arguments."""
    if response.status_code >= 500:
        raise AssertionError(f"server error: HTTP {response.status_code}")
    try:
        payload = response.json()
    except ValueError:
        return None
    errors = payload.get("errors") if isinstance(payload, dict) else None
    for error in errors or []:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and extensions.get("code") == "internal_error":
            raise AssertionError(f"internal error at {error.get('path')}: {error.get('message')}")
    return None
