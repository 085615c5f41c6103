"""Shared fixtures. Every test runs against a real PostgreSQL (DATABASE_URL, or the one started by scripts/test)."""

import pytest


@pytest.fixture
def county(db):
    from federations.services import node_create

    return node_create(level="county", name="示范县总工会", division_code="330122")
