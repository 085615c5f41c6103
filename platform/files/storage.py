"""The storage holding UnionHub's files: STORAGES["unionhub"] (S3 when configured, else MEDIA_ROOT on disk)."""

from django.core.files.storage import Storage, storages

STORAGE_ALIAS = "unionhub"


def file_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def is_s3(storage: Storage) -> bool:
    from storages.backends.s3 import S3Storage  # imports boto3: only when asked

    return isinstance(storage, S3Storage)
