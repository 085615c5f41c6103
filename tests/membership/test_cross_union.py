"""Across unions: one person, one membership (joining a person active elsewhere starts a transfer), and a Branch
object read in another union's schema is never taken for one of this union's branches."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from accounts.models import Role
from membership import services
from membership.models import Member
from tests.support.graphql import grant, make_user, union_client
from tests.support.members import make_id, member_kwargs
from unionhub.errors import DomainValidationError

CREATE = """mutation($input: MemberCreateInput!) { memberCreate(input: $input) {
    errors { field code message } member { id name } notice
    transfer { id status direction requestedBySide originUnionName destinationUnionName name idNumberMasked
               originalJoinDate destinationBranch } } }"""


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    from federations.middleware import forget_host

    forget_host()
    yield
    forget_host()


def member_count(union) -> int:
    with schema_context(union.schema_name):
        return Member.objects.count()


def test_member_create_for_a_person_active_elsewhere_returns_a_transfer_request(union, other_union):
    from audit.models import AuditEntry
    from transfers.models import TransferRequest

    number = make_id(female=True)
    services.member_create(union=other_union, **member_kwargs(id_number=number, join_date="2018-09-01"))
    admin = make_user(full_name="工会主席")
    grant(admin, Role.UNION_ADMIN, union=union)
    api = union_client(admin, union)

    variables = {
        "input": {"name": "王芳", "idNumber": number, "employmentType": "regular", "joinDate": "2024-05-01"}
    }
    result = api.run(CREATE, variables)["memberCreate"]
    assert result["errors"] == [] and result["member"] is None
    transfer = result["transfer"]
    assert transfer["status"] == "REQUESTED" and transfer["direction"] == "IN"
    assert transfer["requestedBySide"] == "DESTINATION"
    assert transfer["destinationUnionName"] == union.name
    assert transfer["name"] == "王芳" and transfer["idNumberMasked"] == number[:6] + "********" + number[-4:]
    # Which union the person belongs to, and since when, is the origin's to tell: the destination learns only
    # that the person is a member elsewhere and that a transfer request went out (issue 14, item 3).
    assert transfer["originUnionName"] is None and transfer["originalJoinDate"] is None
    assert (
        result["notice"] == "此人已是其他工会会员，已发出会员组织关系接转申请，待原工会同意转出后即可接收。"
    )
    body = str(result)
    assert other_union.name not in body and "2018" not in body
    assert member_count(union) == 0  # no second membership

    row = TransferRequest.objects.get()
    assert (row.origin_union_id, row.destination_union_id, row.requested_by_id) == (
        other_union.pk,
        union.pk,
        admin.pk,
    )
    entry = AuditEntry.objects.get(operation="memberCreate")
    assert (entry.object_type, str(entry.object_id)) == ("TransferRequest", str(row.pk))
    assert number not in str(entry.changes)

    # Once the origin releases the person, the destination sees where they come from and the first join date.
    from transfers.services import transfer_release

    transfer_release(transfer=row)
    seen = api.run(NODE, {"id": transfer["id"]})["node"]
    assert (seen["originUnionName"], seen["originalJoinDate"]) == (other_union.name, "2018-09-01")

    # Asking again while that request is open is a field error; nothing more is written.
    again = api.run(CREATE, variables)["memberCreate"]
    assert [(e["field"], e["code"]) for e in again["errors"]] == [("idNumber", "transfer_open")]
    assert again["transfer"] is None and TransferRequest.objects.count() == 1
    assert member_count(union) == 0


NODE = """query($id: ID!) { node(id: $id) { ... on TransferRequest { originUnionName originalJoinDate
    destinationUnionName status } } }"""


def test_a_union_the_person_never_asked_to_join_does_not_block_the_real_one(union, other_union, make_union):
    """The attack: any union types in someone's identity number, learns where they are a member and since when,
    and takes the person's only open-transfer slot so the union they really move to cannot ask for them."""
    from transfers.models import TransferRequest
    from transfers.services import transfer_accept, transfer_release

    squatter = make_union(name="无关物流公司工会")
    number = make_id()
    services.member_create(union=other_union, **member_kwargs(id_number=number, join_date="2015-04-01"))
    variables = {
        "input": {"name": "李明", "idNumber": number, "employmentType": "regular", "joinDate": "2024-05-01"}
    }
    squatter_admin, real_admin, origin_admin = (make_user(full_name=n) for n in ("甲", "乙", "丙"))
    grant(squatter_admin, Role.UNION_ADMIN, union=squatter)
    grant(real_admin, Role.UNION_ADMIN, union=union)
    grant(origin_admin, Role.UNION_ADMIN, union=other_union)

    probe = union_client(squatter_admin, squatter).run(CREATE, variables)["memberCreate"]
    assert probe["errors"] == [] and probe["transfer"]["originUnionName"] is None
    assert other_union.name not in str(probe) and "2015" not in str(probe)

    real = union_client(real_admin, union).run(CREATE, variables)["memberCreate"]
    assert real["errors"] == [] and real["transfer"]["status"] == "REQUESTED"

    # The origin sees who asked, and releases the person to the union they are moving to.
    listing = union_client(origin_admin, other_union).run(
        "{ transfers(direction: OUT) { edges { node { id destinationUnionName status } } } }"
    )["transfers"]["edges"]
    assert sorted(edge["node"]["destinationUnionName"] for edge in listing) == sorted(
        [squatter.name, union.name]
    )
    wanted = TransferRequest.objects.get(destination_union=union)
    transfer_release(transfer=wanted)
    # Releasing the same person to a second union at once is refused.
    from transfers.services import transfer_release as release_again

    with pytest.raises(DomainValidationError) as caught:
        release_again(transfer=TransferRequest.objects.get(destination_union=squatter))
    assert [(e.field, e.code) for e in caught.value.errors] == [("id", "transfer_open")]

    transfer_accept(transfer=wanted)
    assert member_count(union) == 1
    closed = TransferRequest.objects.get(destination_union=squatter)
    assert closed.status == "rejected" and union.name not in closed.reject_reason
    # The squatter still never learns where the person was.
    seen = union_client(squatter_admin, squatter).run(NODE, {"id": probe["transfer"]["id"]})["node"]
    assert seen["originUnionName"] is None and seen["originalJoinDate"] is None


