"""Title mutations: award, review, downgrade, revoke."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, union_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.core.types import enum_value
from assessment.services.titles import title_award, title_downgrade, title_review, title_revoke
from organisation.models import Branch
from unionhub.errors import DomainValidationError

from ..access import (
    BRANCH,
    require,
    title_managed_for,
)
from ..types import (
    GradeCodeEnum,
    HomeTitle,
)

# --- Titles --------------------------------------------------------------------------------------------------------


class HomeTitleAwardInput(graphene.InputObjectType):
    grade = GradeCodeEnum(required=True)
    awarded_on = graphene.Date(required=True)
    valid_until = graphene.Date(required=True)
    reason = graphene.String()
    branch = graphene.ID(description="A branch's 职工小家; omitted = the union's 职工之家.")
    awarded_by = graphene.ID(
        description="The awarding (or, for a higher body's title, recording) node; default the union's parent node."
    )
    awarding_level = graphene.String(
        description="A higher body's title recorded here: its level (e.g. city); omitted = the node's own level."
    )
    awarding_body_name = graphene.String(description="Name of that higher body, e.g. 某某市总工会.")
    decision_number = graphene.String(description="命名文号.")


class HomeTitleAward(BaseMutation):
    """Enter a title awarded outside a round (e.g. an earlier one); the unit's current title is superseded."""

    class Arguments:
        union = graphene.ID(required=True)
        input = HomeTitleAwardInput(required=True)

    title = graphene.Field(HomeTitle)

    @classmethod
    def perform(cls, info, context, union, input):
        target = union_for(context, union, Perm.UNION_VIEW)
        try:
            if input.get("awarded_by") is not None:
                node = node_for(context, input["awarded_by"], Perm.NODE_MANAGE)
            else:
                node = target.parent_node
                require(context, Perm.NODE_MANAGE, node=node)
        except AccessDenied:
            raise field_not_found("awarded_by") from None
        branch_id = 0
        if input.get("branch") is not None:
            branch_id = ids.decode_tenant_global_id(input["branch"], BRANCH, target.pk)
            with schema_context(target.schema_name):
                if branch_id is None or not Branch.objects.filter(pk=branch_id).exists():
                    raise DomainValidationError.single(
                        "branch", "unknown_branch", _("所选分会不属于该工会。")
                    )
        title = title_award(
            union=target,
            branch_id=branch_id,
            grade=enum_value(input["grade"]),
            awarded_by=node,
            awarded_on=input["awarded_on"],
            valid_until=input["valid_until"],
            reason=input.get("reason") or "",
            decision_number=input.get("decision_number") or "",
            awarding_level=input.get("awarding_level") or "",
            awarding_body_name=input.get("awarding_body_name") or "",
            actor=context.actor,
        )
        return {"title": title}


class HomeTitleReview(BaseMutation):
    """Record a passed annual review (年度复核)."""

    class Arguments:
        title = graphene.ID(required=True)
        effective_on = graphene.Date(required=True)
        note = graphene.String()

    title = graphene.Field(HomeTitle)

    @classmethod
    def perform(cls, info, context, title, effective_on, note=None):
        row = title_managed_for(context, title)
        return {"title": title_review(title=row, on=effective_on, reason=note or "", actor=context.actor)}


class HomeTitleDowngrade(BaseMutation):
    """Lower a title to a lower grade of its scheme (e.g. after a failed review); history kept."""

    class Arguments:
        title = graphene.ID(required=True)
        to_grade = GradeCodeEnum(required=True)
        effective_on = graphene.Date(required=True)
        reason = graphene.String(required=True)

    title = graphene.Field(HomeTitle)

    @classmethod
    def perform(cls, info, context, title, to_grade, effective_on, reason):
        row = title_managed_for(context, title)
        new = title_downgrade(
            title=row, to_grade=enum_value(to_grade), on=effective_on, reason=reason, actor=context.actor
        )
        return {"title": new}


class HomeTitleRevoke(BaseMutation):
    class Arguments:
        title = graphene.ID(required=True)
        effective_on = graphene.Date(required=True)
        reason = graphene.String(required=True)

    title = graphene.Field(HomeTitle)

    @classmethod
    def perform(cls, info, context, title, effective_on, reason):
        row = title_managed_for(context, title)
        return {"title": title_revoke(title=row, on=effective_on, reason=reason, actor=context.actor)}
