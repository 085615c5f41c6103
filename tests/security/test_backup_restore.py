"""Backup and restore of one union's schema with the PostgreSQL tools (`pg_dump -n <schema>`, `pg_restore`).

A union's schema holds no foreign key into another schema (public tables never point into a union either), so
its dump is self-contained: it restores into an empty database, or in place after the damaged schema is moved
aside. Both are proven by comparing every table's row count and contents (a hash of the rows in order) and by
writing again through the services afterwards (sequences restored with the data).
"""

from __future__ import annotations

import os
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from membership import services as members
from organisation.services import branch_create
from scripts import devenv
from tests.factories import union_kwargs
from tests.support.members import make_id, member_kwargs

pytestmark = pytest.mark.django_db(transaction=True)


def pg_tool(name: str) -> str:
    """The tool matching the test database's server (scripts/devenv.py: the embedded server's own binaries, else
    PATH's after a version check); a mismatch fails with the line naming both versions, never pg_dump's abort."""
    try:
        return devenv.pg_tool(
            name, host=connection.settings_dict["HOST"] or None, server_version=connection.pg_version
        )
    except devenv.PgToolError as error:
        pytest.fail(str(error), pytrace=False)


def conninfo(dbname: str | None = None) -> dict:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or None,
        "dbname": dbname or db["NAME"],
    }


def tool_env() -> dict:
    env = dict(os.environ)
    if connection.settings_dict["PASSWORD"]:
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return env


def tool_args(info: dict) -> list[str]:
    return ["-h", info["host"], "-p", info["port"], "-U", info["user"], "-d", info["dbname"]]


def fingerprint(info: dict, schema: str) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of all rows in text form, sorted)} for every table of `schema`."""
    with psycopg.connect(**{k: v for k, v in info.items() if v is not None}, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
            )
        ]
        result = {}
        for table in tables:
            qualified = f'"{schema}"."{table}"'
            rows, digest = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {qualified} t"
            ).fetchone()
            result[table] = (rows, digest)
        return result


@pytest.fixture
def union(county):
    from federations.services import union_provision

    union = union_provision(parent_node=county, **union_kwargs(name="备份测试厂工会"))
    with schema_context(union.schema_name):
        workshop = branch_create(name="一车间分会")
        branch_create(name="一班组", kind="group", parent=workshop)
    for i in range(25):
        members.member_create(
            union=union, **member_kwargs(id_number=make_id(), branch=workshop if i % 2 else None)
        )
    yield union
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}" CASCADE')
        cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}_damaged" CASCADE')


@pytest.fixture
def dump(union, tmp_path):
    path = tmp_path / f"{union.schema_name}.dump"
    subprocess.run(
        [pg_tool("pg_dump"), *tool_args(conninfo()), "-n", union.schema_name, "-Fc", "-f", str(path)],
        check=True,
        env=tool_env(),
        timeout=60,
    )
    return path


def test_one_union_restores_into_an_empty_database(union, dump):
    original = fingerprint(conninfo(), union.schema_name)
    assert original["membership_member"][0] == 25 and original["organisation_branch"][0] == 2
    scratch = f"uh_restore_{uuid.uuid4().hex[:10]}"
    admin = conninfo("postgres")
    with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{scratch}"')
    try:
        subprocess.run(
            [
                pg_tool("pg_restore"),
                *tool_args(conninfo(scratch)),
                "--no-owner",
                "--exit-on-error",
                str(dump),
            ],
            check=True,
            env=tool_env(),
            timeout=60,
        )
        assert fingerprint(conninfo(scratch), union.schema_name) == original
    finally:
        with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_one_union_restores_in_place_and_keeps_working(union, dump):
    from membership.models import Member

    original = fingerprint(conninfo(), union.schema_name)
    # An accident after the backup: members deleted, a name overwritten.
    with schema_context(union.schema_name):
        Member.objects.filter(pk__in=Member.objects.order_by("pk").values("pk")[:5]).update(name="被改坏")
        Member.objects.filter(status="active").order_by("-pk")[:1].get().status_changes.all().delete()
    assert fingerprint(conninfo(), union.schema_name) != original

    # Restore: move the damaged schema aside (kept for investigation), restore the dump under the union's name.
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER SCHEMA "{union.schema_name}" RENAME TO "{union.schema_name}_damaged"')
    subprocess.run(
        [pg_tool("pg_restore"), *tool_args(conninfo()), "--no-owner", "--exit-on-error", str(dump)],
        check=True,
        env=tool_env(),
        timeout=60,
    )
    assert fingerprint(conninfo(), union.schema_name) == original

    # Sequences came back with the data: new rows get fresh keys.
    member = members.member_create(union=union, **member_kwargs(id_number=make_id()))
    with schema_context(union.schema_name):
        assert Member.objects.count() == 26 and member.pk > max(
            Member.objects.exclude(pk=member.pk).values_list("pk", flat=True)
        )