def test_member_create_for_a_new_person_still_creates_the_member(union):
    admin = make_user(full_name="工会主席")
    grant(admin, Role.UNION_ADMIN, union=union)
    variables = {
        "input": {
            "name": "张三",
            "idNumber": make_id(),
            "employmentType": "regular",
            "joinDate": "2024-05-01",
        }
    }
    result = union_client(admin, union).run(CREATE, variables)["memberCreate"]
    assert result["errors"] == [] and result["transfer"] is None and result["member"]["name"] == "张三"
    assert member_count(union) == 1


def _same_id_branches(union, other_union):
    """A branch in each union with the same id (every union numbers its branches from 1)."""
    from organisation.services import branch_create

    with schema_context(union.schema_name):
        mine = branch_create(name="本单位分会")
    with schema_context(other_union.schema_name):
        foreign = branch_create(name="外单位分会")
    assert mine.pk == foreign.pk
    return mine, foreign


def test_a_branch_object_from_another_union_is_refused_even_when_its_id_exists_here(union, other_union):
    mine, foreign = _same_id_branches(union, other_union)
    with pytest.raises(DomainValidationError) as caught:
        services.member_create(union=union, **member_kwargs(branch=foreign))
    assert [(e.field, e.code) for e in caught.value.errors] == [("branch", "not_found")]
    assert member_count(union) == 0

    member = services.member_create(union=union, **member_kwargs(branch=mine))
    assert member.branch_id == mine.pk
    with pytest.raises(DomainValidationError) as caught:
        services.member_update(member=member, union=union, branch=foreign, name="改名")
    assert [(e.field, e.code) for e in caught.value.errors] == [("branch", "not_found")]
    with schema_context(union.schema_name):
        assert Member.objects.filter(pk=member.pk, name="张三", branch_id=mine.pk).exists()

    # Read back in its own schema, the same branch is accepted (the marker follows where the row was read).
    with schema_context(union.schema_name):
        from organisation.models import Branch

        reloaded = Branch.objects.get(pk=mine.pk)
    assert reloaded.loaded_from_schema == union.schema_name
    assert services.member_update(member=member, union=union, branch=None).branch_id is None
    assert services.member_update(member=member, union=union, branch=reloaded).branch_id == mine.pk


def test_joining_with_a_foreign_branch_object_does_not_start_a_transfer_either(union, other_union):
    from transfers.models import TransferRequest
    from transfers.services import member_create_or_request_transfer

    _mine, foreign = _same_id_branches(union, other_union)
    number = make_id()
    services.member_create(union=other_union, **member_kwargs(id_number=number))
    with pytest.raises(DomainValidationError) as caught:
        member_create_or_request_transfer(union=union, **member_kwargs(id_number=number, branch=foreign))
    assert [(e.field, e.code) for e in caught.value.errors] == [("branch", "not_found")]
    assert not TransferRequest.objects.exists()
