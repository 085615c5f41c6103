"""Every mutation fuzzed from the schema: strategies are derived from each mutation's argument types, so a mutation
added later is fuzzed without editing this file.

Each mutation first runs once with the walked, valid-looking values of tests/support/isolation.py on the world of
the audit walk (`build_admin_world`: one object of every domain, a platform admin who may run every mutation), to
find the host it runs on and a call that succeeds (the seed). The examples then run as that admin on that host,
each argument either the seed's value or an awkward one of its type, so inputs get past access checks into
validation. For every example: no 5xx, no internal error or traceback, and a refused mutation wrote nothing (every table of the
public schema and of every union schema keeps its fingerprint).

FUZZ_EXAMPLES (default 4) examples per mutation, derandomized; `FUZZ_EXAMPLES=100 FUZZ_RANDOM=1` explores.
"""

from __future__ import annotations

import base64
import datetime
import json
import os

import pytest
from django.db import connection, transaction
from django.test import Client
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
)
from graphql_relay import to_global_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.core.ids import to_tenant_global_id
from tests.support.fuzz import awkward_text, int32
from tests.support.isolation import VALUE_HINTS, build_admin_world, calls_for_schema, operation_document

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
)

# Written whatever the outcome: sessions on login. The audit log is compared too, since a refused mutation is
# rolled back with its audit entry (BaseMutation.after_success runs inside the mutation's transaction).
UNFINGERPRINTED_TABLE_PREFIXES = ("django_session",)


def _mutations() -> dict:
    from api.schema import schema

    return schema.graphql_schema.mutation_type.fields


# --- the world -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _world_once(django_db_setup, django_db_blocker):
    """Built once for this module inside a transaction rolled back at its end; each test runs in its own savepoint
    (pytest-django's `db`), so one mutation's examples never see another's writes."""
    with django_db_blocker.unblock(), transaction.atomic(), pytest.MonkeyPatch.context() as monkeypatch:
        world = build_admin_world(monkeypatch)
        from api.schema import schema

        calls = calls_for_schema(schema.graphql_schema, world["ids"], optional_id_variants=True)
        world["walk"] = _successful_calls(world, [call for call in calls if call.kind == "mutation"])
        world["tables"] = _tables()
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_once, db):
    return _world_once


def _tables() -> list[str]:
    """Every table of the public schema and of every union's schema (the world's unions, nothing else exists)."""
    from federations.models import Union

    schemas = ["public", *Union.objects.values_list("schema_name", flat=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p') ORDER BY 1, 2
            """,
            [schemas],
        )
        return [
            f'"{schema}"."{table}"'
            for schema, table in cursor.fetchall()
            if not table.startswith(UNFINGERPRINTED_TABLE_PREFIXES)
        ]


def fingerprint(tables: list[str]) -> dict[str, tuple]:
    """Row count and md5 of the rows of each table, in one round trip."""
    query = " UNION ALL ".join(
        f"SELECT '{table}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
        f"FROM {table} t"
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(query)
        return {name: (count, digest) for name, count, digest in cursor.fetchall()}


def _post(client: Client, host: str, document: str, variables: dict):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": document, "variables": variables}),
        content_type="application/json",
        HTTP_HOST=host,
    )
    connection.set_schema_to_public()
    return response


def _succeeded(response, field_name: str) -> bool:
    payload = ((response.json() if response.content else {}).get("data") or {}).get(field_name)
    return bool(payload) and payload.get("errors") == []


def _successful_calls(world, calls) -> list[tuple[str, object]]:
    """The audit walk (every walked mutation call on each host, in order, on one world), rolled back: the
    (host, call) pairs that succeeded. Replaying them in order rebuilds the walk's states."""
    client = Client()
    client.force_login(world["admin"])
    succeeded = []
    with transaction.atomic():
        for host in world["hosts"]:
            for call in calls:
                if _succeeded(_post(client, host, call.document, call.variables), call.field):
                    succeeded.append((host, call))
        transaction.set_rollback(True)
    return succeeded


def _seed(world, client: Client, field_name: str):
    """(host, variables) of a walked call of this mutation that succeeds, or None.

    Tried first on the world as built, each try in a rolled-back savepoint. A mutation that needs an earlier one
    (a notice is approved after it is published) is then reached as the audit walk reached it: the walk's
    successful calls replayed in order and kept, until this mutation's succeeds (that one rolled back, so the
    examples start just before it)."""
    for replay in (False, True):
        for host, call in world["walk"]:
            if call.field != field_name:
                if replay:
                    _post(client, host, call.document, call.variables)
                continue
            with transaction.atomic():
                response = _post(client, host, call.document, call.variables)
                transaction.set_rollback(True)
            if _succeeded(response, field_name):
                return host, call.variables
    return None


# --- strategies derived from the argument types -----------------------------------------------------------------

decimal_strings = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9).map(
        str
    ),
    st.sampled_from(
        ["0", "-1", "0.001", "1e309", "NaN", "Infinity", "-0", "12.345678901234567890", "1,5", ""]
    ),
    awkward_text,
)
dates = st.one_of(
    st.dates().map(datetime.date.isoformat),  # year 1 to 9999: far past and far future
    st.sampled_from(["2024-02-30", "0000-00-00", "2024-13-01", "", "today", "2024/03/01"]),
    awkward_text,
)
date_times = st.one_of(
    st.datetimes(timezones=st.just(datetime.UTC)).map(datetime.datetime.isoformat),
    st.datetimes().map(datetime.datetime.isoformat),  # naive
    st.sampled_from(["2024-02-30T00:00:00", "", "not a time"]),
)
int_values = st.one_of(int32, st.sampled_from([0, -1, 1, 2**31 - 1, -(2**31)]))
scalars = {
    "String": awkward_text,
    "Int": int_values,
    "BigInt": st.one_of(int_values, st.integers(min_value=-(2**63), max_value=2**63 - 1)),
    "Float": st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0.0, -1.0, 1e308])),
    "Decimal": decimal_strings,
    "Boolean": st.booleans(),
    "Date": dates,
    "DateTime": date_times,
    "GenericScalar": st.one_of(awkward_text, int32, st.dictionaries(awkward_text, awkward_text, max_size=2)),
}


