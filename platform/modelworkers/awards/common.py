"""Input checks and attachment storage shared by the award steps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from federations.models import NodeLevel
from files.checks import file_check_upload
from files.services import file_store
from unionhub.errors import DomainValidationError, FieldError

from ..models import (
    Level,
)
from ..services import _error

# Which federation level awards which title level (townships, streets and parks do not award).
NODE_AWARD_LEVELS = {NodeLevel.CITY: Level.CITY, NodeLevel.COUNTY: Level.COUNTY}
ATTACHMENT_KINDS = frozenset({"pdf", "docx", "png", "jpeg"})
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class AttachmentSpec:
    """An uploaded file (checked with files.checks before it is stored)."""

    filename: str
    content: bytes
    label: str = ""


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _text(errors: list[FieldError], field: str, value, *, required: bool, limit: int, label: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if required and not text:
        errors.append(FieldError(field, "required", _("请填写%(label)s。") % {"label": label}))
    elif len(text) > limit:
        errors.append(
            FieldError(field, "too_long", _("%(label)s不能超过%(n)d个字符。") % {"label": label, "n": limit})
        )
    return text


def _choice(errors: list[FieldError], field: str, value, choices, label: str) -> str:
    value = getattr(value, "value", value)
    if value not in choices.values:
        errors.append(FieldError(field, "invalid_choice", _("请选择有效的%(label)s。") % {"label": label}))
    return value


def store_attachments(*, key_for, attachments: Iterable[AttachmentSpec], field: str = "attachments"):
    """Check and store uploads; [(StoredFile, label)]. `key_for(filename)` gives each file's key."""
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        raise _error(field, "too_many", _("附件最多%(n)d个。") % {"n": MAX_ATTACHMENTS})
    checked = []
    for attachment in attachments:
        try:
            upload = file_check_upload(
                area="modelworkers",
                filename=attachment.filename,
                content=attachment.content,
                allowed_kinds=ATTACHMENT_KINDS,
            )
        except DomainValidationError as exc:
            raise DomainValidationError([FieldError(field, e.code, e.message) for e in exc.errors]) from None
        label = (attachment.label or "").strip()[:200]
        checked.append((upload, label))
    stored = []
    for upload, label in checked:
        record = file_store(
            key=key_for(upload.filename),
            content=upload.content,
            content_type=upload.content_type,
            original_name=upload.filename,
        )
        stored.append((record, label))
    return stored
