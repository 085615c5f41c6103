"""Fixtures: unions with real schemas (provisioned from the template, ~0.03 s each) for member tests."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import union_kwargs


@pytest.fixture(autouse=True)
def _public_schema_after():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def make_union(db, county):
    from federations.services import union_provision

    def make(**overrides):
        return union_provision(parent_node=county, **union_kwargs(**overrides))

    return make


@pytest.fixture
def union(make_union):
    return make_union(name="华锐机械厂工会")


@pytest.fixture
def other_union(make_union):
    return make_union(name="鼎盛纺织厂工会")
