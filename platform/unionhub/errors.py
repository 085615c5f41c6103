"""Validation errors raised by services and shown to users field by field (GraphQL `errors { field code message }`)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str


class DomainValidationError(Exception):
    """Bad input: one or more field errors. Services raise it before writing anything."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, field: str, code: str, message) -> "DomainValidationError":
        return cls([FieldError(field=field, code=code, message=str(message))])

    @classmethod
    def from_django(
        cls, exc: ValidationError, field_names: dict[str, str] | None = None
    ) -> "DomainValidationError":
        """Convert Django's ValidationError (e.g. from full_clean) keeping field names and codes."""
        field_names = field_names or {}
        errors: list[FieldError] = []
        if hasattr(exc, "error_dict"):
            for field, field_errors in exc.error_dict.items():
                for error in field_errors:
                    message = error.message % error.params if error.params else error.message
                    errors.append(
                        FieldError(
                            field=field_names.get(field, field),
                            code=error.code or "invalid",
                            message=str(message),
                        )
                    )
        else:
            for error in exc.error_list:
                message = error.message % error.params if error.params else error.message
                errors.append(FieldError(field="__all__", code=error.code or "invalid", message=str(message)))
        return cls(errors)


class ServiceUnavailable(Exception):
    """A service UnionHub depends on (file storage, ...) cannot be reached right now: nothing was written, and the
    same request may simply be retried later. Mutations answer it as a typed error (code "service_unavailable");
    Celery retries tasks that raise it."""

    code = "service_unavailable"

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)
