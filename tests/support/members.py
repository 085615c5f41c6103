"""Identity numbers valid by construction (check characters computed) and small builders for member tests."""

from __future__ import annotations

import itertools

from people.identity import check_character

_sequence = itertools.count(1)


def make_id(
    *, area: str = "330122", birth: str = "19700101", female: bool = False, n: int | None = None
) -> str:
    """A valid 18-character number; distinct on every call unless `n` is given."""
    n = next(_sequence) if n is None else n
    # Unique for n below 84,000: two sequence digits, then the day, then the year vary; the 17th digit sets sex.
    seq, rest = n % 100, n // 100
    day, year_offset = 1 + rest % 28, (rest // 28) % 30
    year, month = int(birth[:4]) + year_offset, int(birth[4:6])
    first17 = f"{area}{year:04d}{month:02d}{day:02d}{seq:02d}{2 if female else 1}"
    return first17 + check_character(first17)


def member_kwargs(**overrides) -> dict:
    values = {
        "name": "张三",
        "id_number": make_id(),
        "employment_type": "regular",
        "join_date": "2024-05-01",
        "phone": "13912345678",
    }
    values.update(overrides)
    return values
