"""Registering a model worker directly in the registry."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core.access import node_for, union_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.core.types import enum_value
from modelworkers.awards.registry import modelworker_register

from ..types import (
    CategoryEnum,
    LevelEnum,
    ModelWorker,
    TitleEnum,
)

# --- the registry ------------------------------------------------------------------------------------------------


class ModelWorkerRegisterInput(graphene.InputObjectType):
    awarding_node = graphene.ID(required=True, description="The federation whose registry records the title.")
    id_number = graphene.String(required=True, description="Validated and hashed; never stored.")
    name = graphene.String(required=True)
    level = LevelEnum(required=True)
    title = TitleEnum(required=True)
    category = CategoryEnum(required=True)
    awarded_on = graphene.Date(required=True)
    employing_union = graphene.ID(description="The employer's union when it is in the system.")
    employer_name = graphene.String(description="Default: the union's name.")


class ModelWorkerRegister(BaseMutation):
    """Enter an award made outside the nomination workflow (earlier awards, higher levels) in a registry."""

    class Arguments:
        input = ModelWorkerRegisterInput(required=True)

    worker = graphene.Field(ModelWorker)

    @classmethod
    def perform(cls, info, context, input):
        try:
            node = node_for(context, input["awarding_node"], Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("awarding_node") from None
        union = None
        if input.get("employing_union") is not None:
            try:
                union = union_for(context, input["employing_union"], Perm.UNION_VIEW)
            except AccessDenied:
                raise field_not_found("employing_union") from None
        worker = modelworker_register(
            awarding_node=node,
            id_number=input["id_number"],
            name=input["name"],
            level=enum_value(input["level"]),
            title=enum_value(input["title"]),
            category=enum_value(input["category"]),
            awarded_on=input["awarded_on"],
            employing_union=union,
            employer_name=input.get("employer_name") or "",
            actor=context.actor,
        )
        return {"worker": worker}
