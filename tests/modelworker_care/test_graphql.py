"""The GraphQL API: due views for the federation and the union, both sides of the assessment, benefits, rules,
life events, notifications, and query counts that do not grow with the page."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.graphql import client_for, union_client
from tests.support.modelworker_care import freeze, gid, register_worker

TODAY = date(2026, 12, 10)

DUE = """query($days: Int, $node: ID, $kind: ModelWorkerDueKind, $first: Int, $after: String) {
  modelWorkerDueItems(days: $days, node: $node, kind: $kind, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { workerId workerName employerName kind kindLabel dueOn daysLeft year month amountFen } }
  }
}"""

SIGN = """mutation($input: AssessmentSignInput!) {
  modelWorkerAssessmentSign(input: $input) {
    errors { field code message }
    assessment { id year status result federationResult employerResult employerOnBehalf employerSignatory }
  }
}"""


@pytest.fixture
def care(world, monkeypatch):
    from modelworker_care.services.allowances import allowance_rule_create

    freeze(monkeypatch, TODAY)
    allowance_rule_create(
        node=world.county, level="city", effective_from=date(2020, 1, 1), monthly_amount_fen=13000
    )
    w1 = register_worker(node=world.county, union=world.u1, awarded_on=date(2022, 3, 1), name="王铁人")
    w2 = register_worker(node=world.county, union=world.u2, awarded_on=date(2021, 12, 31), name="赵医生")
    far = register_worker(
        node=world.other_county, awarded_on=date(2022, 3, 1), employer_name="邻县某厂", name="邻县劳模"
    )
    return w1, w2, far


def _kinds(data, worker):
    return sorted(
        (e["node"]["kind"], e["node"]["dueOn"])
        for e in data["modelWorkerDueItems"]["edges"]
        if e["node"]["workerId"] == gid("ModelWorker", worker)
    )


def test_the_federation_sees_what_is_due_in_its_subtree(world, care):
    w1, w2, far = care
    data = client_for(world.staff).run(DUE, {"first": 100})
    names = {e["node"]["workerName"] for e in data["modelWorkerDueItems"]["edges"]}
    assert names == {"王铁人", "赵医生"}
    assert _kinds(data, w2) == [
        ("ALLOWANCE", "2026-12-31"),
        ("ASSESSMENT", "2026-12-31"),
        ("HEALTH_CHECK", "2026-12-31"),
        ("REST_STAY", "2026-12-31"),
        ("TERM_END", "2026-12-31"),
    ]
    first = data["modelWorkerDueItems"]["edges"][0]["node"]
    assert first["daysLeft"] == 21 and first["employerName"]
    allowance = next(
        e["node"] for e in data["modelWorkerDueItems"]["edges"] if e["node"]["kind"] == "ALLOWANCE"
    )
    assert allowance["amountFen"] == 13000 and allowance["month"] == "2026-12-01"
    # Narrowed to the township: only the worker of the union below it.
    town = client_for(world.staff).run(DUE, {"node": gid("FederationNode", world.town), "first": 100})
    assert {e["node"]["workerName"] for e in town["modelWorkerDueItems"]["edges"]} == {"王铁人"}
    # Paging walks the same list.
    page = client_for(world.staff).run(DUE, {"first": 3})["modelWorkerDueItems"]
    assert page["totalCount"] == data["modelWorkerDueItems"]["totalCount"] and page["pageInfo"]["hasNextPage"]
    rest = client_for(world.staff).run(DUE, {"first": 100, "after": page["pageInfo"]["endCursor"]})
    assert len(rest["modelWorkerDueItems"]["edges"]) == page["totalCount"] - 3
    # Another federation sees none of it, and neither does the county's node for it.
    outsider = client_for(world.outsider_admin).run(DUE, {"node": gid("FederationNode", world.county)})
    assert outsider["modelWorkerDueItems"]["totalCount"] == 0
    assert {
        e["node"]["workerName"]
        for e in client_for(world.outsider_admin).run(DUE)["modelWorkerDueItems"]["edges"]
    } == {"邻县劳模"}


def test_the_union_sees_its_own_model_workers(world, care):
    w1, w2, _ = care
    data = union_client(world.u1_admin, world.u1).run(DUE, {"first": 100})
    assert {e["node"]["workerName"] for e in data["modelWorkerDueItems"]["edges"]} == {"王铁人"}
    assert union_client(world.u1_admin, world.u2).run(DUE)["modelWorkerDueItems"]["totalCount"] == 0
    assert union_client(world.u2_admin, world.u1).run(DUE)["modelWorkerDueItems"]["totalCount"] == 0
    # Ninety days ahead brings in February's and March's allowances.
    data = union_client(world.u1_admin, world.u1).run(DUE, {"days": 90, "kind": "ALLOWANCE"})
    assert [e["node"]["month"] for e in data["modelWorkerDueItems"]["edges"]] == [
        "2026-12-01",
        "2027-01-01",
        "2027-02-01",
    ]


def test_the_joint_assessment_through_both_hosts(world, care):
    w1, _, _ = care
    worker_id = gid("ModelWorker", w1)
    staff = client_for(world.staff)
    union_admin = union_client(world.u1_admin, world.u1)
    base = {"worker": worker_id, "year": 2026, "result": "FAIL", "notes": "考核不合格"}
    # The union host signs for the employer only.
    refused = union_admin.run(SIGN, {"input": {**base, "side": "FEDERATION"}})["modelWorkerAssessmentSign"]
    assert refused["errors"][0]["field"] == "side" and refused["assessment"] is None
    # Another union's admin cannot reach the worker.
    other = union_client(world.u2_admin, world.u2).run(SIGN, {"input": {**base, "side": "EMPLOYER"}})
    assert other["modelWorkerAssessmentSign"]["errors"][0]["code"] == "not_found"
    first = staff.run(SIGN, {"input": {**base, "side": "FEDERATION"}})["modelWorkerAssessmentSign"]
    assert first["errors"] == [] and first["assessment"]["status"] == "PENDING"
    filed = union_admin.run(SIGN, {"input": {**base, "side": "EMPLOYER"}})["modelWorkerAssessmentSign"]
    assert filed["errors"] == [] and filed["assessment"]["status"] == "FILED"
    assert filed["assessment"]["result"] == "FAIL" and not filed["assessment"]["employerOnBehalf"]
    listed = staff.run(
        "query($w: ID) { modelWorkerAssessments(worker: $w) { totalCount edges { node { year status revocationId "
        "workerName } } } }",
        {"w": worker_id},
    )["modelWorkerAssessments"]
    assert listed["totalCount"] == 1 and listed["edges"][0]["node"]["revocationId"]
    # A year outside the term: a clear error naming the field, in Chinese.
    bad = staff.run(SIGN, {"input": {**base, "year": 2021, "side": "FEDERATION"}})[
        "modelWorkerAssessmentSign"
    ]
    assert bad["errors"][0]["field"] == "year" and "不在延续管理期内" in bad["errors"][0]["message"]


def test_the_federation_signs_for_the_employer_with_the_signatory(world, care):
    w1, _, _ = care
    staff = client_for(world.staff)
    base = {"worker": gid("ModelWorker", w1), "year": 2025, "result": "PASS"}
    missing = staff.run(SIGN, {"input": {**base, "side": "EMPLOYER"}})["modelWorkerAssessmentSign"]
    assert missing["errors"][0]["field"] == "signatory"
    done = staff.run(SIGN, {"input": {**base, "side": "EMPLOYER", "signatory": "厂长张某"}})[
        "modelWorkerAssessmentSign"
    ]
    assert done["assessment"]["employerOnBehalf"] and done["assessment"]["employerSignatory"] == "厂长张某"


def test_benefits_rules_and_totals(world, care):
    w1, _, _ = care
    admin, staff = client_for(world.admin), client_for(world.staff)
    rule = """mutation($input: AllowanceRuleInput!) { modelWorkerAllowanceRuleCreate(input: $input) {
        errors { field code } rule { effectiveFrom monthlyAmountFen level } } }"""
    rule_input = {
        "node": gid("FederationNode", world.county),
        "level": "CITY",
        "effectiveFrom": "2026-07-01",
        "monthlyAmountFen": 15000,
    }
    # Staff record care but do not set policy.
    assert (
        staff.run(rule, {"input": rule_input})["modelWorkerAllowanceRuleCreate"]["errors"][0]["code"]
        == "not_found"
    )
    created = admin.run(rule, {"input": rule_input})["modelWorkerAllowanceRuleCreate"]
    assert created["errors"] == [] and created["rule"]["monthlyAmountFen"] == 15000
    overlap = admin.run(rule, {"input": {**rule_input, "effectiveFrom": "2026-07-01"}})[
        "modelWorkerAllowanceRuleCreate"
    ]
    assert overlap["errors"] == [{"field": "effectiveFrom", "code": "overlap"}]
    rules = staff.run(
        "{ modelWorkerAllowanceRules { totalCount edges { node { effectiveFrom effectiveTo } } } }"
    )
    assert [e["node"] for e in rules["modelWorkerAllowanceRules"]["edges"]] == [
        {"effectiveFrom": "2020-01-01", "effectiveTo": "2026-06-30"},
        {"effectiveFrom": "2026-07-01", "effectiveTo": None},
    ]

    pay = staff.run(
        """mutation($input: AllowancePayInput!) { modelWorkerAllowancePay(input: $input) {
            errors { field code } totalFen benefits { month amountFen } } }""",
        {
            "input": {
                "worker": gid("ModelWorker", w1),
                "fromMonth": "2026-06-01",
                "toMonth": "2026-07-01",
                "givenOn": "2026-07-20",
            }
        },
    )["modelWorkerAllowancePay"]
    assert pay["errors"] == [] and pay["totalFen"] == 28000
    give = staff.run(
        """mutation($input: BenefitGiveInput!) { modelWorkerBenefitGive(input: $input) {
            errors { field code } benefit { kind year amountFen } } }""",
        {
            "input": {
                "worker": gid("ModelWorker", w1),
                "kind": "HARDSHIP",
                "givenOn": "2026-10-08",
                "amountFen": 100000,
            }
        },
    )["modelWorkerBenefitGive"]
    assert give == {"errors": [], "benefit": {"kind": "HARDSHIP", "year": 2026, "amountFen": 100000}}
    totals = staff.run("{ modelWorkerBenefitTotals { reportingYear kind count amountFen } }")[
        "modelWorkerBenefitTotals"
    ]
    assert totals == [
        {"reportingYear": "2027", "kind": "HARDSHIP", "count": 1, "amountFen": 100000},
        {"reportingYear": "2026", "kind": "ALLOWANCE", "count": 2, "amountFen": 28000},
    ]
    # The union sees the benefits of its own model workers; it cannot record them.
    union = union_client(world.u1_admin, world.u1)
    assert union.run("{ modelWorkerBenefits { totalCount } }")["modelWorkerBenefits"]["totalCount"] == 3
    refused = union.run(
        """mutation($input: BenefitGiveInput!) { modelWorkerBenefitGive(input: $input) { errors { code } } }""",
        {
            "input": {
                "worker": gid("ModelWorker", w1),
                "kind": "HARDSHIP",
                "givenOn": "2026-10-08",
                "amountFen": 1,
            }
        },
    )
    assert refused["modelWorkerBenefitGive"]["errors"][0]["code"] == "not_found"
    assert (
        client_for(world.outsider_admin).run("{ modelWorkerBenefits { totalCount } }")["modelWorkerBenefits"][
            "totalCount"
        ]
        == 0
    )


def test_life_events_from_the_union_host_and_notifications(world, care, monkeypatch):
    w1, _, _ = care
    union = union_client(world.u1_admin, world.u1)
    recorded = union.run(
        """mutation($input: LifeEventInput!) { modelWorkerLifeEventRecord(input: $input) {
            errors { field code } lifeEvent { kind occurredOn note workerName } } }""",
        {
            "input": {
                "worker": gid("ModelWorker", w1),
                "kind": "RETIREMENT",
                "occurredOn": "2026-11-30",
                "note": "退休",
            }
        },
    )["modelWorkerLifeEventRecord"]
    assert recorded["errors"] == [] and recorded["lifeEvent"]["workerName"] == "王铁人"
    events = client_for(world.staff).run(
        "{ modelWorkerLifeEvents { totalCount edges { node { kindLabel } } } }"
    )
    assert events["modelWorkerLifeEvents"]["edges"][0]["node"]["kindLabel"] == "退休"

    from modelworker_care.reminders import reminders_send

    reminders_send(today=TODAY)
    inbox = client_for(world.staff).run(
        "{ modelWorkerNotifications(unreadOnly: true) { totalCount edges { node { title kind } } } }"
    )
    count = inbox["modelWorkerNotifications"]["totalCount"]
    assert count > 0
    # The city above the awarding county is not reminded.
    assert (
        client_for(world.city_staff).run("{ modelWorkerNotifications { totalCount } }")[
            "modelWorkerNotifications"
        ]["totalCount"]
        == 0
    )
    marked = client_for(world.staff).run(
        "mutation { modelWorkerNotificationsMarkRead { errors { code } marked } }"
    )
    assert marked["modelWorkerNotificationsMarkRead"] == {"errors": [], "marked": count}
    again = client_for(world.staff).run("{ modelWorkerNotifications(unreadOnly: true) { totalCount } }")
    assert again["modelWorkerNotifications"]["totalCount"] == 0


def _count(api, query, variables=None):
    with CaptureQueriesContext(connection) as captured:
        data = api.run(query, variables)
    return len([q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]), data


LISTS = """{
  modelWorkerDueItems(days: 60, first: 100) { totalCount edges { node { workerName employerName kind } } }
  modelWorkerBenefits(first: 100) { totalCount edges { node { workerName kindLabel amountFen } } }
  modelWorkerAssessments(first: 100) { totalCount edges { node { workerName status } } }
}"""


def test_query_counts_do_not_grow_with_the_number_of_workers(world, care):
    from modelworker_care.services.assessments import assessment_sign
    from modelworker_care.services.benefits import benefit_give

    api = client_for(world.staff)

    def add(n):
        for i in range(n):
            worker = register_worker(
                node=world.county, union=world.u1 if i % 2 else world.u2, awarded_on=date(2022, 5, i + 1)
            )
            benefit_give(worker=worker, kind="hardship", given_on=date(2026, 1, 5), amount_fen=100)
            assessment_sign(worker=worker, year=2025, side="federation", result="pass", actor=world.staff)

    add(2)
    few, data = _count(api, LISTS)
    add(15)
    many, data = _count(api, LISTS)
    assert data["modelWorkerBenefits"]["totalCount"] == 17
    assert data["modelWorkerDueItems"]["totalCount"] > 17 * 3
    assert many == few
    # session, user, grants; per list: count, page, the workers (and their history) in one batch.
    assert many <= 13
