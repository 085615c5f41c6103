"""Quota arithmetic at the boundaries: exact integers, minimums round up, maximums round down."""

from __future__ import annotations

import pytest

from modelworkers.quotas import DEFAULT_RULES, Rule, broken, evaluate, max_places, min_places, validate_rules
from unionhub.errors import DomainValidationError


@pytest.mark.parametrize(
    ("base", "permille", "minimum", "maximum"),
    [
        (20, 450, 9, 9),  # 45% of 20 is exactly 9
        (21, 450, 10, 9),  # 9.45: at least 10, at most 9
        (9, 220, 2, 1),  # 1.98
        (50, 220, 11, 11),  # exactly 11
        (5, 200, 1, 1),  # 20% of 5 = 1
        (4, 200, 1, 0),  # 0.8
        (0, 450, 0, 0),
        (3000, 550, 1650, 1650),
        (2493, 450, 1122, 1121),  # 1121.85
        (7, 1000, 7, 7),
        (7, 0, 0, 0),
    ],
)
def test_min_and_max_places(base, permille, minimum, maximum):
    assert min_places(base, permille) == minimum
    assert max_places(base, permille) == maximum


def _list(**counts) -> list[str]:
    return [category for category, n in counts.items() for _ in range(n)]


def codes(results) -> set[str]:
    return {r.rule.code for r in results}


def test_enterprise_share_exactly_at_the_minimum_passes_and_one_below_fails():
    # 20 places: 9 enterprise (exactly 45%), of whom 5 front-line (55% of 9 = 4.95 -> 5) and 1 head (22% of 9 -> 1);
    # 5 farmers (25% of 20 = 5), of whom 1 township-enterprise head (20% of 5 = 1).
    ok = _list(
        frontline=5, enterprise_head=1, enterprise_staff=3, farmer=4, township_enterprise_head=1, government=6
    )
    assert len(ok) == 20
    assert broken(DEFAULT_RULES, ok) == []

    one_enterprise_less = _list(
        frontline=5, enterprise_head=1, enterprise_staff=2, farmer=4, township_enterprise_head=1, government=7
    )
    results = broken(DEFAULT_RULES, one_enterprise_less)
    assert codes(results) == {"enterprise_min"}
    assert (results[0].base, results[0].count, results[0].limit) == (20, 8, 9)


def test_frontline_and_head_limits_are_shares_of_enterprise_places():
    four_frontline = _list(frontline=4, enterprise_head=1, enterprise_staff=4, farmer=5, government=6)
    assert codes(broken(DEFAULT_RULES, four_frontline)) == {"frontline_min"}  # 4 < ceil(4.95)
    two_heads = _list(frontline=5, enterprise_head=2, enterprise_staff=2, farmer=5, government=6)
    assert codes(broken(DEFAULT_RULES, two_heads)) == {"enterprise_head_max"}  # 2 > floor(1.98)


def test_farmer_minimum_and_township_head_maximum():
    four_farmers = _list(frontline=6, enterprise_staff=4, farmer=4, government=6)
    assert codes(broken(DEFAULT_RULES, four_farmers)) == {"farmer_min"}  # 4 < 5
    two_township_heads = _list(
        frontline=6, enterprise_staff=4, farmer=3, township_enterprise_head=2, government=5
    )
    assert codes(broken(DEFAULT_RULES, two_township_heads)) == {"township_head_max"}  # 2 > floor(1.0)


def test_empty_list_breaks_nothing():
    assert broken(DEFAULT_RULES, []) == []


def test_results_carry_the_numbers_and_a_chinese_message():
    result = evaluate(DEFAULT_RULES, {"frontline": 1, "government": 3})[0]
    assert (result.base, result.count, result.limit, result.ok) == (4, 1, 2, False)
    assert "应至少2名" in result.message and "现有1名" in result.message


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (Rule("x", ("nobody",), "min", 100), "quota_rules.0.categories"),
        (Rule("x", (), "min", 100), "quota_rules.0.categories"),
        (Rule("x", ("farmer",), "min", 1001), "quota_rules.0.permille"),
        (Rule("x", ("farmer",), "min", -1), "quota_rules.0.permille"),
        (Rule("x", ("farmer",), "between", 100), "quota_rules.0.bound"),
        (Rule("x", ("farmer",), "max", 100, ("government",)), "quota_rules.0.of_categories"),
        (Rule("", ("farmer",), "max", 100), "quota_rules.0.code"),
    ],
)
def test_invalid_rules_are_refused_naming_the_field(rule, field):
    with pytest.raises(DomainValidationError) as exc_info:
        validate_rules([rule])
    assert exc_info.value.errors[0].field == field


def test_duplicate_rule_codes_are_refused():
    with pytest.raises(DomainValidationError) as exc_info:
        validate_rules([Rule("a", ("farmer",), "min", 1), Rule("a", ("farmer",), "max", 2)])
    assert exc_info.value.errors[0].field == "quota_rules.1.code"
