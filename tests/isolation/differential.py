"""The differential isolation walk: which calls to send, and whether an insider's answer shows the victim was reached.

How a case is built (see tests/support/isolation.py's docstring for how to add hints for a new operation):

- every ID leaf of an operation's arguments is a *slot* ("id", "input.member", "units.union"); the global-id types
  a slot takes come from ID_TYPES or from its name (see `slot_types`). One case per slot: the victim's id of that
  type in that slot, the caller's own ids in the other required slots (the victim's when the caller owns none of
  that type), optional slots left out;
- an operation whose slots are all optional also gets an id-less case (the host alone names the union);
- a query's optional non-id arguments are filters: one unfiltered case and one per filter, its value one that matches
  the victim (every enum value is tried; other types take FILTER_HINTS / VALUE_HINTS);
- `calibrate` runs every case as insiders (the victim's union admin on its host, its federation admin, the platform
  admin) inside a rolled-back savepoint. A query reaches the victim when its answer carries victim data, a mutation
  when it succeeds. Only reached cases are walked by outsiders; an operation, slot or filter that no insider reaches
  is a defect of the walk (UNREACHABLE lists the reviewed exceptions).
"""

from __future__ import annotations

import dataclasses
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from graphql import (
    GraphQLEnumType,
    get_named_type,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql_relay import from_global_id

from tests.support.isolation import SCALAR_DEFAULTS, VALUE_HINTS, operation_document

# Global-id types an ID slot takes, by "operation.path" or by the slot's last name. Slots not listed are inferred:
# "id"/"ids" take the node types the operation returns, any other name the node types ending in its last word
# ("destinationUnion" -> Union, "awardingNode" -> FederationNode, "worker" -> ModelWorker).
ID_TYPES: dict[str, tuple[str, ...]] = {
    "node.id": ("*",),  # any node
    "parent": ("FederationNode",),
    "branchCreate.input.parent": ("Branch",),
    "branchUpdate.input.parent": ("Branch",),
    "unit": ("Union", "FederationNode"),
    "owner": ("FederationNode",),
    "issuer": ("FederationNode",),
    "organiser": ("FederationNode",),
    "awardedBy": ("FederationNode",),
    "modelWorkerNotificationsMarkRead.ids": ("ModelWorkerNotification",),
    "publicNoticePublish.input.nominations": ("Nomination",),
    "participant": ("RoundParticipant",),
    "round": ("AssessmentRound",),
    "standard": ("AssessmentStandard",),
    "title": ("HomeTitle",),
    "snapshot": ("Snapshot",),
    "appraisalLink.participant": ("RoundParticipant",),
    "transferRequest.input.member": ("Member",),
    "selfAssessmentEvidenceDelete.id": ("SelfAssessmentEvidence",),
    "branchDelete.id": ("Branch",),
    "apiTokenRevoke.id": ("ApiToken",),
    "withdrawalProposalDecide.proposal": ("WithdrawalProposal",),
    "expulsionDecide.case": ("ExpulsionCase",),
    "expulsionFile.case": ("ExpulsionCase",),
    # The 职工之家 公示 objection, not the model-worker registry's "Objection".
    "assessmentObjectionResolve.objection": ("AssessmentObjection",),
}

# Values for query filters that match the victim, by "operation.argument" or argument name (enum filters need
# none: every value is tried). A callable receives the world.
FILTER_HINTS: dict[str, object] = {
    "days": 366,
    "depth": 1,
    # The victim's members never paid dues: a month behind matches them (0 is refused, the range is 1..1200).
    "arrearsMonths": 1,
    "since": "2000-01-01T00:00:00+08:00",
    "year": lambda world: world["filter_values"]["year"],
    "search": lambda world: world["filter_values"]["search"],
    "auditEntries.operation": lambda world: world["filter_values"]["audit_operation"],
    "awardBatches.year": lambda world: world["filter_values"]["batch_year"],
    "modelWorkerAssessments.year": lambda world: world["filter_values"]["year"],
    "modelWorkerBenefits.year": lambda world: world["filter_values"]["year"],
}

PAGING_ARGUMENTS = frozenset({"first", "after", "last", "before"})

# Operations (or "operation slot/filter" variants) no insider can reach with the walk's world, each with why. Keep
# it short: an entry here is an operation the walk does not prove isolated.
UNREACHABLE: dict[str, str] = {
    "indicators": "the static indicator catalogue: no tenant data to reach",
    "apiTokenCreate": "creates a token for the caller only; no argument names another tenant",
    "appraisalSubmit": "anonymous form whose only credential is a signed link (forgery: tests/selfassessment)",
    "appraisalCodeSend": "anonymous form whose only credential is a signed link, checked as appraisalSubmit's",
    "joinByLink": "anonymous form whose only credential is a signed link (forgery: tests/drives)",
    "transferRequest": "the destination asks for a person active elsewhere; cross-union cases: tests/transfers",
    "federationNodeCreate [no id]": "a node without a parent is refused for everyone (roots come from setup)",
    "driveJoinLink [id branch]": "a branch's link needs its union too, left out when the branch is aimed at",
    "logicChecks": "lists failing logic checks; the victim's figures fail none, so there is nothing to reach",
    "reportChecks": "lists failing report checks; the victim's report fails none, so there is nothing to reach",
    "modelWorkers [id batch]": "workers awarded by a batch; the world's batch has awarded none yet",
    "assessmentRanking [filter branches]": "the world's round is not scored: its ranking is empty either way",
    "assessmentRoundAddUnits [id units.branch]": "the world's standard does not apply to branches (小家)",
    "assessmentRoundOpen [id input.units.branch]": "the world's standard does not apply to branches (小家)",
    "driveCreate [id input.targets.branch]": "a target branch needs its union too, left out when the branch is aimed at",
    "driveUpdate [id input.targets.branch]": "a target branch needs its union too, left out when the branch is aimed at",
    "publicNoticePublish [id input.nominations]": "the world has no accepted nomination still to be published",
    "transferAccept [id branch]": "only the destination accepts; the world's victim is its transfer's origin",
}

OMIT = object()
PLACEHOLDER = "\x00id:"


@dataclass(frozen=True)
class Slot:
    path: str
    required: bool


@dataclass
class Case:
    kind: str
    field: str
    variant: str  # "id input.member=Member:..." | "no id" | "unfiltered" | "filter status=ACTIVE"
    document: str
    variables: dict  # with PLACEHOLDER strings in the other required id slots
    victim_id: str | None = None
    fills: dict = dataclasses.field(default_factory=dict)  # placeholder path -> accepted types
    reach_hosts: tuple = ()  # set by calibrate: the hosts where an insider reached the victim
    helpers: frozenset = frozenset()  # set by calibrate: access helpers the insiders' calls went through
    insider_answer: str = ""  # set by calibrate: the last insider's answer (shown when nothing reached)
    insider_codes: dict = dataclasses.field(
        default_factory=dict
    )  # host -> codes of a mutation reached by a rule

    @property
    def label(self) -> str:
        return f"{self.kind} {self.field} [{self.variant}]"

    def variables_for(self, own_ids: dict[str, str], victim_ids: dict[str, str]) -> dict:
        """The variables with each placeholder replaced by the caller's own id of an accepted type (else the
        victim's)."""

        def fill(value):
            if isinstance(value, str) and value.startswith(PLACEHOLDER):
                types = self.fills[value[len(PLACEHOLDER) :]]
                for type_name in types:
                    if type_name in own_ids:
                        return own_ids[type_name]
                for type_name in types:
                    if type_name in victim_ids:
                        return victim_ids[type_name]
                return "UHJvYmU6MA=="  # "Probe:0": no id of that type exists
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            if isinstance(value, list):
                return [fill(v) for v in value]
            return value

        return fill(self.variables)


def id_type(global_id: str) -> str:
    try:
        return from_global_id(global_id)[0]
    except Exception:
        return ""


def _slots(type_, path: str, required: bool, depth: int = 0) -> list[Slot]:
    named = get_named_type(type_)
    if named.name == "ID":
        return [Slot(path, required and is_non_null_type(type_))]
    if is_input_object_type(named) and depth < 4:
        required = required and is_non_null_type(type_)
        return [
            slot
            for name, sub in named.fields.items()
            for slot in _slots(sub.type, f"{path}.{name}", required, depth + 1)
        ]
    return []


def _camel_last_word(name: str) -> str:
    words = re.findall(r"[A-Z]?[a-z0-9]+", name)
    word = words[-1] if words else name
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _returned_node_types(kind: str, field, node_types: set[str]) -> tuple[str, ...]:
    named = get_named_type(field.type)
    if named.name in node_types:
        return (named.name,)
    if kind == "mutation" and is_object_type(named):
        return tuple(sorted({get_named_type(f.type).name for f in named.fields.values()} & node_types))
    return ()


def slot_types(kind: str, field_name: str, field, path: str, node_types: set[str]) -> tuple[str, ...]:
    leaf = path.rsplit(".", 1)[-1]
    for key in (f"{field_name}.{path}", leaf):
        if key in ID_TYPES:
            return ID_TYPES[key]
    if leaf in ("id", "ids"):
        return _returned_node_types(kind, field, node_types)
    word = _camel_last_word(leaf).lower()
    return tuple(sorted(t for t in node_types if t.lower().endswith(word)))


def accepts_id(schema, field_name: str, global_id: str) -> bool:
    """Whether some ID argument of the root field `field_name` takes ids of `global_id`'s type (unknown: yes)."""
    node_types = node_type_names(schema)
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        field = root.fields.get(field_name) if root else None
        if field is None:
            continue
        for name, arg in field.args.items():
            for slot in _slots(arg.type, name, True):
                types = slot_types(kind, field_name, field, slot.path, node_types)
                if not types or "*" in types or id_type(global_id) in types:
                    return True
    return False


def _value(type_, name: str, path: str, target: str | None, victim_id: str | None, required=False, depth=0):
    """A JSON value for `type_`: the victim id at `target`, a placeholder in other required id slots, optional id
    slots (and optional inputs holding ids) left out (OMIT)."""
    if is_non_null_type(type_):
        return _value(type_.of_type, name, path, target, victim_id, True, depth)
    if is_list_type(type_):
        hinted = VALUE_HINTS[name]() if name in VALUE_HINTS else None
        if isinstance(hinted, list):
            return hinted
        inner = _value(type_.of_type, name, path, target, victim_id, required, depth)
        return OMIT if inner is OMIT else [inner]
    named = get_named_type(type_)
    if named.name == "ID":
        if path == target:
            return victim_id
        return PLACEHOLDER + path if required else OMIT
    if is_enum_type(named):
        assert isinstance(named, GraphQLEnumType)
        return next(iter(named.values))
    if is_input_object_type(named):
        if depth > 3:
            return {}
        values = {}
        for field_name, sub in named.fields.items():
            sub_path = f"{path}.{field_name}"
            optional = not is_non_null_type(sub.type)
            if optional and _slots(sub.type, sub_path, True) and not _contains(sub_path, target):
                continue  # an optional id (or input holding ids) not aimed at: left out
            value = _value(sub.type, field_name, sub_path, target, victim_id, False, depth + 1)
            if value is not OMIT:
                values[field_name] = value
        return values
    if name in VALUE_HINTS:
        return VALUE_HINTS[name]()
    return SCALAR_DEFAULTS.get(named.name, "探针")


def _contains(path: str, target: str | None) -> bool:
    return target is not None and (target == path or target.startswith(path + "."))


def _fills(field, target: str | None, kind: str, field_name: str, node_types) -> dict:
    return {
        slot.path: slot_types(kind, field_name, field, slot.path, node_types)
        for name, arg in field.args.items()
        for slot in _slots(arg.type, name, True)
        if slot.path != target
    }


def _case(kind, field_name, field, variant, target, victim_id, node_types, extra=None) -> Case:
    """Required arguments always; optional ones only when aimed at (`target`), given (`extra`), paging, or (for a
    mutation) hinted."""
    extra = extra or {}
    variables = {}
    for name, arg in field.args.items():
        if name in extra:
            variables[name] = extra[name]
            continue
        if not is_non_null_type(arg.type) and not _contains(name, target):
            if _slots(arg.type, name, True):
                continue
            if kind == "query" and name not in PAGING_ARGUMENTS:
                continue  # a filter: the unfiltered case leaves it out, `_filter_cases` sets it
            if name not in VALUE_HINTS:
                continue
        value = _value(arg.type, name, name, target, victim_id)
        if value is not OMIT:
            variables[name] = value
    document = operation_document(kind, field_name, field, list(variables))
    return Case(
        kind=kind,
        field=field_name,
        variant=variant,
        document=document,
        variables=variables,
        victim_id=victim_id,
        fills=_fills(field, target, kind, field_name, node_types),
    )


def node_type_names(schema) -> set[str]:
    return {
        name
        for name, type_ in schema.type_map.items()
        if is_object_type(type_) and any(i.name == "Node" for i in type_.interfaces)
    }


def build_cases(schema, world) -> tuple[list[Case], list[str]]:
    """Every case the walk may send (before calibration) and the defects found while building them (slots whose
    type cannot be told, or for which the world has no victim id)."""
    node_types = node_type_names(schema)
    victim_ids = world["victim_ids"]
    cases, defects = [], []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for field_name, field in root.fields.items():
            if field_name in UNREACHABLE:
                continue
            slots = [slot for name, arg in field.args.items() for slot in _slots(arg.type, name, True)]
            for slot in slots:
                types = slot_types(kind, field_name, field, slot.path, node_types)
                if not types:
                    defects.append(
                        f"{field_name}: cannot tell which id type `{slot.path}` takes; "
                        f"add ID_TYPES['{field_name}.{slot.path}'] in tests/isolation/differential.py"
                    )
                    continue
                matching = [i for i in victim_ids if "*" in types or id_type(i) in types]
                if not matching:
                    defects.append(
                        f"{field_name}: the isolation world has no victim id of type {types} for `{slot.path}`; "
                        "add one to the victim world (build_world in tests/isolation/world.py)"
                    )
                for victim_id in matching:
                    variant = f"id {slot.path}={id_type(victim_id)}"
                    cases.append(_case(kind, field_name, field, variant, slot.path, victim_id, node_types))
            if all(not slot.required for slot in slots):
                cases.append(
                    _case(
                        kind,
                        field_name,
                        field,
                        "unfiltered" if kind == "query" else "no id",
                        None,
                        None,
                        node_types,
                    )
                )
            if kind == "query":
                cases += _filter_cases(field_name, field, world, node_types)
    return cases, defects


def _filter_cases(field_name, field, world, node_types) -> list[Case]:
    """One case per value of each optional non-id argument (enum: every value; else the hinted value)."""
    slots = [slot for name, arg in field.args.items() for slot in _slots(arg.type, name, True)]
    if any(slot.required for slot in slots):
        # Filters of an operation that needs ids: applied with the victim's id in its first required slot.
        target = next(slot for slot in slots if slot.required)
        types = slot_types("query", field_name, field, target.path, node_types)
        victims = [i for i in world["victim_ids"] if "*" in types or id_type(i) in types]
        if not victims:
            return []
        target_path, victim_id = target.path, victims[0]
    else:
        target_path, victim_id = None, None
    cases = []
    for name, arg in field.args.items():
        if is_non_null_type(arg.type) or name in PAGING_ARGUMENTS or _slots(arg.type, name, True):
            continue
        named = get_named_type(arg.type)
        if is_enum_type(named):
            values = list(named.values)
        elif named.name == "Boolean":
            values = [True, False]
        else:
            hint = FILTER_HINTS.get(f"{field_name}.{name}", FILTER_HINTS.get(name))
            if hint is None and name in VALUE_HINTS:
                hint = VALUE_HINTS[name]()
            if callable(hint):
                hint = hint(world)
            values = [hint] if hint is not None else ["\x00no hint"]
        for value in values:
            if is_list_type(arg.type.of_type if is_non_null_type(arg.type) else arg.type) and not isinstance(
                value, list
            ):
                value = [value]
            cases.append(
                _case(
                    "query",
                    field_name,
                    field,
                    f"filter {name}={value}",
                    target_path,
                    victim_id,
                    node_types,
                    extra={name: value},
                )
            )
    return cases


# --- Calling ----------------------------------------------------------------------------------------------------


def post(client, host: str, document: str, variables: dict, **extra) -> tuple[dict, str]:
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": document, "variables": variables}),
        content_type="application/json",
        HTTP_HOST=host,
        **extra,
    )
    assert response.status_code < 500, f"answered {response.status_code} on {host}: {document[:200]}"
    body = response.json() if response.content else {}
    return body, json.dumps(body, ensure_ascii=False, sort_keys=True)


