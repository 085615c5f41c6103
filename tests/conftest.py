"""Shared fixtures. Every test runs against a real PostgreSQL (DATABASE_URL, or the one started by scripts/test)."""

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database (also a reused one) carries an up-to-date union template schema."""
    from federations.schema_template import template_schema_ensure

    with django_db_blocker.unblock():
        template_schema_ensure()


@pytest.fixture
def county(db):
    from federations.services import node_create

    return node_create(level="county", name="示范县总工会", division_code="330122")


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Per-process caches outlive a test's rolled-back transaction: the cache (joining-link rate-limit counters)
    and the host -> union lookup (a union re-created with the same slug must not be served as the old row)."""
    from django.core.cache import cache

    from federations.middleware import forget_host

    cache.clear()
    forget_host()
    yield
    forget_host()
