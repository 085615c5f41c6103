"""Writes: put bytes under a deterministic key and record them."""

import hashlib

from django.core.files.base import ContentFile

from .models import StoredFile
from .storage import file_storage, storage_errors


def file_store(*, key: str, content: bytes, content_type: str, original_name: str = "") -> StoredFile:
    """Store `content` under `key`, replacing whatever was there (retries overwrite, never duplicate).

    Check uploads with files.checks.file_check_upload first; this trusts its arguments."""
    upload = ContentFile(content)
    upload.content_type = content_type  # S3Storage sends it as the object's Content-Type
    with storage_errors():  # unreachable storage: ServiceUnavailable, and no record written below
        saved_as = file_storage().save(key, upload)
    if saved_as != key:
        # Overwrite is part of the storage contract (file_overwrite / allow_overwrite); never store twice.
        raise RuntimeError(f"storage renamed {key!r} to {saved_as!r}: overwrite is not enabled")
    record, _created = StoredFile.objects.update_or_create(
        key=key,
        defaults={
            "original_name": original_name[:255],
            "content_type": content_type,
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    )
    return record
