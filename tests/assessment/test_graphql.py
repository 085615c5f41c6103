"""GraphQL: scope (inspectors see their subtree; a union its own published results), the write path, errors, and
query counts for the results page."""

from __future__ import annotations

import json
from decimal import Decimal as D

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from assessment.services.inspection import inspection_scores_set
from assessment.services.rounds import participant_self_scores_submit
from tests.assessment.conftest import to_notice
from tests.support.worlds.assessment import full_scores

PUBLIC = "testserver"


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def gql(user, query, variables=None, host=PUBLIC, client=None):
    from federations.services import union_host

    client = client or client_for(user)
    if not isinstance(host, str):
        host = union_host(host.slug)
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        HTTP_HOST=host,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def gid(type_name, pk):
    return to_global_id(type_name, pk)


PARTICIPANTS = """query($round: ID!) { assessmentParticipants(round: $round) { totalCount
  edges { node { id unionName branchName result { total grade } } } } }"""


def _names(data):
    return sorted(
        (edge["node"]["unionName"], edge["node"]["branchName"])
        for edge in data["assessmentParticipants"]["edges"]
    )


def test_inspectors_see_only_their_subtree(world, participants):
    round_id = gid("AssessmentRound", world.round.pk)
    county = _names(gql(world.inspector, PARTICIPANTS, {"round": round_id}))
    assert county == [("华锐机械厂工会", ""), ("华锐机械厂工会", "一车间分会"), ("鼎盛纺织厂工会", "")]
    town = _names(gql(world.town_inspector, PARTICIPANTS, {"round": round_id}))
    assert town == [("华锐机械厂工会", ""), ("华锐机械厂工会", "一车间分会")]
    assert (
        gql(world.far_admin, PARTICIPANTS, {"round": round_id})["assessmentParticipants"]["totalCount"] == 0
    )
    beta = gid("RoundParticipant", participants.beta.pk)
    assert gql(
        world.town_inspector, "query($id: ID!) { roundParticipant(id: $id) { id } }", {"id": beta}
    ) == {"roundParticipant": None}


