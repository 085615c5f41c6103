"""Revocation documents and looking a member up by identity number for a revocation."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from files.keys import federation_file_key
from membership.models import Member, MemberStatus
from people.identity import id_hash, parse_identity_number
from unionhub.errors import DomainValidationError, FieldError

from ..models import RevocationDocument, RevocationStatus
from ..services import _error
from .common import AttachmentSpec, store_attachments

# --- revocation documents ----------------------------------------------------------------------------------------


def revocation_documents_store(*, revocation, documents: Iterable[AttachmentSpec]) -> list:
    """Check, store and attach supporting documents to an open revocation proposal (the awarding federation's
    files). Refused once the proposal is decided (the database refuses it too)."""
    if revocation.status != RevocationStatus.PROPOSED:
        raise _error("documents", "already_decided", _("撤销申请已处理，不能再添加材料。"))
    node_id = revocation.worker.awarding_node_id
    with transaction.atomic():
        stored = store_attachments(
            key_for=lambda filename: federation_file_key(
                node_id, "modelworkers", ("revocations", revocation.pk), filename
            ),
            attachments=documents,
            field="documents",
        )
        seen = set(revocation.documents.values_list("file_id", flat=True))
        rows = []
        for file, label in stored:  # the same file name twice is one stored object
            if file.pk not in seen:
                seen.add(file.pk)
                rows.append(RevocationDocument(revocation=revocation, file=file, label=label))
        RevocationDocument.objects.bulk_create(rows)
    return rows


def member_pk_by_number(*, union, id_number: str) -> int | None:
    """The id of the active member of `union` holding this identity number (validated and hashed), or None."""
    try:
        number = parse_identity_number(id_number).number
    except DomainValidationError as exc:
        raise DomainValidationError(
            [FieldError("member_id_number", e.code, e.message) for e in exc.errors]
        ) from None
    with schema_context(union.schema_name):
        return (
            Member.objects.filter(id_hash=id_hash(number), status=MemberStatus.ACTIVE)
            .values_list("pk", flat=True)
            .first()
        )
