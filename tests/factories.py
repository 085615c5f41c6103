"""Test data builders. Values are valid by construction (credit codes carry their GB 32100 check character)."""

import itertools

_counter = itertools.count(1)


def credit_code(n: int | None = None) -> str:
    from federations.validators import credit_code_check_character

    n = next(_counter) if n is None else n
    first17 = f"91330122MA{n:07d}"
    return first17 + credit_code_check_character(first17)


def union_kwargs(**overrides):
    n = next(_counter)
    values = {
        "slug": f"union-{n}",
        "name": f"测试{n}号工会",
        "credit_code": credit_code(n),
        "unit_type": "enterprise",
        "ownership_type": "private",
        "staff_count": 100,
        "female_staff_count": 40,
    }
    values.update(overrides)
    return values
