"""Drive objects for the schema walks (tests/audit/test_mutation_audit.py and tests/isolation/test_isolation.py)."""

from __future__ import annotations

from datetime import timedelta

from graphql_relay import to_global_id


def _running(**kwargs):
    from django.utils import timezone

    from drives.services import drive_create

    today = timezone.localdate()
    return drive_create(starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=30), **kwargs)


def _apply(union, token, id_number, name):
    from django_tenants.utils import schema_context

    from recruitment.services import application_submit

    with schema_context(union.schema_name):
        return application_submit(
            token=token,
            union=union,
            name=name,
            id_number=id_number,
            phone="13912340000",
            employment_type="regular",
            consent=True,
        )


def drive_audit_objects(union) -> tuple[list[str], str]:
    """For the audit walk on `union`'s host: (global ids, a joining-link token).

    - a drive run by `union` (driveUpdate edits it; the walk's update moves its period into the past),
    - a second drive whose link the walk's joinByLink uses, so that update cannot expire it: the token is not an
      ID, so the walk gets it through the "token" value hint (set by the audit test for its run only),
    - two pending applications: the walk runs applicationApprove before applicationReject with every id, so
      approve takes the first; the second person became a member meanwhile, so approve refuses it and reject
      takes it.
    """
    from drives.links import link_token
    from drives.services import TargetSpec
    from membership.services import member_create
    from tests.support.members import make_id, member_kwargs

    edited = _running(
        owner_union=union, name="审计入会活动", targets=[TargetSpec(union=union, new_members=10)]
    )
    joined = _running(owner_union=union, name="审计扫码入会活动")
    token = link_token(drive=joined, union_id=union.pk)
    to_approve = _apply(union, token, make_id(), "审计申请人甲")
    number = make_id()
    to_reject = _apply(union, token, number, "审计申请人乙")
    member_create(union=union, **member_kwargs(id_number=number, name="审计申请人乙"))
    ids = [
        to_global_id("Drive", edited.pk),
        to_global_id("Application", to_approve.pk),
        to_global_id("Application", to_reject.pk),
    ]
    return ids, token


def drive_victim_objects(*, union, county) -> tuple[list[str], list[str]]:
    """For the isolation walk: a drive of the victim's county with a target on the victim union, and a pending
    application there. Returns (global ids, strings only the victim's side may see)."""
    from drives.links import link_token
    from drives.services import TargetSpec
    from tests.support.members import make_id

    drive = _running(
        owner_node=county, name="受害县入会集中行动", targets=[TargetSpec(union=union, new_members=5)]
    )
    application = _apply(union, link_token(drive=drive, union_id=union.pk), make_id(), "受害者申请人")
    ids = [to_global_id("Drive", drive.pk), to_global_id("Application", application.pk)]
    return ids, [drive.name, application.name, application.id_number_masked]
