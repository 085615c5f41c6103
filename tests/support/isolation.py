"""Walks the GraphQL schema and builds calls for every root query and mutation.

Nothing here names an operation: new fields are picked up as they are added. Arguments are filled with valid-looking
values (so a missing permission check would let the call succeed and be caught). Two walks use it:

- the audit and fuzz walks (`calls_for_schema`, `build_admin_world`): every mutation must succeed for the platform
  admin with these values;
- the isolation walk (tests/isolation/test_isolation.py with differential.py): every call an outsider sends must
  first reach the victim when an insider sends it (differential by construction).

Adding an operation: nothing to do when its arguments have obvious values. When a walk fails on it, the message
names the operation and what is missing; supply it here or in differential.py:

- a plain argument value (a name, a date, a code the service accepts): `VALUE_HINTS["argName"] = lambda: ...`
  below (by argument or input-field name; a list value replaces the whole list);
- which global-id type an ID argument takes, when its name does not tell ("parent", "unit", an `id` whose payload
  returns no node): `differential.ID_TYPES["operationName.path.to.arg"] = ("TypeName",)`;
- a query filter value that matches the victim (enums and booleans need none: every value is tried):
  `differential.FILTER_HINTS["operationName.argName"] = value or lambda world: ...`;
- an insider seed: the victim object the operation acts on (a new model) goes into the isolation world,
  `build_world` in tests/isolation/world.py (usually through the domain's tests/<app>/worlds.py
  `*_victim_objects`, returning its global ids and the strings only the victim may see); the audit world's
  through `*_audit_objects` in `build_admin_world`;
- an operation no insider can reach (a static catalogue, an anonymous form whose only credential is a signed link):
  `differential.UNREACHABLE["operationName"]` (or "operationName [id path]" / "[filter name]" for one variant)
  with a one-line reason; reviewers keep that list short.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLSchema,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
    is_union_type,
)
from graphql_relay import to_global_id

from tests.factories import credit_code, union_kwargs
from tests.support.worlds.modelworker_care import CARE_VALUE_HINTS
from tests.support.worlds.modelworkers import MODELWORKERS_VALUE_HINTS

_probe_numbers = itertools.count(1)

# A valid identity number (GB 11643 check character) used only by transfer probes.
TRANSFER_PROBE_ID_NUMBER = "110105198001017779"

# Plausible values by argument / input-field name: what a well-formed request would carry. Unknown names fall back to
# the type's generic value, so an operation added later is still walked.
VALUE_HINTS = {
    # Fresh each time, so one probe's success never makes the next fail as a duplicate.
    "creditCode": lambda: credit_code(),
    "slug": lambda: f"probe-union-{next(_probe_numbers)}",
    "divisionCode": lambda: "330102",
    "name": lambda: f"探针工会{next(_probe_numbers)}",
    "staffCount": lambda: 50,
    "femaleStaffCount": lambda: 10,
    "foundedOn": lambda: "2020-05-01",
    "expiresAt": lambda: "2030-01-01T00:00:00+08:00",
    "level": lambda: "township",
    "unitType": lambda: "enterprise",
    "ownershipType": lambda: "private",
    "unionKind": lambda: "single",
    "first": lambda: 5,
    "search": lambda: "",
    # Transfers: a person who holds membership in another union (the audit world has one; the isolation world none).
    "personIdNumber": lambda: TRANSFER_PROBE_ID_NUMBER,
    "employmentType": lambda: "regular",
    # Members and branches (a fresh valid identity number and card each time: duplicates would be refused).
    "idNumber": lambda: _probe_id_number(),
    "cardNumber": lambda: f"PROBE-{next(_probe_numbers)}",
    "phone": lambda: "13900000000",
    "joinDate": lambda: "2021-03-01",
    "toStatus": lambda: "retained",
    "reason": lambda: "retired",
    "effectiveOn": lambda: _today(),
    "month": lambda: "2024-03",
    "amount": lambda: "12.50",
    "paidOn": lambda: "2024-03-10",
    "kind": lambda: "branch",
    # Drives: target groups are employment types (a list of them; the hint is one element).
    "targetGroups": lambda: "migrant",
    # Imports: a small valid branches CSV (the ImportKind enum's first value is BRANCHES).
    "fileName": lambda: "分会.csv",
    "fileBase64": lambda: base64.b64encode(
        f"名称,类型\n探针分会{next(_probe_numbers)},分会\n".encode()
    ).decode(),
    # Self-assessment (selfassessment): an item code of the test standard (tests/support/selfassessment.py), a
    # PNG as evidence, and appraisal ratings within 1-5.
    "itemCode": lambda: "A1",
    "evidenceName": lambda: "佐证.png",
    "evidenceBase64": lambda: _probe_png(),
    **{
        f"rating{area}": lambda: 4
        for area in ("Organisation", "Rights", "Democracy", "Services", "Activities")
    },
    # Roll-up: a reporting year, a fresh month label per reportingPeriodOpen, one indicator.
    "period": lambda: "2026",
    "label": lambda: _probe_period_label(),
    "indicators": lambda: "members",
    # Assessment (assessment): a one-item 10-point standard without bonus (its item full-or-zero, mandatory,
    # veto and spot-check at once is valid), the veto item of tests/support/worlds/assessment.py, a whole pool in fen.
    "standardCode": lambda: f"probe-standard-{next(_probe_numbers)}",
    "year": lambda: _this_year(),
    "unitTypes": lambda: "enterprise",
    "baseMaxPoints": lambda: "10",
    "bonusCap": lambda: "0",
    "maxPoints": lambda: "10",
    "step": lambda: None,
    "passPoints": lambda: None,
    "bonus": lambda: False,
    "requiresLowerTitle": lambda: False,
    "vetoItemCode": lambda: "V1",
    "amountFen": lambda: 500000,
    # 公示: an objection received today (the walks' notice rounds run around today), a decision's number.
    "receivedOn": lambda: _today(),
    "decisionNumber": lambda: "探针工发〔2026〕1号",
    # Titles: the awarding node's own level (a higher body's title recorded here is the exception).
    "awardingLevel": lambda: None,
    "awardingBodyName": lambda: None,
    # Membership procedures: a talk, a group's view, a decision and a filing dated today; expulsion grounds.
    "talkedOn": lambda: _today(),
    "groupViewOn": lambda: _today(),
    "decidedOn": lambda: _today(),
    "filedOn": lambda: _today(),
    "grounds": lambda: "criminal",
    # Model-worker care: this month and today inside the walks' workers' terms, rule starts that never overlap.
    **CARE_VALUE_HINTS,
    # Model-worker registry: objections received today, attachments as a small PNG.
    **MODELWORKERS_VALUE_HINTS,
    # Reporting: deadlines within the walks' open reporting year 2027, the rule the audit union fails
    # (tests/support/worlds/reporting.py), delivery settings of the higher-level union.
    "dueOn": lambda: "2027-10-10",
    "ruleCode": lambda: "members_le_staff_retained",
    "emails": lambda: "tongji@probe.example.cn",
    "webhookUrl": lambda: "https://probe.example.cn/hooks/reports",
    "webhookSecret": lambda: "probe-webhook-secret-0123456789",
}


def _this_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


def _probe_period_label() -> str:
    from tests.support.worlds.rollup import probe_period_label

    return probe_period_label()


def _probe_png() -> str:
    from tests.support.selfassessment import PNG_BYTES

    return base64.b64encode(PNG_BYTES).decode()


def _probe_id_number() -> str:
    from tests.support.members import make_id

    return make_id(area="440305")


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


SCALAR_DEFAULTS = {
    "String": "探针",
    "Int": 7,
    "Float": 1.5,
    "Boolean": True,
    "Date": "2021-03-01",
    "DateTime": "2030-01-01T00:00:00+08:00",
    "Decimal": "1.00",
    "JSONString": "{}",
    "UUID": "00000000-0000-4000-8000-000000000000",
}

MAX_SELECTION_DEPTH = 3

# The host of the platform (federation) API; each union has its own (federations.services.union_host).
PUBLIC_HOST = "testserver"


@dataclass(frozen=True)
class Call:
    kind: str  # "query" | "mutation"
    field: str
    document: str
    variables: dict
    id_value: str | None = None  # the id every ID argument carries (None: the field takes none)


def _literal_value(type_, name: str, id_value: str | None, depth: int = 0, optional_ids: bool = True):
    """A JSON value for a variable of `type_` (already unwrapped of non-null by the caller or not).

    With `optional_ids=False`, optional input fields that take an ID are left out (see `calls_for_schema`)."""
    if is_non_null_type(type_):
        return _literal_value(type_.of_type, name, id_value, depth, optional_ids)
    if is_list_type(type_):
        hinted = VALUE_HINTS[name]() if name in VALUE_HINTS else None
        if isinstance(hinted, list):  # a whole list given by a hint (e.g. units mixing several ids)
            return hinted
        return [_literal_value(type_.of_type, name, id_value, depth, optional_ids)]
    named = get_named_type(type_)
    if is_enum_type(named):
        assert isinstance(named, GraphQLEnumType)
        return next(iter(named.values))
    if is_input_object_type(named):
        assert isinstance(named, GraphQLInputObjectType)
        if depth > 3:
            return {}
        return {
            field_name: _literal_value(field.type, field_name, id_value, depth + 1, optional_ids)
            for field_name, field in named.fields.items()
            if optional_ids or is_non_null_type(field.type) or not _needs_id(field.type, depth + 1)
        }
    if named.name == "ID":
        return id_value
    if name in VALUE_HINTS:
        return VALUE_HINTS[name]()
    return SCALAR_DEFAULTS.get(named.name, "探针")


def _needs_id(type_, depth: int = 0) -> bool:
    named = get_named_type(type_)
    if named.name == "ID":
        return True
    if is_input_object_type(named) and depth < 4:
        return any(_needs_id(field.type, depth + 1) for field in named.fields.values())
    return False


def _selection(type_, depth: int = 0) -> str:
    """A selection set asking for every leaf field down to MAX_SELECTION_DEPTH (connections included)."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if is_union_type(named):
        parts = [f"... on {member.name} {_selection(member, depth)}" for member in named.types]
        return "{ __typename " + " ".join(parts) + " }"
    if not (is_object_type(named) or is_interface_type(named)):
        return ""
    fields = []
    for field_name, field in named.fields.items():
        if any(is_non_null_type(arg.type) for arg in field.args.values()):
            continue  # nested fields with required arguments are reached through their own root operations
        child = get_named_type(field.type)
        if is_leaf_type(child):
            fields.append(field_name)
        elif depth < MAX_SELECTION_DEPTH:
            sub = _selection(child, depth + 1)
            if sub:
                fields.append(f"{field_name} {sub}")
    fields = fields or ["__typename"]
    return "{ " + " ".join(fields) + " }"


