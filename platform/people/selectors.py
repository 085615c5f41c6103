"""Finding a person's current membership across unions, by identity number (never stored in clear)."""

from __future__ import annotations

from .identity import id_hash, parse_identity_number
from .models import PersonMembership


def person_membership(*, id_number: str) -> PersonMembership | None:
    """Where the person holds membership now (active or retained), or None. Raises DomainValidationError for a
    number that is not valid."""
    return PersonMembership.objects.filter(id_hash=id_hash(parse_identity_number(id_number).number)).first()


def person_membership_by_hash(*, person_hash: str) -> PersonMembership | None:
    return PersonMembership.objects.filter(id_hash=person_hash).first()
