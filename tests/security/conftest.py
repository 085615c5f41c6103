"""Fixtures shared with other areas (imported, not copied)."""

from tests.support.graphql import tree  # noqa: F401
