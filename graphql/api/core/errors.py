"""Typed errors in mutation payloads (`errors { field code message }`) and masking of unexpected exceptions."""

from __future__ import annotations

import logging
from enum import Enum as PyEnum

import graphene
from django.conf import settings
from django.utils.translation import gettext as _
from graphene.utils.str_converters import to_camel_case
from graphql import GraphQLError

from accounts.access import AccessDenied
from unionhub.error_codes import ERROR_CODES
from unionhub.errors import DomainValidationError, FieldError

logger = logging.getLogger("unionhub.graphql")

NOT_FOUND = "not_found"
PERMISSION_DENIED = "permission_denied"


_ErrorCodeValues = PyEnum("ErrorCode", {code: code for code in sorted(ERROR_CODES)})


def _error_code_description(value) -> str:
    if value is None:
        return (
            "What went wrong, for programs (the message says it to people). Declared per domain in "
            "unionhub.error_codes; each value's description names its domain."
        )
    declared = ERROR_CODES[value.value]
    return f"[{declared.domain}] {declared.description}"


ErrorCode = graphene.Enum.from_enum(_ErrorCodeValues, description=_error_code_description)


class Error(graphene.ObjectType):
    """A problem with the input, in the user's language. `field` names the input field (null: the whole request)."""

    field = graphene.String()
    code = graphene.Field(ErrorCode, required=True)
    message = graphene.String(required=True)

    @staticmethod
    def resolve_code(root, info):
        # A code missing from the registry is a bug (tests/platform/test_error_codes.py looks for them); the user
        # still gets the message, under the generic code, rather than a failed request.
        if root.code not in ERROR_CODES:
            logger.error("undeclared error code %r", root.code)
            return "invalid"
        return root.code


def api_field_name(field: str | None) -> str | None:
    """Service field names (snake_case) as the API spells them (camelCase); "__all__" is the whole input."""
    if not field or field == "__all__":
        return None
    return to_camel_case(field)


def errors_from_validation(
    exc: DomainValidationError, field_names: dict[str, str] | None = None
) -> list[Error]:
    field_names = field_names or {}
    return [
        Error(field=field_names.get(e.field) or api_field_name(e.field), code=e.code, message=str(e.message))
        for e in exc.errors
    ]


def error_from_access(exc: AccessDenied, field: str | None = None) -> Error:
    return Error(field=field, code=getattr(exc, "code", NOT_FOUND), message=str(exc.message))


def permission_denied(message=None) -> Error:
    return Error(field=None, code=PERMISSION_DENIED, message=str(message or _("您没有执行此操作的权限。")))


def login_required() -> Error:
    return permission_denied(_("请先登录。"))


def field_not_found(field: str) -> DomainValidationError:
    """For an id in the input that the actor cannot reach: the same answer whether it exists or not."""
    return DomainValidationError([FieldError(field, NOT_FOUND, str(AccessDenied.message))])


def format_error(error) -> dict:
    """Like graphql-core's formatting, but an unexpected exception never shows its text outside DEBUG."""
    if isinstance(error, GraphQLError):
        original = error.original_error
        if original is not None and not isinstance(original, GraphQLError) and not settings.DEBUG:
            logger.error("GraphQL resolver failed", exc_info=original)
            error = GraphQLError(
                str(_("服务器内部错误，请稍后重试。")),
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "internal_error"},
            )
        return error.formatted
    return {"message": str(error)}
