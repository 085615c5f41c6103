"""Logic checks (逻辑检查) of the statistical report, as the national annual-report tool runs them before submission.

Each rule compares figures of one unit (a union, or a branch for member rules); structural rules check that every
union and node hangs in the tree. A failure names the unit and the rule with a Chinese message. Node totals are sums
of their unions, so a rule holding for every union holds for the totals: nodes are checked structurally only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from federations.models import Union

from . import indicators as ind
from .catalogue import MEMBER_RECORDS_OK, base_codes
from .selectors import RollupUnit, _live_rows, flow_label, rollup_tree


@dataclass(frozen=True)
class CheckFailure:
    unit_kind: str  # "node" | "union" | "branch"
    unit_id: int
    unit_name: str
    rule: str
    message: str


@dataclass(frozen=True)
class Rule:
    code: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    text: str  # the rule in words, e.g. "女会员人数 ≤ 会员人数"
    branches: bool = False  # also checked per branch (member facts exist per branch)


RULES: tuple[Rule, ...] = (
    Rule("female_members_le_members", (ind.FEMALE_MEMBERS,), (ind.MEMBERS,), "女会员人数 ≤ 会员人数", True),
    Rule(
        "migrant_members_le_members",
        (ind.MIGRANT_MEMBERS,),
        (ind.MEMBERS,),
        "农民工会员人数 ≤ 会员人数",
        True,
    ),
    Rule(
        "special_members_le_members",
        (ind.MIGRANT_MEMBERS, ind.AGENCY_MEMBERS, ind.NEW_FORM_MEMBERS),
        (ind.MEMBERS,),
        "农民工、劳务派遣工、新就业形态会员人数之和 ≤ 会员人数",
        True,
    ),
    Rule("new_members_le_members", (ind.NEW_MEMBERS,), (ind.MEMBERS,), "新发展会员人数 ≤ 会员人数", True),
    Rule(
        "members_le_staff_retained",
        (ind.MEMBERS,),
        ("staff", ind.RETAINED_MEMBERS),
        "会员人数 ≤ 职工人数 + 保留会籍人数",
    ),
    Rule("female_staff_le_staff", ("female_staff",), ("staff",), "女职工人数 ≤ 职工人数"),
    Rule(
        "female_members_le_female_staff_retained",
        (ind.FEMALE_MEMBERS,),
        ("female_staff", ind.RETAINED_MEMBERS),
        "女会员人数 ≤ 女职工人数 + 保留会籍人数",
    ),
    Rule(
        "records_ok_le_records",
        (MEMBER_RECORDS_OK,),
        (ind.MEMBERS, ind.RETAINED_MEMBERS),
        "信息合格会员记录数 ≤ 会员人数 + 保留会籍人数",
        True,
    ),
    Rule(
        "appraisal_responses_le_invited",
        ("home_appraisal_responses",),
        ("home_appraisal_invited",),
        "参评会员数 ≤ 应参评会员数",
    ),
    Rule(
        "appraisal_satisfied_le_responses",
        ("home_appraisal_satisfied",),
        ("home_appraisal_responses",),
        "满意（含基本满意）会员数 ≤ 参评会员数",
    ),
)

CHECK_INDICATORS: list[str] = list(dict.fromkeys(code for rule in RULES for code in rule.left + rule.right))
BRANCH_CHECK_INDICATORS: list[str] = list(
    dict.fromkeys(code for rule in RULES if rule.branches for code in rule.left + rule.right)
)

KIND_NAMES = {"node": "组织", "union": "基层工会", "branch": "分会"}


def _value_rules(unit, *, branch: bool = False) -> list[CheckFailure]:
    failures = []
    for rule in RULES:
        if branch and not rule.branches:
            continue
        left = sum(unit.values.get(code) or 0 for code in rule.left)
        right = sum(unit.values.get(code) or 0 for code in rule.right)
        if left > right:
            failures.append(
                CheckFailure(
                    unit.kind,
                    unit.id,
                    unit.name,
                    rule.code,
                    _("%(kind)s“%(name)s”未通过逻辑检查：%(rule)s（%(left)s > %(right)s）")
                    % {
                        "kind": KIND_NAMES[unit.kind],
                        "name": unit.name,
                        "rule": rule.text,
                        "left": left,
                        "right": right,
                    },
                )
            )
    return failures


def logic_checks(*, node, period, snapshot=None, branches: bool = False) -> list[CheckFailure]:
    """Every failure of the value and structure rules under `node` (a FederationNode or a Union), live or frozen.

    Live: the same two queries as the roll-up; `branches=True` (or a union as `node`) also checks branch figures.
    """
    if isinstance(node, Union):
        indicators = CHECK_INDICATORS
        tree = rollup_tree(node=node, period=period, indicators=indicators, snapshot=snapshot)
        failures = _value_rules(tree)
        for child in tree.children:
            failures += _value_rules(child, branch=True)
        if snapshot is None:
            failures += _union_structure(
                [(node.pk, node.name, node.parent_node_id, node.node_path)],
                {node.parent_node_id: (node.parent_node.path, node.parent_node.parent_id)},
            )
        return failures
    if snapshot is not None:
        tree = rollup_tree(node=node, period=period, indicators=CHECK_INDICATORS, snapshot=snapshot)
        return [failure for unit in tree.walk() if unit.kind == "union" for failure in _value_rules(unit)]

    bases = base_codes(CHECK_INDICATORS)
    nodes, unions = _live_rows(path=node.path, year=flow_label(period), bases=bases)
    failures: list[CheckFailure] = []
    node_paths = {node_id: (path, parent_id) for node_id, _name, _level, parent_id, path in nodes}
    failures += _node_structure(nodes, root_id=node.pk, root_parent=node.parent_id)
    failures += _union_structure([row[:4] for row in unions], node_paths)

    for union_id, name, parent_id, node_path, *values in unions:
        unit = RollupUnit(
            "union", union_id, name, "union", node_path, parent_id, dict(zip(bases, values, strict=True))
        )
        failures += _value_rules(unit)
    if branches:
        for union in Union.objects.filter(node_path__startswith=node.path).exclude(status="dissolved"):
            tree = rollup_tree(node=union, period=period, indicators=BRANCH_CHECK_INDICATORS)
            for child in tree.children:
                failures += _value_rules(child, branch=True)
    return failures


def _node_structure(nodes, *, root_id, root_parent) -> list[CheckFailure]:
    failures = []
    by_id = {node_id: path for node_id, _name, _level, _parent, path in nodes}
    for node_id, name, _level, parent_id, path in nodes:
        if node_id == root_id:
            continue
        parent_path = by_id.get(parent_id)
        if parent_id is None or parent_path is None or path != f"{parent_path}{node_id}/":
            failures.append(
                CheckFailure(
                    "node",
                    node_id,
                    name,
                    "node_has_parent",
                    _("组织“%(name)s”没有有效的上级组织，请检查组织隶属关系。") % {"name": name},
                )
            )
    return failures


def _union_structure(unions, node_paths) -> list[CheckFailure]:
    failures = []
    for union_id, name, parent_id, node_path in unions:
        parent = node_paths.get(parent_id)
        if parent_id is None or parent is None or parent[0] != node_path:
            failures.append(
                CheckFailure(
                    "union",
                    union_id,
                    name,
                    "union_has_parent",
                    _("基层工会“%(name)s”没有有效的上级组织，请检查隶属关系。") % {"name": name},
                )
            )
    return failures
