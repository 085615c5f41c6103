"""Category quotas of an award batch: pure integer arithmetic, no database.

A rule says that `categories` take at least (min) or at most (max) `permille`‰ of the places of `of_categories`
(empty: of all places on the list). Places are whole people, so a minimum rounds UP and a maximum rounds DOWN:
45% of 20 places is 9 places; at least 45% of 21 is 10 (9.45 -> 10); at most 22% of 9 is 1 (1.98 -> 1). Only
integers are used (count * 1000 against base * permille), never floats.

The list checked is the batch's award list: the people awarded so far plus the ones being awarded (at approval),
or plus every live nomination (the live check while nominating, which only warns).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError, FieldError

from .models import Category, QuotaBound

ENTERPRISE = (Category.ENTERPRISE_STAFF.value, Category.FRONTLINE.value, Category.ENTERPRISE_HEAD.value)
FARMERS = (Category.FARMER.value, Category.TOWNSHIP_ENTERPRISE_HEAD.value)


@dataclass(frozen=True)
class Rule:
    code: str
    categories: tuple[str, ...]
    bound: str  # QuotaBound value
    permille: int
    of_categories: tuple[str, ...] = ()  # empty = all places
    label: str = ""


# The 2005 national scheme (standards.md 2b); a batch starts with these unless it gives its own.
DEFAULT_RULES = (
    Rule("enterprise_min", ENTERPRISE, QuotaBound.MIN, 450, (), "企业职工不低于45%"),
    Rule("frontline_min", (Category.FRONTLINE.value,), QuotaBound.MIN, 550, ENTERPRISE, "一线工人和技术人员不低于企业职工名额的55%"),
    Rule("enterprise_head_max", (Category.ENTERPRISE_HEAD.value,), QuotaBound.MAX, 220, ENTERPRISE, "企业负责人不超过企业职工名额的22%"),
    Rule("farmer_min", FARMERS, QuotaBound.MIN, 250, (), "农民不低于25%"),
    Rule("township_head_max", (Category.TOWNSHIP_ENTERPRISE_HEAD.value,), QuotaBound.MAX, 200, FARMERS, "乡镇企业负责人不超过农民名额的20%"),
)  # fmt: skip


def min_places(base: int, permille: int) -> int:
    """Fewest whole places that are at least permille‰ of base (rounds up)."""
    return -(-base * permille // 1000)


def max_places(base: int, permille: int) -> int:
    """Most whole places that are at most permille‰ of base (rounds down)."""
    return base * permille // 1000


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    base: int  # places the share is taken of
    count: int  # places the rule's categories hold
    limit: int  # min: places needed; max: places allowed
    ok: bool

    @property
    def message(self) -> str:
        name = self.rule.label or self.rule.code
        if self.rule.bound == QuotaBound.MIN:
            return _("%(rule)s：应至少%(limit)d名，现有%(count)d名。") % {
                "rule": name,
                "limit": self.limit,
                "count": self.count,
            }
        return _("%(rule)s：最多%(limit)d名，现有%(count)d名。") % {
            "rule": name,
            "limit": self.limit,
            "count": self.count,
        }


def evaluate(rules: Iterable[Rule], counts: Mapping[str, int]) -> list[RuleResult]:
    """Each rule against the list whose places per category are `counts`."""
    total = sum(counts.values())
    results = []
    for rule in rules:
        base = sum(counts.get(c, 0) for c in rule.of_categories) if rule.of_categories else total
        count = sum(counts.get(c, 0) for c in rule.categories)
        if rule.bound == QuotaBound.MIN:
            limit = min_places(base, rule.permille)
            ok = count >= limit
        else:
            limit = max_places(base, rule.permille)
            ok = count <= limit
        results.append(RuleResult(rule=rule, base=base, count=count, limit=limit, ok=ok))
    return results


def broken(rules: Iterable[Rule], categories: Iterable[str]) -> list[RuleResult]:
    """The rules a list of people (one category each) breaks."""
    return [result for result in evaluate(rules, Counter(categories)) if not result.ok]


def validate_rules(rules: Iterable[Rule], field: str = "quota_rules") -> list[Rule]:
    """Check rule definitions; DomainValidationError naming the rule otherwise."""
    rules = list(rules)
    errors: list[FieldError] = []
    known = set(Category.values)
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        where = f"{field}.{index}"
        if not rule.code or len(rule.code) > 40:
            errors.append(FieldError(f"{where}.code", "invalid", _("规则代码不能为空，且不超过40个字符。")))
        elif rule.code in seen:
            errors.append(
                FieldError(f"{where}.code", "duplicate", _("规则代码重复：%(code)s。") % {"code": rule.code})
            )
        seen.add(rule.code)
        if not rule.categories or not set(rule.categories) <= known:
            errors.append(FieldError(f"{where}.categories", "invalid_choice", _("请选择有效的计入类别。")))
        if not set(rule.of_categories) <= known:
            errors.append(FieldError(f"{where}.of_categories", "invalid_choice", _("请选择有效的基数类别。")))
        elif rule.of_categories and not set(rule.categories) <= set(rule.of_categories):
            errors.append(
                FieldError(f"{where}.of_categories", "not_subset", _("计入类别应包含在基数类别之内。"))
            )
        if rule.bound not in QuotaBound.values:
            errors.append(FieldError(f"{where}.bound", "invalid_choice", _("界限应为“不低于”或“不超过”。")))
        if (
            isinstance(rule.permille, bool)
            or not isinstance(rule.permille, int)
            or not 0 <= rule.permille <= 1000
        ):
            errors.append(
                FieldError(f"{where}.permille", "out_of_range", _("比例应为0至1000之间的整数（‰）。"))
            )
    if errors:
        raise DomainValidationError(errors)
    return rules
