"""The isolation walk's world: a victim union with one object of every domain (and the strings only its side may
see), its insiders, and the outsiders who probe it."""

from __future__ import annotations

from graphql_relay import to_global_id

from tests.factories import union_kwargs

PUBLIC_HOST = "testserver"


def _this_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year


def _host(union) -> str:
    from federations.services import union_host

    return union_host(union.slug)


def build_world():
    from django_tenants.utils import schema_context

    from accounts.models import RoleGrant, User
    from accounts.services import api_token_create
    from federations.services import node_create, union_provision
    from organisation.models import Branch

    victim_county = node_create(level="county", name="受害县总工会", division_code="330110")
    victim_town = node_create(
        level="township", name="受害镇工会", division_code="330110", parent=victim_county
    )
    victim_union = union_provision(
        parent_node=victim_town, **union_kwargs(slug="victim-union", name="受害者机械厂工会")
    )
    with schema_context(victim_union.schema_name):
        victim_branch = Branch.objects.create(name="受害者一车间分会")
    from membership.services import member_create
    from tests.support.members import member_kwargs

    victim_member = member_create(
        union=victim_union, **member_kwargs(name="受害者会员甲", branch=victim_branch, phone="13911112222")
    )

    other_county = node_create(level="county", name="邻县总工会", division_code="330111")
    other_union = union_provision(
        parent_node=other_county, **union_kwargs(slug="other-union", name="邻县纺织厂工会")
    )

    victim_admin = User.objects.create_user(username="victim_admin", password="x", full_name="受害管理员")
    RoleGrant.objects.create(user=victim_admin, role="union_admin", union=victim_union)
    victim_fed_admin = User.objects.create_user(username="victim_fed", password="x", full_name="受害县干部")
    RoleGrant.objects.create(user=victim_fed_admin, role="federation_admin", node=victim_county)
    victim_token, _ = api_token_create(user=victim_admin, name="受害者看板令牌", scopes=["read", "write"])

    other_union_admin = User.objects.create_user(username="other_union_admin", password="x")
    RoleGrant.objects.create(user=other_union_admin, role="union_admin", union=other_union)
    other_fed_admin = User.objects.create_user(username="other_fed_admin", password="x")
    RoleGrant.objects.create(user=other_fed_admin, role="federation_admin", node=other_county)
    no_role = User.objects.create_user(username="no_role_user", password="x")
    platform_admin = User.objects.create_user(username="walk_platform_admin", password="x")
    RoleGrant.objects.create(user=platform_admin, role="platform_admin")
    # An outsider's read-scoped API token (the federation admin of another county): a dashboard credential.
    read_token, read_secret = api_token_create(user=other_fed_admin, name="邻县看板令牌", scopes=["read"])
    own_ids = {
        "Union": to_global_id("Union", other_union.pk),
        "FederationNode": to_global_id("FederationNode", other_county.pk),
    }

    victim_ids = []
    for type_name, obj in (
        ("Union", victim_union),
        ("FederationNode", victim_county),
        ("FederationNode", victim_town),
        ("ApiToken", victim_token),
        ("User", victim_admin),
    ):
        victim_ids.append(to_global_id(type_name, obj.pk))
    from api.core.ids import to_tenant_global_id

    victim_ids += [
        to_tenant_global_id("Branch", victim_union.pk, victim_branch.pk),
        to_tenant_global_id("Member", victim_union.pk, victim_member.pk),
    ]
    # A pending 视为自动退会 proposal and an expulsion case of the victim union.
    from tests.support.worlds.membership import membership_procedure_objects

    victim_ids += membership_procedure_objects(victim_union, prefix="受害者")

    # A transfer between the victim and a union of its own county: only those two unions may see or act on it.
    from membership.services import member_create
    from tests.support.members import member_kwargs
    from transfers.services import transfer_request_send

    partner_union = union_provision(parent_node=victim_town, **union_kwargs(name="受害者伙伴工会"))
    leaving = member_create(union=victim_union, **member_kwargs(name="受害者会员转出"))
    victim_transfer = transfer_request_send(
        origin_union=victim_union, member_id=leaving.pk, destination_union=partner_union
    )
    victim_ids.append(to_global_id("TransferRequest", victim_transfer.pk))

    # A drive of the victim's county covering the victim union, with a pending application there.
    from tests.support.worlds.drives import drive_victim_objects

    drive_ids, drive_strings = drive_victim_objects(union=victim_union, county=victim_county)
    victim_ids += drive_ids

    # The victim's self-assessment (note, evidence) and member appraisal.
    from tests.support.worlds.selfassessment import selfassessment_victim_objects

    assessment_ids, assessment_strings = selfassessment_victim_objects(
        union=victim_union, county=victim_county
    )
    victim_ids += assessment_ids

    # The victim county's 职工之家 standard, rounds with the victim union, its results, title and funding.
    from tests.support.worlds.assessment import assessment_victim_objects

    home_ids, home_strings = assessment_victim_objects(union=victim_union, county=victim_county)
    victim_ids += home_ids

    # The victim county's statistical reporting: the union's returned report, explanations, files, deliveries.
    from tests.support.worlds.reporting import reporting_victim_objects

    report_ids, report_strings = reporting_victim_objects(
        union=victim_union, county=victim_county, town=victim_town
    )
    victim_ids += report_ids

    # A model worker of the victim county in the victim union, with its care records and a reminder.
    from tests.support.worlds.modelworker_care import care_victim_objects

    care_ids, care_strings = care_victim_objects(
        union=victim_union, county=victim_county, victim_admin=victim_admin
    )
    victim_ids += care_ids

    # The victim county's award batch: nominations from the victim union, a running notice with an objection,
    # a registered model worker with a revocation proposal.
    from tests.support.worlds.modelworkers import modelworkers_victim_objects

    registry_ids, registry_strings = modelworkers_victim_objects(union=victim_union, county=victim_county)
    victim_ids += registry_ids

    # The victim county's closed reporting period and its snapshot.
    from tests.support.worlds.rollup import rollup_victim_objects

    victim_ids += rollup_victim_objects(county=victim_county)

    # An import and an export of the victim union (import files are stored like an upload's).
    from imports.services import export_job_create, import_job_create

    import_job = import_job_create(
        kind="branches",
        filename="受害者分会导入.csv",
        content="名称,类型\n受害者导入分会,分会\n".encode(),
        user=victim_admin,
        union=victim_union,
    )
    export_job = export_job_create(kind="branches", user=victim_admin, union=victim_union)
    victim_ids += [to_global_id("ImportJob", import_job.pk), to_global_id("ExportJob", export_job.pk)]
    victim_strings_extra = [import_job.file_name]

    # One audit entry in the victim's scope, so auditEntries (and its operation filter) has something to reach.
    from audit.services import audit_record

    audit_record(actor=victim_admin, operation="victimProbe", union=victim_union)

    return {
        "victim_union": victim_union,
        "victim_admin": victim_admin,
        "victim_fed_admin": victim_fed_admin,
        "other_union": other_union,
        "victim_ids": victim_ids,
        # Strings only the victim's side holds: any of them in a response is a leak.
        "victim_strings": [
            victim_union.name,
            victim_union.slug,
            victim_union.credit_code,
            victim_county.name,
            victim_town.name,
            victim_admin.username,
            victim_token.name,
            victim_token.prefix,
            leaving.name,
            victim_member.name,
            victim_member.id_number_masked,
            victim_member.phone,
            victim_branch.name,
            partner_union.name,
            *drive_strings,
            *assessment_strings,
            *home_strings,
            *report_strings,
            *care_strings,
            *registry_strings,
            *victim_strings_extra,
            *[i for i in victim_ids if len(i) > 6],
        ],
        "platform_admin": platform_admin,
        "insiders": [
            (victim_admin, _host(victim_union)),
            (victim_fed_admin, PUBLIC_HOST),
            (platform_admin, PUBLIC_HOST),
            (platform_admin, _host(victim_union)),
        ],
        # Each prober: (user, bearer secret or None, its own union host or None, its own ids by type).
        "probers": {
            "other_union_admin": (other_union_admin, None, _host(other_union), own_ids),
            "other_federation_admin": (other_fed_admin, None, _host(other_union), own_ids),
            "read_token": (other_fed_admin, read_secret, None, own_ids),
            "no_role": (no_role, None, None, {}),
            "anonymous": (None, None, None, {}),
        },
        "read_token_id": read_token.pk,
        "filter_values": {
            "year": _this_year(),
            "batch_year": _this_year(),
            "search": "受害",
            "audit_operation": "victimProbe",
        },
        "victim_member_kwargs": member_kwargs,
    }