def test_a_read_only_dashboard_token_sees_the_subtree_but_cannot_score(world, participants):
    from accounts.services import api_token_create

    _, secret = api_token_create(user=world.town_inspector, name="看板", scopes=["read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    round_id = gid("AssessmentRound", world.round.pk)
    seen = _names(gql(None, PARTICIPANTS, {"round": round_id}, client=client))
    assert seen == [("华锐机械厂工会", ""), ("华锐机械厂工会", "一车间分会")]
    alpha = gid("RoundParticipant", participants.alpha.pk)
    refused = gql(None, INSPECT, {"p": alpha, "scores": [{"itemCode": "1.3", "score": "2"}]}, client=client)
    # A read-scoped token runs no mutation at all (api.core.mutations), whatever the role behind it.
    assert refused["assessmentInspectionScoreSet"]["errors"][0]["code"] == "permission_denied"
    # A union's own admin on the public host still sees no participants (results before publication stay hidden).
    own = gql(world.alpha_admin, PARTICIPANTS, {"round": round_id})
    assert own["assessmentParticipants"]["totalCount"] == 0


INSPECT = """mutation($p: ID!, $scores: [AssessmentScoreInput!]!) {
  assessmentInspectionScoreSet(participant: $p, scores: $scores) {
    errors { field code message } participant { inspectionScores { itemCode score note } } } }"""


def test_inspection_through_graphql_with_scope_and_bad_scores(world, participants):
    alpha = gid("RoundParticipant", participants.alpha.pk)
    beta = gid("RoundParticipant", participants.beta.pk)
    ok = gql(
        world.town_inspector,
        INSPECT,
        {"p": alpha, "scores": [{"itemCode": "1.3", "score": "2", "note": "查阅记录"}]},
    )
    assert ok["assessmentInspectionScoreSet"]["errors"] == []
    assert ok["assessmentInspectionScoreSet"]["participant"]["inspectionScores"] == [
        {"itemCode": "1.3", "score": "2.00", "note": "查阅记录"}
    ]
    refused = gql(world.town_inspector, INSPECT, {"p": beta, "scores": [{"itemCode": "1.3", "score": "2"}]})
    assert refused["assessmentInspectionScoreSet"]["errors"][0]["code"] == "not_found"
    bad = gql(world.inspector, INSPECT, {"p": beta, "scores": [{"itemCode": "2.1", "score": "7"}]})
    error = bad["assessmentInspectionScoreSet"]["errors"][0]
    assert (error["field"], error["code"]) == ("scores.2.1", "max_value") and "6" in error["message"]
    # a union admin may not inspect, even on its own host
    own = gql(
        world.alpha_admin,
        INSPECT,
        {"p": alpha, "scores": [{"itemCode": "1.3", "score": "3"}]},
        host=world.alpha,
    )
    assert own["assessmentInspectionScoreSet"]["errors"][0]["code"] == "not_found"


def test_editing_a_published_standard_is_refused_with_a_clear_error(world):
    query = """mutation($id: ID!, $input: AssessmentStandardContentInput!) {
      assessmentStandardUpdate(id: $id, input: $input) { errors { field code message } } }"""
    content = {
        "name": "改",
        "year": 2026,
        "baseMaxPoints": "10",
        "sections": [
            {
                "title": "一",
                "criteria": [{"itemCode": "X", "text": "t", "maxPoints": "10", "method": "GRADED"}],
            }
        ],
        "grades": [{"grade": "QUALIFIED", "minScore": "6"}],
    }
    data = gql(world.fed_admin, query, {"id": gid("AssessmentStandard", world.standard.pk), "input": content})
    error = data["assessmentStandardUpdate"]["errors"][0]
    assert error["code"] == "published" and "新版本" in error["message"]
    # someone who cannot manage the issuer gets "not found"
    data = gql(world.inspector, query, {"id": gid("AssessmentStandard", world.standard.pk), "input": content})
    assert data["assessmentStandardUpdate"]["errors"][0]["code"] == "not_found"


def _publish(world, participants):
    for p in (participants.alpha, participants.beta, participants.branch):
        participant_self_scores_submit(
            participant=p, scores=full_scores(world.standard), actor=None, at=world.now
        )
    inspection_scores_set(participant=participants.beta, scores={"6.1": D(3)}, actor=None, at=world.now)
    to_notice(world.round, at=world.now)


RANKING = """query($round: ID!, $first: Int, $branches: Boolean) {
  assessmentRanking(round: $round, first: $first, branches: $branches) { totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { rank unionName branchName total grade reason
      breakdown { code awarded source } } } } }"""


def test_union_sees_its_own_result_only_once_published(world, participants):
    _publish(world, participants)
    round_id = gid("AssessmentRound", world.round.pk)
    before = gql(world.alpha_admin, RANKING, {"round": round_id}, host=world.alpha)
    assert before["assessmentRanking"]["totalCount"] == 0
    gql(
        world.fed_admin,
        """mutation($r: ID!) { assessmentRoundPublish(round: $r, decisionNumber: "县工发〔2026〕8号")
        { errors { code } } }""",
        {"r": round_id},
    )
    after = gql(world.alpha_admin, RANKING, {"round": round_id}, host=world.alpha)
    rows = [edge["node"] for edge in after["assessmentRanking"]["edges"]]
    assert [(r["unionName"], r["rank"], r["total"]) for r in rows] == [("华锐机械厂工会", 1, "100.00")]
    assert len(rows[0]["breakdown"]) == 26
    # beta's admin on alpha's host: nothing at all
    assert (
        gql(world.beta_admin, RANKING, {"round": round_id}, host=world.alpha)["assessmentRanking"][
            "totalCount"
        ]
        == 0
    )
    # on its own host alpha sees its rounds but not beta's participation
    mine = gql(world.alpha_admin, PARTICIPANTS, {"round": round_id}, host=world.alpha)
    assert _names(mine) == [("华锐机械厂工会", ""), ("华锐机械厂工会", "一车间分会")]
    branches = gql(world.fed_admin, RANKING, {"round": round_id, "branches": True})
    assert [e["node"]["branchName"] for e in branches["assessmentRanking"]["edges"]] == ["一车间分会"]


def test_ranking_pages_in_rank_order_with_a_constant_number_of_queries(world, participants):
    _publish(world, participants)
    round_id = gid("AssessmentRound", world.round.pk)
    client = client_for(world.fed_admin)
    first = gql(None, RANKING, {"round": round_id, "first": 1}, client=client)["assessmentRanking"]
    assert [e["node"]["unionName"] for e in first["edges"]] == ["华锐机械厂工会"]
    assert first["pageInfo"]["hasNextPage"] is True
    counts = []
    for size in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            page = gql(None, RANKING, {"round": round_id, "first": size}, client=client)
        assert len(page["assessmentRanking"]["edges"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    counts = []
    for size in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            page = gql(
                None,
                PARTICIPANTS.replace("(round: $round)", f"(round: $round, first: {size})"),
                {"round": round_id},
                client=client,
            )
        assert len(page["assessmentParticipants"]["edges"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]  # each participant's result comes from one batched load


def test_results_page_query_count_is_bounded(world, participants, django_assert_max_num_queries):
    _publish(world, participants)
    round_id = gid("AssessmentRound", world.round.pk)
    client = client_for(world.fed_admin)
    # session, user, grants, round, page, count; each statement preceded by django-tenants' SET search_path
    with django_assert_max_num_queries(16):
        gql(None, RANKING, {"round": round_id, "first": 100}, client=client)


def test_round_open_defaults_to_every_eligible_union_and_funding_allocates(world, participants):
    standard = gid("AssessmentStandard", world.standard.pk)
    data = gql(
        world.fed_admin,
        """mutation($input: AssessmentRoundOpenInput!) { assessmentRoundOpen(input: $input) {
          errors { field code message } round { id name organiserName status } } }""",
        {
            "input": {
                "standard": standard,
                "name": "县总工会2027年度验收",
                "selfAssessmentDue": "2030-01-01T00:00:00+08:00",
                "appraisalDue": "2030-01-01T00:00:00+08:00",
                "inspectionDue": "2030-02-01T00:00:00+08:00",
            }
        },
    )
    payload = data["assessmentRoundOpen"]
    assert payload["errors"] == [] and payload["round"]["organiserName"] == "考核县总工会"
    listed = gql(world.fed_admin, PARTICIPANTS, {"round": payload["round"]["id"]})
    assert _names(listed) == [("华锐机械厂工会", ""), ("鼎盛纺织厂工会", "")]  # not the other county's union

    _publish(world, participants)
    round_id = gid("AssessmentRound", world.round.pk)
    gql(
        world.fed_admin,
        """mutation($r: ID!) { assessmentRoundPublish(round: $r, decisionNumber: "县工发〔2026〕8号")
        { errors { code } } }""",
        {"r": round_id},
    )
    pool = gql(
        world.fed_admin,
        """mutation($r: ID!, $input: AssessmentFundingPoolInput!) { assessmentFundingPoolSet(round: $r, input: $input)
          { errors { field code } } }""",
        {
            "r": round_id,
            "input": {
                "amountFen": 1000001,
                "formula": "PER_GRADE",
                "perGrade": [{"grade": "ADVANCED", "amountFen": 3}, {"grade": "QUALIFIED", "amountFen": 1}],
            },
        },
    )
    assert pool["assessmentFundingPoolSet"]["errors"] == []
    allocated = gql(
        world.fed_admin,
        """mutation($r: ID!) { assessmentFundingAllocate(round: $r) { errors { code }
          fundingPool { amountFen allocations { unionName amountFen } } } }""",
        {"r": round_id},
    )["assessmentFundingAllocate"]
    assert allocated["errors"] == []
    shares = allocated["fundingPool"]["allocations"]
    assert sum(a["amountFen"] for a in shares) == 1000001
    titles = gql(
        world.alpha_admin,
        "{ homeTitles { edges { node { gradeName status events { kind } } } } }",
        host=world.alpha,
    )
    assert [e["node"]["gradeName"] for e in titles["homeTitles"]["edges"]] == [
        "合格职工之家"
    ] * 2  # union, branch
