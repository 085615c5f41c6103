"""Award batch mutations: create, set quotas, close."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core.access import node_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.core.types import enum_value
from modelworkers import quotas
from modelworkers.awards.batches import batch_close, batch_create, batch_rules_set

from ..access import (
    batch_for,
    fetched_for,
)
from ..types import (
    AwardBatch,
    CategoryEnum,
    QuotaBoundEnum,
)


class QuotaRuleInput(graphene.InputObjectType):
    class Meta:
        name = "AwardQuotaRuleInput"

    code = graphene.String(required=True)
    label = graphene.String()
    categories = graphene.List(graphene.NonNull(CategoryEnum), required=True)
    of_categories = graphene.List(
        graphene.NonNull(CategoryEnum), description="The base of the share; empty or omitted = all places."
    )
    bound = QuotaBoundEnum(required=True)
    permille = graphene.Int(required=True, description="450 = 45%.")


def _rules(items):
    if items is None:
        return None
    return [
        quotas.Rule(
            code=item.get("code") or "",
            categories=tuple(enum_value(c) for c in item.get("categories") or ()),
            bound=enum_value(item.get("bound")),
            permille=item.get("permille"),
            of_categories=tuple(enum_value(c) for c in item.get("of_categories") or ()),
            label=item.get("label") or "",
        )
        for item in items
    ]


# --- batches -----------------------------------------------------------------------------------------------------


class AwardBatchCreateInput(graphene.InputObjectType):
    awarding_node = graphene.ID(required=True, description="The city or county federation that awards.")
    name = graphene.String(required=True)
    session = graphene.Int(required=True, description="届次.")
    year = graphene.Int(required=True)
    places = graphene.Int(required=True)
    notice_days = graphene.Int(description="Length of the public notice in days (default 7).")
    nomination_deadline = graphene.Date()
    quota_rules = graphene.List(
        graphene.NonNull(QuotaRuleInput), description="Omitted: the national quotas of 2005."
    )


class AwardBatchCreate(BaseMutation):
    """Open a selection round with its places and category quotas (node.manage on the awarding node)."""

    class Arguments:
        input = AwardBatchCreateInput(required=True)

    batch = graphene.Field(AwardBatch)

    @classmethod
    def perform(cls, info, context, input):
        try:
            node = node_for(context, input["awarding_node"], Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("awarding_node") from None
        batch = batch_create(
            awarding_node=node,
            name=input["name"],
            session=input["session"],
            year=input["year"],
            places=input["places"],
            notice_days=input.get("notice_days") or 7,
            nomination_deadline=input.get("nomination_deadline"),
            rules=_rules(input.get("quota_rules")),
            actor=context.actor,
        )
        return {"batch": batch}


class AwardBatchQuotasSet(BaseMutation):
    """Replace a batch's quotas while nothing has been awarded in it."""

    class Arguments:
        id = graphene.ID(required=True)
        quota_rules = graphene.List(graphene.NonNull(QuotaRuleInput), required=True)

    batch = graphene.Field(AwardBatch)

    @classmethod
    def perform(cls, info, context, id, quota_rules):
        batch = fetched_for(batch_for, context, id, "id")
        return {"batch": batch_rules_set(batch=batch, rules=_rules(quota_rules))}


class AwardBatchClose(BaseMutation):
    """End a batch once every nomination in it is decided."""

    class Arguments:
        id = graphene.ID(required=True)

    batch = graphene.Field(AwardBatch)

    @classmethod
    def perform(cls, info, context, id):
        return {"batch": batch_close(batch=fetched_for(batch_for, context, id, "id"))}
