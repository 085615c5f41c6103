"""Fixtures shared with other areas (imported, not copied)."""

from tests.graphql.conftest import tree  # noqa: F401
