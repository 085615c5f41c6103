"""Member appraisal (会员评家): opening fixes the invited count, responses are verified against the membership, one
per member, counted on the public row and in the live facts, and readable only as aggregates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from selfassessment import services
from selfassessment.links import appraisal_token
from tests.support.drives import PHONE_UA, csrf_token_from
from unionhub.errors import DomainValidationError

RATINGS = {"organisation": 5, "rights": 4, "democracy": 4, "services": 3, "activities": 5}


def _facts(world, branch_id=0):
    from rollup.models import LiveFact

    return {
        f.indicator: f.value
        for f in LiveFact.objects.filter(
            union=world.union, branch_id=branch_id, period="2026", indicator__startswith="home_appraisal_"
        )
    }


def _answer(world, person, participant=None, overall="satisfied", ratings=None, name=None, **kwargs):
    participant = participant or world.home
    return services.appraisal_submit(
        token=appraisal_token(participant=participant),
        union=world.union,
        name=person.name if name is None else name,
        id_number=person.id_number,
        overall=overall,
        ratings=RATINGS if ratings is None else ratings,
        **kwargs,
    )


def _counts(participant):
    participant.refresh_from_db()
    return participant.appraisal_invited, participant.appraisal_responses, participant.appraisal_satisfied


@pytest.fixture
def opened(world):
    services.appraisal_open(union=world.union, participant=world.home, actor=world.admin)
    return world


def test_open_fixes_the_invited_count_at_active_members(world):
    survey = services.appraisal_open(union=world.union, participant=world.home, actor=world.admin)
    assert survey.invited == 4  # the retained member is not invited
    assert _counts(world.home) == (4, 0, 0)
    assert _facts(world) == {"home_appraisal_invited": 4}
    with pytest.raises(DomainValidationError) as exc:
        services.appraisal_open(union=world.union, participant=world.home)
    assert exc.value.errors[0].code == "already_open"


def test_a_small_home_invites_the_members_of_its_branch_and_below(world):
    services.appraisal_open(union=world.union, participant=world.small_home)
    assert _counts(world.small_home) == (2, 0, 0)
    assert _facts(world, branch_id=world.branch.pk) == {"home_appraisal_invited": 2}
    _answer(world, world.people["li"], participant=world.small_home)  # member of a group below the branch
    with pytest.raises(DomainValidationError) as exc:
        _answer(world, world.people["zhao"], participant=world.small_home)  # another branch
    assert exc.value.errors[0].code == "not_member"
    assert _counts(world.small_home) == (2, 1, 1)


def test_responses_count_on_the_public_row_and_in_the_facts(opened, settings):
    world = opened
    _answer(world, world.people["wang"], overall="satisfied")
    _answer(world, world.people["li"], overall="basic")
    _answer(world, world.people["zhao"], overall="dissatisfied", ratings={**RATINGS, "rights": 1})
    assert _counts(world.home) == (4, 3, 2)
    assert _facts(world) == {
        "home_appraisal_invited": 4,
        "home_appraisal_responses": 3,
        "home_appraisal_satisfied": 2,
    }
    from selfassessment.selectors import appraisal_aggregate

    settings.UNIONHUB_APPRAISAL_MIN_RESPONSES = 3
    with schema_context(world.union.schema_name):
        aggregate = appraisal_aggregate(participant=world.home)
    assert (aggregate.responses, aggregate.satisfied, aggregate.basic, aggregate.dissatisfied) == (3, 1, 1, 1)
    assert not aggregate.breakdown_withheld and aggregate.withheld_reason == ""
    assert aggregate.satisfaction_permille == 667  # (1 + 1) / 3
    assert aggregate.participation_permille == 750
    assert str(aggregate.area_averages["rights"]) == "3.00"


def test_below_the_minimum_only_the_counts_of_responses_show(opened, settings):
    world = opened
    settings.UNIONHUB_APPRAISAL_MIN_RESPONSES = 2
    from selfassessment.selectors import appraisal_aggregate

    with schema_context(world.union.schema_name):
        before = appraisal_aggregate(participant=world.home)
        _answer(world, world.people["wang"], overall="dissatisfied", ratings={**RATINGS, "rights": 1})
        one = appraisal_aggregate(participant=world.home)
        counted = _counts(world.home)
        _answer(world, world.people["li"], overall="satisfied")
        two = appraisal_aggregate(participant=world.home)
    assert (before.opened, before.responses, before.breakdown_withheld) == (True, 0, True)
    # one response: its answers would be the averages, so nothing but the counts
    assert (one.invited, one.responses, one.participation_permille) == (4, 1, 250)
    assert (one.satisfied, one.basic, one.dissatisfied, one.satisfaction_permille) == (None, None, None, None)
    assert set(one.area_averages.values()) == {None} and one.breakdown_withheld
    assert one.withheld_reason == "回复少于 2 份，不显示会员满意率和各项评分，以免推断出个人的评价"
    assert counted == (4, 1, 0)  # the public row keeps the real count for scoring
    assert (two.responses, two.satisfied, two.dissatisfied, two.satisfaction_permille) == (2, 1, 1, 500)
    assert str(two.area_averages["rights"]) == "2.50" and not two.breakdown_withheld


def test_one_response_per_member(opened):
    world = opened
    _answer(world, world.people["wang"])
    with pytest.raises(DomainValidationError) as exc:
        _answer(world, world.people["wang"], overall="dissatisfied")
    (error,) = exc.value.errors
    assert (error.field, error.code) == ("id_number", "already_responded")
    assert "只能评价一次" in error.message
    assert _counts(world.home) == (4, 1, 1)
    from selfassessment.models import AppraisalBallot, AppraisalVoter

    with schema_context(world.union.schema_name):
        assert AppraisalVoter.objects.count() == 1 and AppraisalBallot.objects.count() == 1


def test_one_response_per_member_is_a_database_constraint(opened):
    from django.db import IntegrityError, transaction

    from selfassessment.models import AppraisalSurvey, AppraisalVoter

    with schema_context(opened.union.schema_name):
        survey = AppraisalSurvey.objects.get()
        AppraisalVoter.objects.create(survey=survey, person_hash="a" * 64, responded_at=timezone.now())
        with pytest.raises(IntegrityError), transaction.atomic():
            AppraisalVoter.objects.create(survey=survey, person_hash="a" * 64, responded_at=timezone.now())


@pytest.mark.parametrize(
    ("person", "name"),
    [("wang", "王五"), ("qian", None)],  # wrong name; retained (not active) member
)
def test_only_active_members_with_matching_name_may_respond(opened, person, name):
    world = opened
    with pytest.raises(DomainValidationError) as exc:
        _answer(world, world.people[person], name=name)
    assert exc.value.errors[0].code == "not_member"
    assert _counts(world.home)[1] == 0


def test_an_unknown_identity_number_gets_the_same_answer(opened):
    from tests.support.members import make_id

    with pytest.raises(DomainValidationError) as exc:
        services.appraisal_submit(
            token=appraisal_token(participant=opened.home),
            union=opened.union,
            name="王伟",
            id_number=make_id(),
            overall="satisfied",
            ratings=RATINGS,
        )
    assert exc.value.errors[0].code == "not_member"


def test_bad_answers_name_each_field_and_write_nothing(opened):
    world = opened
    with pytest.raises(DomainValidationError) as exc:
        _answer(
            world, world.people["wang"], overall="great", ratings={**RATINGS, "rights": 6, "services": None}
        )
    assert {(e.field, e.code) for e in exc.value.errors} == {
        ("overall", "required"),
        ("rights", "invalid_rating"),
        ("services", "invalid_rating"),
    }
    assert _counts(world.home)[1] == 0 and _facts(world) == {"home_appraisal_invited": 4}


def test_not_opened_expired_and_foreign_links_are_refused(world):
    with pytest.raises(DomainValidationError) as exc:
        _answer(world, world.people["wang"])
    assert exc.value.errors[0].code == "not_started"

    services.appraisal_open(union=world.union, participant=world.home)
    with pytest.raises(DomainValidationError) as exc:
        services.appraisal_submit(
            token=appraisal_token(participant=world.home),
            union=world.other,
            name="王伟",
            id_number=world.people["wang"].id_number,
            overall="satisfied",
            ratings=RATINGS,
        )
    assert exc.value.errors[0].code == "invalid_token"

    world.round.appraisal_due = timezone.now() - timedelta(minutes=1)
    world.round.save()
    with pytest.raises(DomainValidationError) as exc:
        _answer(world, world.people["wang"])
    assert exc.value.errors[0].code == "expired_token"
    assert _counts(world.home)[1] == 0


def test_ballots_carry_no_member_and_no_time():
    from selfassessment.models import AppraisalBallot

    columns = {f.name for f in AppraisalBallot._meta.get_fields()}
    assert columns == {
        "id",
        "survey",
        "overall",
        "organisation",
        "rights",
        "democracy",
        "services",
        "activities",
    }


# --- the public page -----------------------------------------------------------------------------------------------


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


def _page(client, world, token, address="127.0.0.1"):
    return client.get(
        f"/appraisal/{token}/", HTTP_HOST=world.host, HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR=address
    )


def _post(client, world, token, person, address="127.0.0.1", **fields):
    page = _page(client, world, token, address)
    data = {
        "csrfmiddlewaretoken": csrf_token_from(page),
        "name": person.name,
        "id_number": person.id_number,
        "overall": "satisfied",
        **{area: str(value) for area, value in RATINGS.items()},
        **fields,
    }
    return client.post(
        f"/appraisal/{token}/", data, HTTP_HOST=world.host, HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR=address
    )


def test_the_page_renders_for_phones_and_records_a_response(opened, client):
    world = opened
    token = appraisal_token(participant=world.home)
    html = _page(client, world, token).content.decode()
    assert '<meta name="viewport" content="width=device-width' in html
    assert "华锐精密机械厂工会会员评家" in html and world.round.name in html
    assert 'name="csrfmiddlewaretoken"' in html and "基本满意" in html and "维护职工合法权益" in html
    response = _post(client, world, token, world.people["wang"])
    assert response.status_code == 302 and response["Location"] == f"/appraisal/{token}/done/"
    assert "感谢您参加" in client.get(response["Location"], HTTP_HOST=world.host).content.decode()
    assert _counts(world.home) == (4, 1, 1)

    again = _post(client, world, token, world.people["wang"])
    assert again.status_code == 400 and "只能评价一次" in again.content.decode()
    assert _counts(world.home) == (4, 1, 1)


def test_the_page_refuses_without_csrf(opened):
    world = opened
    client = Client(enforce_csrf_checks=True)
    token = appraisal_token(participant=world.home)
    response = client.post(
        f"/appraisal/{token}/", {"name": "王伟"}, HTTP_HOST=world.host, HTTP_USER_AGENT=PHONE_UA
    )
    assert response.status_code == 403
    assert _counts(world.home)[1] == 0


def test_the_page_shows_field_errors_in_chinese(opened, client):
    world = opened
    token = appraisal_token(participant=world.home)
    response = _post(client, world, token, world.people["wang"], rights="9", overall="")
    html = response.content.decode()
    assert response.status_code == 400
    assert "请为“维护职工合法权益”打分" in html and "请选择对本工会" in html
    assert _counts(world.home)[1] == 0


def test_bad_and_unopened_links_show_an_error_page(world, client):
    assert _page(client, world, "forged").status_code == 404
    response = _page(client, world, appraisal_token(participant=world.home))
    assert response.status_code == 403 and "尚未开始" in response.content.decode()
    public = client.get(f"/appraisal/{appraisal_token(participant=world.home)}/", HTTP_HOST="testserver")
    assert public.status_code == 404


@override_settings(UNIONHUB_JOIN_RATE_LIMITS={"per_link_address": 2})
def test_submissions_are_rate_limited_per_link_and_address(opened, client):
    world = opened
    token = appraisal_token(participant=world.home)
    people = [world.people["wang"], world.people["li"], world.people["zhao"]]
    statuses = [_post(client, world, token, person, name="错名").status_code for person in people]
    assert statuses == [400, 400, 429]
    assert _post(client, world, token, world.people["sun"], address="10.0.0.9").status_code == 302


@override_settings(UNIONHUB_JOIN_RATE_LIMITS={"per_address": 1})
def test_the_joining_form_and_the_appraisal_count_an_address_separately(opened):
    from unionhub.ratelimit import public_form_rate_check

    public_form_rate_check(link_key=None, client_address="10.1.1.1")
    with pytest.raises(DomainValidationError):
        public_form_rate_check(link_key=None, client_address="10.1.1.1")
    _answer(opened, opened.people["wang"], client_address="10.1.1.1")
    with pytest.raises(DomainValidationError) as exc:
        _answer(opened, opened.people["li"], client_address="10.1.1.1")
    assert exc.value.errors[0].code == "rate_limited"
