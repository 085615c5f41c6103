"""Mutations for drives and applications: thin calls into drives.services and recruitment.services."""

from __future__ import annotations

import graphene
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, union_for
from api.core.errors import errors_from_validation, field_not_found
from api.core.mutations import BaseMutation
from audit.middleware import client_ip
from audit.services import audit_snapshot
from drives import selectors, services
from drives.links import invalid_link
from recruitment import services as recruitment
from unionhub.errors import DomainValidationError

from .types import BRANCH, Application, Drive, application_for, drive_for


class DriveTargetInput(graphene.InputObjectType):
    union = graphene.ID(
        description="Global id of the union. Default: the union of the host, or the owner of a union-run drive."
    )
    branch = graphene.ID(description="Global id of one of its branches; omitted = the union as a whole.")
    new_members = graphene.Int(required=True, description="New members to recruit (0 or more).")
    rate_permille = graphene.Int(description="Target 入会率 in per mille, 0-1000 (850 = 85.0%).")


def _target_specs(context, targets, *, owner_union) -> list[services.TargetSpec]:
    """Resolve target units through the access helpers; a unit the actor cannot see is "not found"."""
    specs = []
    for target in targets or ():
        try:
            if target.get("union") is not None:
                union = union_for(context, target["union"], Perm.UNION_VIEW)
            elif context.union is not None:
                union = union_for(context, ids.to_global_id(ids.UNION, context.union.pk), Perm.UNION_VIEW)
            elif owner_union is not None:
                union = owner_union
            else:
                raise DomainValidationError.single("targets", "required", _("请为每项目标选择工会。"))
        except AccessDenied:
            raise field_not_found("targets") from None
        branch_id = None
        if target.get("branch") is not None:
            branch_id = ids.decode_global_id(target["branch"], BRANCH)
            if branch_id is None:
                raise DomainValidationError.single("targets", "unknown_branch", _("所选分会不属于该工会。"))
        specs.append(
            services.TargetSpec(
                union=union,
                branch_id=branch_id,
                new_members=target["new_members"],
                rate_target_permille=target.get("rate_permille"),
            )
        )
    return specs


class DriveCreateInput(graphene.InputObjectType):
    owner = graphene.ID(
        required=True,
        description="A FederationNode (drive for the unions below it) or a Union (its own drive) global id.",
    )
    name = graphene.String(required=True)
    description = graphene.String()
    starts_on = graphene.Date(required=True)
    ends_on = graphene.Date(required=True)
    target_groups = graphene.List(
        graphene.NonNull(graphene.String), description="Employment types aimed at; empty = everyone."
    )
    targets = graphene.List(graphene.NonNull(DriveTargetInput))


class DriveCreate(BaseMutation):
    """Start a drive: federation admins on a node they manage, union admins for their union."""

    class Arguments:
        input = DriveCreateInput(required=True)

    drive = graphene.Field(Drive)

    @classmethod
    def perform(cls, info, context, input):
        owner_node = owner_union = None
        try:
            if ids.global_id_type(input["owner"]) == ids.FEDERATION_NODE:
                owner_node = node_for(context, input["owner"], Perm.NODE_MANAGE)
            else:
                owner_union = union_for(context, input["owner"], Perm.UNION_MANAGE)
        except AccessDenied:
            raise field_not_found("owner") from None
        drive = services.drive_create(
            owner_node=owner_node,
            owner_union=owner_union,
            name=input["name"],
            description=input.get("description") or "",
            starts_on=input["starts_on"],
            ends_on=input["ends_on"],
            target_groups=input.get("target_groups") or (),
            targets=_target_specs(context, input.get("targets"), owner_union=owner_union),
            actor_id=getattr(context.user, "pk", None),
        )
        return {"drive": drive}


class DriveUpdateInput(graphene.InputObjectType):
    """Only the fields sent are changed; `targets`, when sent, replaces all targets."""

    name = graphene.String()
    description = graphene.String()
    starts_on = graphene.Date()
    ends_on = graphene.Date()
    target_groups = graphene.List(graphene.NonNull(graphene.String))
    targets = graphene.List(graphene.NonNull(DriveTargetInput))


