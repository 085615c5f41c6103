"""Mutations on the federation tree and unions: thin calls into federations.services."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from accounts.access import AccessDenied, Perm
from api.core.access import node_for, union_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from audit.services import audit_snapshot
from federations import services
from jobs.celery_app import enqueue_on_commit
from jobs.provisioning import union_schema_create_task
from unionhub.errors import DomainValidationError

from .types import FederationNode, Union


def _managed_node(context, global_id, field: str):
    """The node behind `global_id` if the actor may manage it (node.manage); a field error otherwise."""
    try:
        return node_for(context, global_id, Perm.NODE_MANAGE)
    except AccessDenied:
        raise field_not_found(field) from None


class FederationNodeCreateInput(graphene.InputObjectType):
    parent = graphene.ID(description="The node above; omitted only by platform admins creating a top node.")
    level = graphene.String(required=True, description='A NodeLevel value, e.g. "township".')
    name = graphene.String(required=True)
    division_code = graphene.String(required=True)
    report_recipient_name = graphene.String(
        description="Who receives reports when that is not on the platform."
    )


class FederationNodeCreate(BaseMutation):
    """Add a node under one the viewer manages."""

    class Arguments:
        input = FederationNodeCreateInput(required=True)

    node = graphene.Field(FederationNode)

    @classmethod
    def perform(cls, info, context, input):
        if input.get("parent") is not None:
            parent = _managed_node(context, input["parent"], "parent")
        elif context.union is None and context.actor.can_globally(Perm.NODE_MANAGE):
            parent = None
        else:
            raise DomainValidationError.single("parent", "required", _("请选择上级组织。"))
        node = services.node_create(
            level=input["level"],
            name=input["name"],
            division_code=input["division_code"],
            parent=parent,
            report_recipient_name=input.get("report_recipient_name") or "",
        )
        return {"node": node}


class UnionProvisionInput(graphene.InputObjectType):
    parent_node = graphene.ID(required=True)
    slug = graphene.String(required=True, description="Becomes the host: <slug>.<base domain>.")
    name = graphene.String(required=True)
    credit_code = graphene.String(required=True)
    unit_type = graphene.String(required=True, description="A UnitType value.")
    ownership_type = graphene.String(required=True, description="An OwnershipType value.")
    union_kind = graphene.String(description="A UnionKind value (default single).")
    staff_count = graphene.Int()
    female_staff_count = graphene.Int()
    founded_on = graphene.Date()


class UnionProvision(BaseMutation):
    """Register a grassroots union under a node the viewer administers. Its schema is created in the background;
    the union answers with status PROVISIONING until then."""

    class Arguments:
        input = UnionProvisionInput(required=True)

    union = graphene.Field(Union)

    @classmethod
    def perform(cls, info, context, input):
        parent = _managed_node(context, input["parent_node"], "parent_node")
        optional = {
            key: input[key]
            for key in ("union_kind", "staff_count", "female_staff_count", "founded_on")
            if input.get(key) is not None
        }
        union = services.union_register(
            parent_node=parent,
            slug=input["slug"],
            name=input["name"],
            credit_code=input["credit_code"],
            unit_type=input["unit_type"],
            ownership_type=input["ownership_type"],
            **optional,
        )
        # Sent after commit only: the worker must find the row, and a rolled-back request creates no schema.
        enqueue_on_commit(union_schema_create_task, union.pk)
        return {"union": union}


class UnionProfileInput(graphene.InputObjectType):
    """Only the fields sent are changed."""

    name = graphene.String()
    credit_code = graphene.String()
    unit_type = graphene.String()
    ownership_type = graphene.String()
    union_kind = graphene.String()
    staff_count = graphene.Int()
    female_staff_count = graphene.Int()
    fulltime_officer_count = graphene.Int(description="专职工会干部数")
    has_workers_congress = graphene.Boolean(description="建立职代会制度")
    has_affairs_disclosure = graphene.Boolean(description="实行厂务公开")
    founded_on = graphene.Date()


class UnionUpdateProfile(BaseMutation):
    """Edit a union's profile (union admins and the federation above)."""

    class Arguments:
        id = graphene.ID(required=True)
        input = UnionProfileInput(required=True)

    union = graphene.Field(Union)

    @classmethod
    def perform(cls, info, context, id, input):
        try:
            union = union_for(context, id, Perm.UNION_MANAGE)
        except AccessDenied:
            raise field_not_found("id") from None
        changes = dict(input)
        before = audit_snapshot(union, changes)
        union = services.union_update_profile(union=union, **changes)
        return {"union": union, "_audit_before": before}


class FederationMutations(graphene.ObjectType):
    federation_node_create = FederationNodeCreate.Field()
    union_provision = UnionProvision.Field()
    union_update_profile = UnionUpdateProfile.Field()