def id_strategy(world, seed_ids: list[str]) -> st.SearchStrategy:
    """The seed call's ids (the right type), any of the world's ids (often the wrong type), well-formed ids of
    objects that do not exist, garbage base64 and plain text."""
    union_pk = world["union"].pk
    return st.one_of(
        *([st.sampled_from(seed_ids)] if seed_ids else []),
        st.sampled_from(world["ids"]),
        st.builds(
            to_global_id, st.sampled_from(["Union", "FederationNode", "Drive"]), st.integers(-5, 10**9)
        ),
        st.builds(
            lambda type_, pk: to_tenant_global_id(type_, union_pk, pk),
            st.sampled_from(["Member", "Branch"]),
            st.integers(-5, 10**9),
        ),
        st.builds(lambda raw: base64.b64encode(raw.encode()).decode(), awkward_text),
        awkward_text,
    )


def _ids_in(value) -> list[str]:
    if isinstance(value, dict):
        return [i for item in value.values() for i in _ids_in(item)]
    if isinstance(value, list):
        return [i for item in value for i in _ids_in(item)]
    return [value] if isinstance(value, str) else []


def value_strategy(type_, name: str, seed, ids: st.SearchStrategy, depth: int = 0) -> st.SearchStrategy:
    """Values of `type_` for an argument or input field called `name`: the seed's value or an awkward one."""
    nullable = not is_non_null_type(type_)
    strategy = _awkward_value(type_ if nullable else type_.of_type, name, seed, ids, depth)
    if seed is not None:
        strategy = st.one_of(st.just(seed), strategy)
    return st.one_of(strategy, st.none()) if nullable else strategy


def _awkward_value(type_, name: str, seed, ids: st.SearchStrategy, depth: int) -> st.SearchStrategy:
    if is_list_type(type_):
        item_seed = seed[0] if isinstance(seed, list) and seed else None
        item = value_strategy(type_.of_type, name, item_seed, ids, depth)
        return st.lists(item, max_size=3)
    named = get_named_type(type_)
    if is_enum_type(named):
        assert isinstance(named, GraphQLEnumType)
        return st.sampled_from(list(named.values))
    if is_input_object_type(named):
        assert isinstance(named, GraphQLInputObjectType)
        seed = seed if isinstance(seed, dict) else {}
        fields = {
            field_name: value_strategy(field.type, field_name, seed.get(field_name), ids, depth + 1)
            for field_name, field in named.fields.items()
            if depth < 3 or is_non_null_type(field.type)
        }
        required = {k: v for k, v in fields.items() if is_non_null_type(named.fields[k].type)}
        optional = {k: v for k, v in fields.items() if k not in required}
        return st.fixed_dictionaries(required, optional=optional)
    if named.name == "ID":
        return ids
    base = scalars.get(named.name, awkward_text)
    if name in VALUE_HINTS:  # a plausible value beside the awkward ones
        base = st.one_of(st.builds(VALUE_HINTS[name]), base)
    return base


