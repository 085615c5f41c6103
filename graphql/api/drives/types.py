"""GraphQL types for membership drives, their joining links, progress, and the applications queue."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.pagination import CountableConnection
from api.core.types import ModelNode, enum_from_choices
from drives import models, selectors
from recruitment.models import Application as ApplicationModel
from recruitment.models import ApplicationStatus

from .loaders import VisibleDriveLoader

DRIVE = "Drive"
APPLICATION = "Application"
# Global-id type names of tenant objects (the membership API names them the same way).
MEMBER = "Member"
BRANCH = "Branch"

ApplicationStatusEnum = enum_from_choices(ApplicationStatus, "Where an application to join stands.")


class DriveUnitLevel(graphene.Enum):
    """The level of a progress row."""

    COUNTY = "county"
    TOWNSHIP = "township"  # 乡镇 / 街道 / 园区工会
    UNION = "union"
    BRANCH = "branch"


def drive_for(context, global_id) -> models.Drive:
    """The drive behind `global_id` if the actor may see it (on a union host: a drive covering that union)."""
    pk = ids.decode_global_id(global_id, DRIVE)
    if pk is None:
        raise AccessDenied
    if context.union is not None and not context.union_visible:
        raise AccessDenied
    return selectors.access_drive(context.actor, pk, union=context.union)


def application_for(context, global_id) -> ApplicationModel:
    """An application of the host's union that the actor may decide on."""
    from recruitment.selectors import access_application

    pk = ids.decode_global_id(global_id, APPLICATION)
    if pk is None or context.union is None or not context.union_visible:
        raise AccessDenied
    return access_application(context.actor, context.union, pk)


def _employment_type_labels() -> dict[str, str]:
    from membership.models import EmploymentType

    return {code: str(label) for code, label in EmploymentType.choices}


class DriveTarget(graphene.ObjectType):
    """A unit's target: a union as a whole, or one of its branches."""

    union_id = graphene.ID(required=True, description="Global id of the union.")
    union_name = graphene.String(required=True)
    branch_id = graphene.ID(description="Global id of the branch; null for the union as a whole.")
    branch_name = graphene.String(required=True)
    new_members_target = graphene.Int(required=True, description="New members to recruit.")
    rate_target_permille = graphene.Int(description="Target 入会率 in per mille (850 = 85.0%); null = none.")

    @staticmethod
    def resolve_union_id(root, info):
        return ids.to_global_id(ids.UNION, root.union_id)

    @staticmethod
    def resolve_union_name(root, info):
        return root.union.name

    @staticmethod
    def resolve_branch_id(root, info):
        return ids.to_global_id(BRANCH, root.branch_id) if root.branch_id else None


class Drive(ModelNode):
    """A membership drive (会员发展行动) run by a federation node for the unions below it, or by one union."""

    class Meta:
        name = DRIVE
        model = models.Drive
        fetch = drive_for

    name = graphene.String(required=True)
    description = graphene.String(required=True)
    owner_node_name = graphene.String(description="The federation node running the drive (node-run drives).")
    owner_union_name = graphene.String(description="The union running the drive (union-run drives).")
    starts_on = graphene.Date(required=True)
    ends_on = graphene.Date(required=True)
    target_groups = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="Employment types the drive aims at (membership EmploymentType values); empty = everyone.",
    )
    target_group_labels = graphene.List(graphene.NonNull(graphene.String), required=True)
    targets = graphene.List(
        graphene.NonNull(DriveTarget),
        required=True,
        description="Targets of the units the viewer may see (on a union host: that union's).",
    )
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_owner_node_name(root, info):
        return root.owner_node.name if root.owner_node_id else None

    @staticmethod
    def resolve_owner_union_name(root, info):
        return root.owner_union.name if root.owner_union_id else None

    @staticmethod
    def resolve_target_group_labels(root, info):
        labels = _employment_type_labels()
        return [labels.get(code, code) for code in root.target_groups]

    @staticmethod
    def resolve_targets(root, info):
        context = info.context
        from federations.models import Union

        queryset = root.targets.select_related("union").filter(
            union__in=Union.objects.filter(context.actor.union_filter(Perm.UNION_VIEW)).values("pk")
        )
        if context.union is not None:
            queryset = queryset.filter(union_id=context.union.pk)
        return list(queryset)


class DriveConnection(CountableConnection):
    class Meta:
        node = Drive