class DriveUpdate(BaseMutation):
    """Edit a drive the viewer runs (on a union host: that union's own drives)."""

    class Arguments:
        id = graphene.ID(required=True)
        input = DriveUpdateInput(required=True)

    drive = graphene.Field(Drive)

    @classmethod
    def perform(cls, info, context, id, input):
        try:
            drive = drive_for(context, id)
        except AccessDenied:
            raise field_not_found("id") from None
        if not selectors.can_manage_drive(context.actor, drive) or (
            context.union is not None and drive.owner_union_id != context.union.pk
        ):
            raise field_not_found("id")
        changes = {key: value for key, value in input.items() if key != "targets" and value is not None}
        targets = None
        if input.get("targets") is not None:
            targets = _target_specs(context, input["targets"], owner_union=drive.owner_union)
        before = audit_snapshot(drive, changes)
        drive = services.drive_update(drive=drive, targets=targets, **changes)
        if targets is not None:
            before["targets"] = None
        return {"drive": drive, "_audit_before": before}


class JoinInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    id_number = graphene.String(
        required=True, description="Identity number (GB 11643; 15-digit numbers upgraded)."
    )
    phone = graphene.String(required=True, description="11-digit mainland mobile number.")
    employment_type = graphene.String(required=True, description="A membership EmploymentType value.")
    branch = graphene.ID(description="A branch of the union; ignored when the link names one.")
    consent = graphene.Boolean(required=True, description="Consent to the processing of the personal data.")


class JoinByLink(BaseMutation):
    """Apply to join the union of the host through a drive's signed link. Public (no login); rate-limited per link
    and per client address. The same service serves the /join/<token>/ page."""

    class Arguments:
        token = graphene.String(required=True)
        input = JoinInput(required=True)

    ok = graphene.Boolean(required=True, description="True when the application was received.")

    login_required = False

    @classmethod
    def mutate(cls, root, info, **arguments):
        # Public on the union's host: the signed token is the authority, so the base class's "actor must see this
        # union" gate does not apply; everything else (one transaction, typed errors, audit) is the same.
        try:
            with transaction.atomic():
                result = cls.perform(info, info.context, **arguments)
                cls.after_success(info, arguments, result)
        except DomainValidationError as exc:
            return cls(errors=errors_from_validation(exc, cls.error_field_names), ok=False)
        result.pop("application", None)
        return cls(errors=[], **result)

    @classmethod
    def perform(cls, info, context, token, input):
        if context.union is None:
            raise invalid_link()
        branch_id = None
        if input.get("branch") is not None:
            branch_id = ids.decode_global_id(input["branch"], BRANCH) or -1
        application = recruitment.application_submit(
            token=token,
            union=context.union,
            name=input["name"],
            id_number=input["id_number"],
            phone=input["phone"],
            employment_type=input["employment_type"],
            branch_id=branch_id,
            consent=input["consent"],
            client_address=client_ip(context.request),
        )
        # The applicant sees no ids; the audit entry names the application.
        return {"ok": True, "application": application}

    @classmethod
    def audit_changes(cls, arguments, result):
        arguments = {key: value for key, value in arguments.items() if key != "token"}
        return super().audit_changes(arguments, result)


def _decidable(context, global_id):
    try:
        return application_for(context, global_id)
    except AccessDenied:
        raise field_not_found("id") from None


class ApplicationApprove(BaseMutation):
    """Approve an application (host's union, member.manage): creates the member and counts it in the drive."""

    class Arguments:
        id = graphene.ID(required=True)

    application = graphene.Field(Application)

    @classmethod
    def perform(cls, info, context, id):
        application = _decidable(context, id)
        application = recruitment.application_approve(
            union=context.union, application=application, actor_id=getattr(context.user, "pk", None)
        )
        return {"application": application}


class ApplicationReject(BaseMutation):
    """Reject an application with a reason (host's union, member.manage)."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    application = graphene.Field(Application)

    @classmethod
    def perform(cls, info, context, id, reason):
        application = _decidable(context, id)
        application = recruitment.application_reject(
            union=context.union,
            application=application,
            reason=reason,
            actor_id=getattr(context.user, "pk", None),
        )
        return {"application": application}


class DriveMutations(graphene.ObjectType):
    drive_create = DriveCreate.Field()
    drive_update = DriveUpdate.Field()
    join_by_link = JoinByLink.Field()
    # Approve before reject: the audit walk relies on this order (see tests/audit/test_mutation_audit.py).
    application_approve = ApplicationApprove.Field()
    application_reject = ApplicationReject.Field()