def variables_strategy(world, field, seed_variables: dict) -> st.SearchStrategy:
    """All arguments: required ones always, optional ones sometimes (left out, null or a value)."""
    ids = id_strategy(world, _ids_in(seed_variables))
    required, optional = {}, {}
    for arg_name, arg in field.args.items():
        strategy = value_strategy(arg.type, arg_name, seed_variables.get(arg_name), ids)
        (required if is_non_null_type(arg.type) else optional)[arg_name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


# --- the test --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field_name", sorted(_mutations()))
def test_mutation_survives_awkward_input(world, field_name):
    example = Example(world, field_name)

    @fuzz
    @given(variables=variables_strategy(world, example.field, example.seed_variables))
    def run(variables):
        example.check(variables)

    run()


class Example:
    """One mutation run as the admin on its host: seeded on creation, then `check` per example."""

    def __init__(self, world, field_name: str):
        self.world, self.field_name = world, field_name
        self.field = _mutations()[field_name]
        self.client = Client()
        self.client.force_login(world["admin"])
        seed = _seed(world, self.client, field_name)
        # The audit walk makes every mutation succeed once (tests/audit/test_mutation_audit.py): give it the values.
        assert seed is not None, (
            f"{field_name} never succeeded with the walked values: add a VALUE_HINTS entry"
        )
        self.host, self.seed_variables = seed
        self.document = operation_document("mutation", field_name, self.field, list(self.field.args))
        self.before = fingerprint(world["tables"])

    def check(self, variables: dict) -> None:
        """No 5xx, no internal error or traceback; refused means nothing written anywhere."""
        response = _post(self.client, self.host, self.document, variables)
        context = (self.field_name, self.host, variables)
        assert response.status_code < 500, (*context, response.status_code)
        text = response.content.decode()
        assert "Traceback" not in text, (*context, text[:2000])
        body = json.loads(text) if text else {}
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
        assert "internal_error" not in codes, (*context, body)
        payload = (body.get("data") or {}).get(self.field_name)
        after = fingerprint(self.world["tables"])
        if payload is None or payload.get("errors"):
            changed = sorted(t for t in after if after[t] != self.before.get(t))
            assert not changed, (*context, body, "refused but wrote to", changed)
        for error in (payload or {}).get("errors") or []:
            assert error["code"] and error["message"], (*context, error)
        self.before = after


def test_the_check_catches_a_partial_write(world, monkeypatch):
    """Control: a mutation that wrote and then answered with errors, its transaction gone, fails the check."""
    import contextlib
    import types

    from api.organisation.mutations import BranchCreate
    from unionhub.errors import DomainValidationError, FieldError

    perform = BranchCreate.perform.__func__

    def perform_then_refuse(cls, info, context, **arguments):
        perform(cls, info, context, **arguments)
        raise DomainValidationError([FieldError("name", "invalid", "拒绝")])

    example = Example(world, "branchCreate")
    monkeypatch.setattr(BranchCreate, "perform", classmethod(perform_then_refuse))
    monkeypatch.setattr(
        "api.core.mutations.transaction", types.SimpleNamespace(atomic=contextlib.nullcontext)
    )
    with pytest.raises(AssertionError, match="refused but wrote to"):
        example.check(example.seed_variables)


# --- found by this fuzzer ------------------------------------------------------------------------------------------

TOKEN_CREATE = """mutation($expiresAt: DateTime) { apiTokenCreate(name: "看板", scopes: [READ], expiresAt: $expiresAt) {
  errors { field code } token { expiresAt } } }"""


@pytest.mark.parametrize(
    "expires_at, expected",
    [
        # Compared with an aware "now" in the service: a TypeError (internal_error) before.
        ("2000-01-01T00:00:00", {"errors": [{"field": "expiresAt", "code": "in_past"}], "token": None}),
        # Read in the project's time zone (Asia/Shanghai), as Django's forms read a time without offset.
        ("2099-01-01T08:00:00", {"errors": [], "token": {"expiresAt": "2099-01-01T08:00:00+08:00"}}),
    ],
)
def test_a_date_time_without_offset_is_read_in_the_project_time_zone(world, expires_at, expected):
    from tests.support.isolation import PUBLIC_HOST

    client = Client()
    client.force_login(world["admin"])
    before = fingerprint(world["tables"])
    body = _post(client, PUBLIC_HOST, TOKEN_CREATE, {"expiresAt": expires_at}).json()
    assert body == {"data": {"apiTokenCreate": expected}}
    assert (fingerprint(world["tables"]) == before) is bool(expected["errors"])


@pytest.mark.parametrize(
    "field_name, path, value, expected",
    [
        # Quantizing 1e309 to cents raised decimal.InvalidOperation (internal_error) before the bound was checked.
        ("assessmentStandardCreate", ("input", "baseMaxPoints"), "1e309", ("baseMaxPoints", "invalid")),
    ],
)
def test_refused_input_found_by_fuzzing(world, field_name, path, value, expected):
    """The seed call with one value replaced answers a field error and writes nothing."""
    example = Example(world, field_name)
    variables = json.loads(json.dumps(example.seed_variables))
    target = variables
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    example.check(variables)  # no internal error, nothing written
    body = _post(example.client, example.host, example.document, variables).json()
    errors = body["data"][field_name]["errors"]
    assert expected in [(error["field"], error["code"]) for error in errors], errors
