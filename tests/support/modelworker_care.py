"""Builders for model-worker care tests: registered model workers, a frozen "today", GraphQL ids."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time

from graphql_relay import to_global_id

_people = itertools.count(1)


def register_worker(
    *,
    node,
    awarded_on: date,
    union=None,
    level: str = "city",
    name: str | None = None,
    employer_name: str = "",
    today: date | None = None,
):
    """A model worker entered in `node`'s registry through the registry's own service (history and facts)."""
    from modelworkers.awards.registry import modelworker_register
    from tests.support.members import make_id

    n = next(_people)
    return modelworker_register(
        awarding_node=node,
        id_number=make_id(birth="19750101"),
        name=name or f"劳模{n:03d}",
        level=level,
        title="model_worker",
        category="frontline",
        awarded_on=awarded_on,
        employing_union=union,
        employer_name=employer_name or ("" if union is not None else f"外单位{n}"),
        today=today or max(awarded_on, date(2026, 1, 1)),
    )


def freeze(monkeypatch, day: date, at: time = time(9, 0)) -> None:
    """Make django.utils.timezone.now() (and so localdate()) answer `day` at `at`, Beijing time."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    moment = datetime.combine(day, at, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: moment)


def gid(type_name: str, obj) -> str:
    return to_global_id(type_name, obj.pk)