def _has_optional_id(type_, depth: int = 0) -> bool:
    """Whether leaving out optional ID fields changes the call: an optional ID argument or input field somewhere."""
    named = get_named_type(type_)
    if not is_input_object_type(named) or depth >= 4:
        return False
    return any(
        (not is_non_null_type(field.type) and _needs_id(field.type, depth + 1))
        or _has_optional_id(field.type, depth + 1)
        for field in named.fields.values()
    )


def _type_ref(type_) -> str:
    return str(type_)


def operation_document(kind: str, field_name: str, field, arg_names) -> str:
    """The document calling `field` with each of `arg_names` bound to a variable of the same name, selecting every
    leaf of its result (down to MAX_SELECTION_DEPTH)."""
    var_defs = [f"${name}: {_type_ref(field.args[name].type)}" for name in arg_names]
    arg_uses = [f"{name}: ${name}" for name in arg_names]
    header = f"{kind} Probe" + (f"({', '.join(var_defs)})" if var_defs else "")
    call = field_name + (f"({', '.join(arg_uses)})" if arg_uses else "")
    return f"{header} {{ {call} {_selection(field.type)} }}"


def _build(kind: str, field_name: str, field, id_value: str | None, optional_ids: bool = True) -> Call:
    variables = {}
    for arg_name, arg in field.args.items():
        optional = not is_non_null_type(arg.type)
        if optional and not _needs_id(arg.type) and arg_name not in VALUE_HINTS:
            continue  # optional filters are left out unless they aim at an object
        if optional and not optional_ids and _needs_id(arg.type) and not _has_optional_id(arg.type):
            continue
        variables[arg_name] = _literal_value(arg.type, arg_name, id_value, optional_ids=optional_ids)
    document = operation_document(kind, field_name, field, list(variables))
    return Call(kind=kind, field=field_name, document=document, variables=variables, id_value=id_value)


