"""The storage holding UnionHub's files: STORAGES["unionhub"] (S3 when configured, else MEDIA_ROOT on disk)."""

from contextlib import contextmanager

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.core.files.storage import Storage, storages
from django.utils.translation import gettext as _
from storages.backends.s3 import S3Storage  # imports boto3: only when asked

from unionhub.errors import ServiceUnavailable

STORAGE_ALIAS = "unionhub"


def file_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def is_s3(storage: Storage) -> bool:
    return isinstance(storage, S3Storage)


def _unreachable(exc: Exception) -> bool:
    """True for failures of the storage service itself (connection, timeouts, S3 5xx), not for bad requests."""
    if isinstance(exc, (BotoConnectionError, HTTPClientError, ConnectionError, TimeoutError)):
        return True
    if isinstance(exc, ClientError):
        return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) >= 500
    return False


@contextmanager
def storage_errors():
    """Turns an unreachable storage into ServiceUnavailable (retryable, with a clear message); other errors pass."""
    try:
        yield
    except Exception as exc:
        if _unreachable(exc):
            raise ServiceUnavailable(_("文件存储暂时不可用，请稍后重试。")) from exc
        raise
