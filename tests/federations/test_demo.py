"""The demo county (federations/demo.py, `manage.py load_demo`) that scripts/start loads for every new developer."""

import json

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

# Tests load one union per township/street/park: the idempotency logic is the same for all twenty.
SMALL = 1


def _counts() -> dict:
    from accounts.models import RoleGrant, User
    from federations.models import FederationNode, Union
    from organisation.models import Branch

    branches = 0
    for union in Union.objects.all():
        with schema_context(union.schema_name):
            branches += Branch.objects.count()
    return {
        "nodes": FederationNode.objects.count(),
        "unions": Union.objects.count(),
        "branches": branches,
        "users": User.objects.count(),
        "grants": RoleGrant.objects.active().count(),
    }


@pytest.fixture
def fresh_host_cache():
    from federations.middleware import forget_host

    forget_host()
    yield
    forget_host()


def test_demo_definition_is_realistic_and_valid():
    from federations.demo import DEMO_LOGINS, DEMO_PASSWORD, SUB_NODES, demo_branch_count, demo_unions
    from federations.validators import validate_credit_code, validate_union_slug

    unions = [union for _, union in demo_unions()]
    assert 18 <= len(unions) <= 24
    assert {node.level for node in SUB_NODES} == {"township", "street", "park"}
    assert len({u.slug for u in unions}) == len(unions)
    assert len({u.credit_code for u in unions}) == len(unions)
    for union in unions:
        validate_credit_code(union.credit_code)  # raises on a bad format or check character
        validate_union_slug(union.slug)
        assert 0 < union.female_staff_count <= union.staff_count
        assert demo_branch_count(union) >= 1
    assert {"joint", "single"} == {u.union_kind for u in unions}
    assert len(DEMO_PASSWORD) >= 10
    assert {login.role for login in DEMO_LOGINS} >= {"platform_admin", "federation_admin", "union_admin"}


def test_a_corrupted_demo_credit_code_would_be_caught():
    from federations.demo import demo_unions
    from federations.validators import validate_credit_code

    code = demo_unions()[0][1].credit_code
    wrong_check = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValidationError):
        validate_credit_code(wrong_check)


def test_loading_the_demo_twice_changes_nothing(db):
    from accounts.models import Role, RoleGrant
    from federations.demo import COUNTY_NAME, demo_load
    from federations.models import FederationNode
    from federations.validators import validate_credit_code

    first = demo_load(unions_per_node=SMALL)
    after_first = _counts()
    assert first.created_anything
    assert after_first["nodes"] == 4
    assert after_first["unions"] == 3
    assert after_first["branches"] == first.created_branches > after_first["unions"]
    assert after_first["users"] == 4

    second = demo_load(unions_per_node=SMALL)
    assert not second.created_anything
    assert _counts() == after_first
    assert [u.pk for u in second.unions] == [u.pk for u in first.unions]

    county = FederationNode.objects.get(name=COUNTY_NAME, parent=None)
    assert county.effective_report_recipient_name == "示范市总工会"
    assert county.children.count() == 3
    for union in second.unions:
        validate_credit_code(union.credit_code)
        assert union.node_path.startswith(county.path)
    grants = set(RoleGrant.objects.active().values_list("user__username", "role"))
    assert ("county_admin", Role.FEDERATION_ADMIN) in grants
    assert ("chengguan_staff", Role.FEDERATION_STAFF) in grants
    assert ("huarui_admin", Role.UNION_ADMIN) in grants


def test_demo_shows_a_retiree_keeping_membership_and_a_pending_automatic_withdrawal_proposal(db):
    from federations.demo import demo_load
    from membership.models import Member, WithdrawalProposal

    union = demo_load(unions_per_node=SMALL).unions[0]
    demo_load(unions_per_node=SMALL)  # idempotent
    with schema_context(union.schema_name):
        assert Member.objects.filter(status="retained", status_reason="retired").count() == 1
        proposal = WithdrawalProposal.objects.get()
        assert proposal.status == "pending" and proposal.talk.officer_name == "工会主席"
        assert proposal.member.status == "active"


def test_demo_logins_use_the_printed_password(db):
    from accounts.models import User
    from federations.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_load

    demo_load(unions_per_node=SMALL)
    for login in DEMO_LOGINS:
        assert User.objects.get(username=login.username).check_password(DEMO_PASSWORD)
    assert User.objects.get(username="platform_admin").is_superuser


def test_demo_union_host_answers_graphql_and_unknown_host_is_404(db, client, fresh_host_cache, settings):
    from federations.demo import demo_load

    union = demo_load(unions_per_node=SMALL).unions[0]
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": "{ __typename }"}),
        content_type="application/json",
        HTTP_HOST=f"{union.slug}.{settings.UNIONHUB_BASE_DOMAIN}",
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"__typename": "Query"}

    missing = client.post(
        "/graphql/",
        data=json.dumps({"query": "{ __typename }"}),
        content_type="application/json",
        HTTP_HOST=f"no-such-union.{settings.UNIONHUB_BASE_DOMAIN}",
    )
    assert missing.status_code == 404
    assert "未找到该工会" in missing.content.decode()


def test_env_example_lists_every_setting_read_from_the_environment():
    """.env.example is the configuration reference (README links it): a new variable must be documented there."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    read = set()
    for source in ("platform/unionhub/settings.py", "workers/jobs/celery_app.py"):
        text = (root / source).read_text()
        read |= set(re.findall(r"""(?:environ\.get|getenv|env_bool)\(\s*["']([A-Z][A-Z0-9_]+)["']""", text))
        read |= set(re.findall(r"""environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]""", text))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (root / ".env.example").read_text(), re.M))
    assert "DATABASE_URL" in read and "DATABASE_URL" in documented
    assert sorted(read - documented) == []