def calls_for_schema(
    schema: GraphQLSchema, id_values: list[str], *, optional_id_variants: bool = False
) -> list[Call]:
    """One call per root field, multiplied by the victim ids for fields that take an ID anywhere in their input.

    Every ID in one call carries the same id, so an operation with an optional second ID (a branch next to the
    member) could never succeed. With `optional_id_variants` (the audit walk, which needs each mutation to succeed)
    fields with optional IDs get a second call per id that leaves them out. The isolation walk does without: those
    calls carry fewer victim ids, and they would let a prober do legitimate work in its own union."""
    calls, seen = [], set()
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None:
            continue
        for field_name, field in root.fields.items():
            if field_name.startswith("__"):
                continue
            takes_id = any(_needs_id(arg.type) for arg in field.args.values())
            optional_id = optional_id_variants and any(
                (not is_non_null_type(arg.type) and _needs_id(arg.type)) or _has_optional_id(arg.type)
                for arg in field.args.values()
            )
            for id_value in id_values if takes_id else [None]:
                for optional_ids in (True, False) if optional_id else (True,):
                    call = _build(kind, field_name, field, id_value, optional_ids)
                    key = (call.document, repr(sorted(call.variables.items())))
                    if key not in seen:
                        seen.add(key)
                        calls.append(call)
    return calls


