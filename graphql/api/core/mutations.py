"""The one base class for mutations: actor check, one transaction, typed errors, and the after-success hook."""

from __future__ import annotations

import datetime

import graphene
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import AccessDenied
from audit.services import audit_changes, audit_record
from federations.models import FederationNode, Union
from unionhub.errors import DomainValidationError, ServiceUnavailable

from .errors import (
    Error,
    api_field_name,
    error_from_access,
    errors_from_validation,
    login_required,
    permission_denied,
)
from .nul import field_with_nul


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

    # Input and payload keys whose values never reach the audit log (the log records that they were set).
    audit_sensitive_fields = frozenset({"password", "secret", "id_number", "phone"})

    @classmethod
    def audit_changes(cls, arguments: dict, result: dict) -> dict:
        """What the audit entry records as changed. Default: the input as set values (a creation or an action);
        mutations that edit a row return `_audit_before` from `perform` to record a before/after diff instead."""
        before = result.pop("_audit_before", None)
        after = _flatten_input(arguments)
        if before is not None:
            after = {key: value for key, value in after.items() if key in before}
        return audit_changes(before or {}, after, sensitive=cls.audit_sensitive_fields)

    @classmethod
    def after_success(cls, info, arguments: dict, result: dict) -> None:
        """Runs inside the mutation's transaction after `perform` succeeded: every successful mutation is audited,
        so a rolled-back one leaves no entry and a committed one always has one."""
        changes = cls.audit_changes(arguments, result)
        target = next((value for value in result.values() if isinstance(value, models.Model)), None)
        audit_record(
            actor=info.context.actor,
            operation=info.field_name,
            object_type=type(target).__name__ if target is not None else "",
            object_id=target.pk if target is not None else "",
            changes=changes,
            union=target if isinstance(target, Union) else None,
            node=target if isinstance(target, FederationNode) else None,
        )

    @classmethod
    def mutate(cls, root, info, **arguments):
        context = info.context
        if cls.login_required and not context.actor.is_authenticated:
            return cls(errors=[login_required()])
        scopes = context.actor.token_scopes
        if scopes is not None and "write" not in scopes:
            # Every mutation writes (an audit entry at least): a read token is refused here, whatever the
            # mutation's own checks, so a mutation that authorises without the access helpers cannot slip through.
            return cls(errors=[permission_denied(_("该API令牌只有读取权限，不能执行修改操作。"))])
        if context.union is not None and not context.union_visible:
            # On a union's host an actor without a role there gets nothing, not even a hint that it exists.
            return cls(errors=[error_from_access(AccessDenied())])
        field = field_with_nul(arguments)
        if field is not None:
            # PostgreSQL text cannot hold U+0000: refused here for every mutation instead of failing on write.
            return cls(
                errors=[
                    Error(
                        field=api_field_name(field),
                        code="invalid_characters",
                        message=_("内容中含有不允许的空字符（U+0000）。"),
                    )
                ]
            )
        arguments = _aware_datetimes(arguments)
        try:
            with transaction.atomic():
                result = cls.perform(info, context, **arguments)
                cls.after_success(info, arguments, result)
        except DomainValidationError as exc:
            return cls(errors=errors_from_validation(exc, cls.error_field_names))
        except AccessDenied as exc:
            return cls(errors=[error_from_access(exc)])
        except ServiceUnavailable as exc:
            # Rolled back like bad input; the client may retry the same request later.
            return cls(errors=[Error(field=None, code=exc.code, message=exc.message)])
        return cls(errors=[], **result)


def _aware_datetimes(value):
    """DateTime inputs without an offset read in the current time zone, as Django's forms read them: services
    compare them with aware times, and a naive one made that a TypeError (an internal error) instead of a date."""
    if isinstance(value, datetime.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, dict):
        for key, item in value.items():
            aware = _aware_datetimes(item)
            if aware is not item:
                value[key] = aware
                if type(value) is not dict:  # graphene's input containers also expose fields as attributes
                    setattr(value, key, aware)
    elif isinstance(value, list):
        value[:] = [_aware_datetimes(item) for item in value]
    return value


def _flatten_input(arguments: dict) -> dict:
    """{"input": {"name": ..}, "id": ..} -> {"name": .., "id": ..}: audit fields named as the service names them."""
    flat: dict = {}
    for key, value in arguments.items():
        if key == "input" and isinstance(value, dict):
            flat.update({k: _plain_value(v) for k, v in value.items()})
        else:
            flat[key] = _plain_value(value)
    return flat


def _plain_value(value):
    value = getattr(value, "value", value)  # graphene enum members
    if isinstance(value, (list, tuple)):
        return [_plain_value(v) for v in value]
    return value
