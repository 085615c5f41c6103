"""The one base class for mutations: actor check, one transaction, typed errors, and the after-success hook."""

from __future__ import annotations

import graphene
from accounts.access import AccessDenied
from django.db import transaction
from unionhub.errors import DomainValidationError

from .errors import Error, error_from_access, errors_from_validation, login_required


class BaseMutation(graphene.Mutation):
    """Subclasses declare `Arguments` and payload fields and implement `perform`.

    `perform(info, context, **arguments)` authorises (through the access helpers), calls services and returns the
    payload fields as a dict. It runs inside one transaction: a DomainValidationError or AccessDenied rolls back
    everything it wrote and becomes `errors`; the client never sees a raw exception for bad input.
    """

    class Meta:
        abstract = True

    errors = graphene.List(graphene.NonNull(Error), required=True)

    # Most mutations need a signed-in actor; anonymous callers are refused before anything runs.
    login_required = True
    # Service field names that the API spells differently (e.g. {"parent_node": "parentNode"}).
    error_field_names: dict[str, str] = {}

    @classmethod
    def perform(cls, info, context, **arguments) -> dict:
        raise NotImplementedError

    @classmethod
    def after_success(cls, info, result: dict) -> None:
        """Runs inside the mutation's transaction after `perform` succeeded (the audit log hooks in here)."""

    @classmethod
    def mutate(cls, root, info, **arguments):
        context = info.context
        if cls.login_required and not context.actor.is_authenticated:
            return cls(errors=[login_required()])
        if context.union is not None and not context.union_visible:
            # On a union's host an actor without a role there gets nothing, not even a hint that it exists.
            return cls(errors=[error_from_access(AccessDenied())])
        try:
            with transaction.atomic():
                result = cls.perform(info, context, **arguments)
                cls.after_success(info, result)
        except DomainValidationError as exc:
            return cls(errors=errors_from_validation(exc, cls.error_field_names))
        except AccessDenied as exc:
            return cls(errors=[error_from_access(exc)])
        return cls(errors=[], **result)
