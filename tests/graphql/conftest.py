"""Fixtures for GraphQL tests: a small federation tree with one user per role."""

from __future__ import annotations

import pytest

from federations.middleware import forget_host


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    forget_host()
    yield
    forget_host()


# The shared federation tree (also used by tests/security).
from tests.support.graphql import tree  # noqa: E402, F401
