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