def build_admin_world(monkeypatch) -> dict:
    """A union with one object of every domain (the audit and fuzz walks' world) and a platform admin who may run
    every mutation: each one succeeds with the walked values on one of `hosts`. Hints the world needs (a join
    token, assessment and registry values) are set on VALUE_HINTS through `monkeypatch`."""
    from accounts.models import RoleGrant, User
    from accounts.services import api_token_create
    from federations.services import node_create, union_host, union_provision

    county = node_create(level="county", name="审计县总工会", division_code="330120")
    union = union_provision(parent_node=county, **union_kwargs(slug="audited-union", name="审计机械厂工会"))
    admin = User.objects.create_user(username="audit_platform_admin", password="x")
    RoleGrant.objects.create(user=admin, role="platform_admin")
    token, _ = api_token_create(user=admin, name="审计令牌", scopes=["read"])
    ids = [
        to_global_id("FederationNode", county.pk),
        to_global_id("Union", union.pk),
        to_global_id("ApiToken", token.pk),
    ]
    from tests.support.worlds.membership import membership_audit_objects
    from tests.support.worlds.transfers import transfer_audit_objects

    ids += membership_audit_objects(union)

    ids += transfer_audit_objects(union, parent_node=county)
    from tests.support.worlds.drives import drive_audit_objects

    drive_ids, join_token = drive_audit_objects(union)
    ids += drive_ids
    # joinByLink's token is a signed string, not an ID: hinted for this walk only.
    monkeypatch.setitem(VALUE_HINTS, "token", lambda: join_token)
    from tests.support.worlds.selfassessment import selfassessment_audit_objects

    assessment_ids, assessment_hints = selfassessment_audit_objects(union, county=county)
    ids += assessment_ids
    for name, hint in assessment_hints.items():
        monkeypatch.setitem(VALUE_HINTS, name, hint)
    from tests.support.worlds.assessment import assessment_audit_objects

    ids += assessment_audit_objects(union, county=county)
    # roundAddUnits needs a round id and a different (union) id; the walk passes one id to every ID argument.
    union_id = to_global_id("Union", union.pk)
    monkeypatch.setitem(VALUE_HINTS, "units", lambda: [{"union": union_id}])
    from tests.support.worlds.reporting import reporting_audit_objects

    ids += reporting_audit_objects(union)
    from tests.support.worlds.modelworker_care import care_audit_objects

    ids += care_audit_objects(union, county=county)
    from tests.support.worlds.modelworkers import modelworkers_audit_objects

    registry_ids, registry_hints = modelworkers_audit_objects(union, county=county)
    ids += registry_ids
    for name, hint in registry_hints.items():
        monkeypatch.setitem(VALUE_HINTS, name, hint)
    from tests.support.worlds.rollup import rollup_audit_objects

    ids += rollup_audit_objects(union, county=county)
    # Union-scoped mutations run on the union's own host; federation ones on the public host.
    return {"admin": admin, "ids": ids, "hosts": [PUBLIC_HOST, union_host(union.slug)], "union": union}


def root_field_names(schema: GraphQLSchema) -> set[str]:
    names = set()
    for root in (schema.query_type, schema.mutation_type):
        if root is not None:
            names.update(name for name in root.fields if not name.startswith("__"))
    return names


__all__ = [
    "Call",
    "build_admin_world",
    "operation_document",
    "calls_for_schema",
    "root_field_names",
    "VALUE_HINTS",
    "TRANSFER_PROBE_ID_NUMBER",
]
