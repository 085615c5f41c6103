"""Fixtures: a small county (two townships, unions with real schemas) for roll-up tests."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import union_kwargs


@pytest.fixture(autouse=True)
def _public_schema_after():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def township(county):
    from federations.services import node_create

    return node_create(level="township", name="城关镇工会", division_code="330122", parent=county)


@pytest.fixture
def street(county):
    from federations.services import node_create

    return node_create(level="street", name="东城街道工会", division_code="330122", parent=county)


@pytest.fixture
def make_union(db):
    from federations.services import union_provision, union_update_profile

    extra_fields = ("has_workers_congress", "has_affairs_disclosure", "fulltime_officer_count")

    def make(parent, **overrides):
        extras = {key: overrides.pop(key) for key in extra_fields if key in overrides}
        union = union_provision(parent_node=parent, **union_kwargs(**overrides))
        if extras:
            union = union_update_profile(union=union, **extras)
        return union

    return make


@pytest.fixture
def eager():
    """Run tasks in-process (as scripts/start does) for this test."""
    from jobs.celery_app import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
