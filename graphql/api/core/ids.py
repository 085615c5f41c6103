"""Global ids ("Type:pk" in base64, the Relay convention). The one place that encodes and decodes them."""

from __future__ import annotations

from graphql_relay import from_global_id as _relay_from_global_id
from graphql_relay import to_global_id as _relay_to_global_id

# GraphQL type names that carry global ids; the isolation harness and tests build ids with these.
FEDERATION_NODE = "FederationNode"
UNION = "Union"
API_TOKEN = "ApiToken"


def to_global_id(type_name: str, pk) -> str:
    return _relay_to_global_id(type_name, str(pk))


def decode_global_id(global_id, expected_type: str) -> int | None:
    """The integer pk in `global_id` when it names `expected_type`; None for anything else (malformed,
    another type, not a positive integer). Callers treat None as "not found"."""
    if not isinstance(global_id, str) or not global_id:
        return None
    try:
        type_name, raw_pk = _relay_from_global_id(global_id)
    except Exception:  # malformed base64 / text: same answer as an unknown id
        return None
    if type_name != expected_type or not (raw_pk.isascii() and raw_pk.isdigit()):
        return None
    pk = int(raw_pk)
    # Beyond bigint the database would raise; such an id cannot exist.
    return pk if 0 < pk < 2**63 else None


def global_id_type(global_id) -> str | None:
    """The type name inside a global id, or None when it is malformed."""
    if not isinstance(global_id, str):
        return None
    try:
        type_name, _ = _relay_from_global_id(global_id)
    except Exception:
        return None
    return type_name or None


# Rows of a union's own schema (members, branches, ...) have per-schema primary keys, so their global ids carry
# the union too ("Member:<union id>:<pk>"): globally unique, and an id from one union never names a row of another.


def to_tenant_global_id(type_name: str, union_id, pk) -> str:
    return _relay_to_global_id(type_name, f"{union_id}:{pk}")


def decode_tenant_global_id(global_id, expected_type: str, union_id) -> int | None:
    """The pk in a tenant global id of `expected_type` issued by union `union_id`; None otherwise."""
    if not isinstance(global_id, str) or not global_id or union_id is None:
        return None
    try:
        type_name, raw = _relay_from_global_id(global_id)
    except Exception:
        return None
    union_part, _, raw_pk = raw.partition(":")
    if type_name != expected_type or union_part != str(union_id):
        return None
    if not (raw_pk.isascii() and raw_pk.isdigit()):
        return None
    pk = int(raw_pk)
    return pk if 0 < pk < 2**63 else None
