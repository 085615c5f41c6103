"""The board: who has and has not submitted or been accepted, overdue flags and counts, in two queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reporting.selectors import board
from reporting.services import deadlines_set, submission_accept, submission_return, submission_submit
from tests.support.graphql import make_union
from unionhub.errors import DomainValidationError

pytestmark = pytest.mark.django_db


def rows_by_name(result):
    return {row.name: row for row in result.rows}


def test_board_states_flags_and_counts(world):
    today = date(2026, 10, 12)
    deadlines_set(
        period=world.period,
        deadlines={"union": date(2026, 10, 10), "township": date(2026, 10, 15), "county": date(2026, 10, 20)},
    )
    submission_accept(submission=submission_submit(period=world.period, unit=world.u1))
    submission_return(submission=submission_submit(period=world.period, unit=world.u2), comment="请补充说明")
    submission_submit(period=world.period, unit=world.u3)

    result = board(node=world.county, period=world.period, today=today)
    rows = rows_by_name(result)
    assert set(rows) == {
        "示范县总工会",
        "城关镇工会",
        "东城街道工会",
        "华锐机械厂工会",
        "城关纺织厂工会",
        "县人民医院工会",
        "县直机关工会",
    }
    assert rows["华锐机械厂工会"].status == "accepted" and not rows["华锐机械厂工会"].overdue
    assert (
        rows["城关纺织厂工会"].status == "returned" and rows["城关纺织厂工会"].overdue
    )  # returned counts as not in
    assert rows["县人民医院工会"].status == "submitted" and not rows["县人民医院工会"].overdue
    assert rows["县直机关工会"].status is None and rows["县直机关工会"].overdue
    assert rows["城关镇工会"].status is None and not rows["城关镇工会"].overdue  # due on the 15th
    assert (
        rows["华锐机械厂工会"].reviewer_id == world.town.pk
        and rows["县直机关工会"].reviewer_id == world.county.pk
    )
    assert rows["城关镇工会"].reviewer_id == world.county.pk and rows["示范县总工会"].reviewer_id is None

    assert result.counts("union") == {
        "total": 4,
        "not_submitted": 1,
        "submitted": 1,
        "accepted": 1,
        "returned": 1,
        "overdue": 2,
        "late": 3,
    }
    assert result.counts()["total"] == 7
    # The township's board: itself and its own unions only.
    assert set(rows_by_name(board(node=world.town, period=world.period, today=today))) == {
        "城关镇工会",
        "华锐机械厂工会",
        "城关纺织厂工会",
    }


def test_board_is_two_queries_whatever_the_number_of_unions(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def data_queries():
        with CaptureQueriesContext(connection) as captured:
            result = board(node=world.county, period=world.period)
        # django-tenants' "SET search_path" on a fresh cursor is not a data query.
        return result, [q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]

    _result, queries = data_queries()
    assert len(queries) == 2
    for number in range(40):
        make_union(world.town if number % 2 else world.street, name=f"批量工会{number}")
    submission_submit(period=world.period, unit=world.u1)
    result, queries = data_queries()
    assert len(queries) == 2
    assert result.counts("union")["total"] == 44 and result.counts("union")["submitted"] == 1


def test_deadlines_must_be_ordered_by_level(world):
    with pytest.raises(DomainValidationError) as exc:
        deadlines_set(
            period=world.period, deadlines={"union": date(2026, 10, 20), "county": date(2026, 10, 10)}
        )
    assert exc.value.errors[0].code == "order"
    with pytest.raises(DomainValidationError) as exc:
        deadlines_set(period=world.period, deadlines={"union": world.period.starts_on - timedelta(days=1)})
    assert exc.value.errors[0].code == "before_period"
