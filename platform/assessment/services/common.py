"""Helpers shared by the assessment services."""

from __future__ import annotations

from unionhub.errors import DomainValidationError

from ..models import (
    RoundParticipant,
)


def _error(field: str, code: str, message) -> DomainValidationError:
    return DomainValidationError.single(field, code, message)


def _actor_id(actor) -> int | None:
    """User id of an accounts Actor, a User, or None."""
    user = getattr(actor, "user", actor)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _locked_participant(participant: RoundParticipant) -> RoundParticipant:
    return (
        RoundParticipant.objects.select_for_update(of=("self",))
        .select_related("round", "round__standard", "union")
        .get(pk=participant.pk)
    )
