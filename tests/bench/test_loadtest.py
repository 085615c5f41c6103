"""bench/loadtest.py against a live gunicorn on a tiny county: every kind of traffic runs without errors and the
mutations really write. No timing asserts (speed figures live in bench/results/loadtest.json)."""

import uuid
from urllib.parse import urlparse

import pytest
from django.db import connection

from bench.loadtest import MIX, load_test, plan_build
from bench.scale import build_county, identity_number
from people.identity import id_hash
from people.models import PersonMembership

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tiny_county(transactional_db):
    county = build_county(
        2, 10, townships=2, name=f"负载测试县{uuid.uuid4().hex[:6]}", union_admins=2, log=lambda line: None
    )
    yield county
    # Schemas outlive a transactional test's flush.
    with connection.cursor() as cursor:
        for schema in county.schema_names:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_load_test_exercises_every_kind_without_errors(tiny_county):
    plan = plan_build(tiny_county)
    first_identity = plan["identity_next"]
    # The server runs as its own process on the test database (committed rows: transactional test).
    database_url = urlparse(_database_url())._replace(path="/" + connection.settings_dict["NAME"]).geturl()

    result = load_test(
        plan, clients=4, duration=4, think=0.1, workers=2, threads=1, database_url=database_url
    )

    assert result["overall"]["errors"] == 0, result["error_samples"]
    assert result["overall"]["n"] > 0
    for kind in {kind for kind, _ in MIX.values()}:
        assert result["kinds"][kind]["n"] > 0, f"no {kind} traffic"
    # Every identity number handed out (warm-up and timed run) belongs to a member now, in the person index.
    handed_out = range(first_identity, plan["identity_next"])
    assert len(handed_out) >= result["operations"].get("member_create", {}).get("n", 0) + 1
    hashes = [id_hash(identity_number(tiny_county.county_id, n)) for n in handed_out]
    assert PersonMembership.objects.filter(id_hash__in=hashes).count() == len(hashes)


def _database_url() -> str:
    import os

    return os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/unionhub"
