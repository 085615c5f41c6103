"""The committed SDL (graphql/schema.graphql) must match the code: clients and reviewers read the file."""

from __future__ import annotations

from pathlib import Path

from graphql import print_schema

SDL_PATH = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"
REGENERATE = (
    ".venv/bin/python manage.py graphql_schema --schema api.schema.schema --out graphql/schema.graphql"
)


def test_committed_sdl_matches_the_schema():
    from api.schema import schema

    printed = print_schema(schema.graphql_schema).strip()
    committed = SDL_PATH.read_text(encoding="utf-8").strip() if SDL_PATH.exists() else ""
    assert printed == committed, (
        f"graphql/schema.graphql is out of date; regenerate it with:\n    {REGENERATE}"
    )


def test_global_id_helpers_round_trip():
    from api.core import ids

    global_id = ids.to_global_id(ids.UNION, 42)
    assert ids.decode_global_id(global_id, ids.UNION) == 42
    assert ids.decode_global_id(global_id, ids.FEDERATION_NODE) is None
    for junk in (
        "",
        "%%%",
        None,
        42,
        ids.to_global_id(ids.UNION, "-1"),
        ids.to_global_id(ids.UNION, "２"),
        ids.to_global_id(ids.UNION, str(2**63)),
    ):
        assert ids.decode_global_id(junk, ids.UNION) is None