DENIED_CODES = frozenset({"not_found", "permission_denied"})


def error_codes(case: Case, body: dict) -> tuple[str, ...]:
    payload = (body.get("data") or {}).get(case.field)
    if not isinstance(payload, dict):
        return ()
    return tuple(sorted(error.get("code") or "" for error in payload.get("errors") or []))


def reached(case: Case, body: dict, text: str, victim_strings, granted: set, stranger_text=None) -> bool:
    """Whether an insider's answer shows the victim was reached: its data returned (a victim string, or for a query
    answering figures only, an answer other than a stranger's), the mutation succeeded, or a fetch-and-authorise
    helper let the insider through to the victim's object and a business rule answered (a state the world's
    object is not in; the answer still tells about the victim, so an outsider must never get it: the walk checks
    that no outsider gets the same error codes)."""
    if any(secret in text for secret in victim_strings):
        return True
    if case.kind != "mutation":
        if stranger_text is None or body.get("errors") or not _has_data(body.get("data")):
            return False
        return stranger_text() != text
    if body.get("errors"):
        return False
    payload = (body.get("data") or {}).get(case.field)
    if not payload:
        return False
    codes = error_codes(case, body)
    if not codes:
        return True
    return _granted_victim(case.victim_id, granted) and not DENIED_CODES & set(codes)


def object_key(global_id: str | None) -> tuple[str, str] | None:
    """(type, pk) of a global id, for both "Type:pk" and a tenant's "Type:union:pk"."""
    if not global_id:
        return None
    try:
        type_name, raw = from_global_id(global_id)
    except Exception:
        return None
    return type_name, raw.rsplit(":", 1)[-1]


def _granted_victim(victim_id, granted: set) -> bool:
    """Whether a helper handed out the victim's object (model names may be shorter than GraphQL type names:
    Round / AssessmentRound)."""
    key = object_key(victim_id)
    return key is not None and any(
        pk == key[1] and key[0].lower().endswith(model.lower()) for model, pk in granted
    )


def _has_data(value) -> bool:
    """Whether an answer holds anything beyond empty lists, nulls, zero counts and page info."""
    if isinstance(value, dict):
        return any(
            _has_data(v) for k, v in value.items() if k not in ("pageInfo", "__typename", "totalCount")
        )
    if isinstance(value, list):
        return any(_has_data(v) for v in value)
    return value not in (None, "", 0, False)


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


__all__ = [
    "Case",
    "build_cases",
    "post",
    "reached",
    "rolled_back",
    "FILTER_HINTS",
    "ID_TYPES",
    "UNREACHABLE",
]