class DriveJoinLink(graphene.ObjectType):
    """A signed joining link for one unit of a drive, valid until the drive's last day."""

    url = graphene.String(required=True, description="https://<union host>/join/<token>/")
    token = graphene.String(required=True)
    qr_svg = graphene.String(required=True, description="The URL as a QR code (SVG markup, print as is).")
    expires_on = graphene.Date(required=True, description="Last day the link works (the drive's end).")


class DriveProgressRow(graphene.ObjectType):
    """Progress of one unit: new members against the target, and the current 入会率 (members / staff)."""

    level = graphene.Field(DriveUnitLevel, required=True)
    name = graphene.String(required=True)
    node_id = graphene.ID(description="Global id of the federation node (county and township rows).")
    union_id = graphene.ID(description="Global id of the union (union and branch rows).")
    branch_id = graphene.ID(description="Global id of the branch (branch rows).")
    new_members = graphene.Int(required=True, description="Members created from approved applications.")
    new_members_target = graphene.Int(required=True)
    members = graphene.Int(required=True, description="Members now (live facts).")
    staff = graphene.Int(description="Staff (职工人数) from the union profiles; null for branches.")
    rate_permille = graphene.Int(
        description="Current 入会率 in per mille (members / staff); null without staff."
    )
    rate_target_permille = graphene.Int(
        description="Target 入会率 in per mille (above a union: weighted by staff); null = none."
    )

    @staticmethod
    def resolve_node_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.node_id) if root.node_id else None

    @staticmethod
    def resolve_union_id(root, info):
        return ids.to_global_id(ids.UNION, root.union_id) if root.union_id else None

    @staticmethod
    def resolve_branch_id(root, info):
        return ids.to_global_id(BRANCH, root.branch_id) if root.branch_id else None


class Application(ModelNode):
    """An application to join the union of the host, submitted through a drive's link."""

    class Meta:
        name = APPLICATION
        model = ApplicationModel
        fetch = application_for

    drive = graphene.Field(Drive, description="Null when the viewer may not see the drive.")
    name = graphene.String(required=True)
    phone = graphene.String(required=True)
    id_kind = graphene.String(required=True)
    id_number_masked = graphene.String(
        required=True, description="Identity number, masked (110105********0123)."
    )
    employment_type = graphene.String(required=True)
    employment_type_label = graphene.String(required=True)
    branch_id = graphene.ID(description="Global id of the chosen branch.")
    branch_name = graphene.String()
    status = graphene.Field(ApplicationStatusEnum, required=True)
    status_label = graphene.String(required=True)
    reason = graphene.String(required=True, description="Why it was rejected.")
    decided_at = graphene.DateTime()
    member_id = graphene.ID(description="Global id of the member created on approval.")
    transfer_request_id = graphene.ID(
        description="Global id of the transfer request when the person held membership elsewhere."
    )
    created_at = graphene.DateTime(required=True)
    already_member = graphene.Boolean(
        required=True,
        description="The person holds membership in this union (the applicant is not told; approve would refuse).",
    )

    @staticmethod
    def resolve_drive(root, info):
        return info.context.loader(VisibleDriveLoader).load(root.drive_id)

    @staticmethod
    def resolve_already_member(root, info):
        known = getattr(root, "already_member", None)
        if known is not None:  # annotated by the queue's query
            return known
        from recruitment.selectors import with_already_member

        return (
            with_already_member(type(root).objects.filter(pk=root.pk))
            .values_list("already_member", flat=True)
            .first()
            or False
        )

    @staticmethod
    def resolve_employment_type_label(root, info):
        return _employment_type_labels().get(root.employment_type, root.employment_type)

    @staticmethod
    def resolve_branch_id(root, info):
        return ids.to_global_id(BRANCH, root.branch_id) if root.branch_id else None

    @staticmethod
    def resolve_branch_name(root, info):
        return root.branch.name if root.branch_id else None

    @staticmethod
    def resolve_status_label(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_member_id(root, info):
        return ids.to_global_id(MEMBER, root.member_id) if root.member_id else None

    @staticmethod
    def resolve_transfer_request_id(root, info):
        if not root.transfer_request_id:
            return None
        return ids.to_global_id("TransferRequest", root.transfer_request_id)


class ApplicationConnection(CountableConnection):
    class Meta:
        node = Application
