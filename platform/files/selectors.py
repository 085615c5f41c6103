"""Reads: object bytes, and short-lived download URLs."""

import math
import time
from urllib.parse import quote

from django.core import signing
from django.urls import reverse

from .storage import file_storage, is_s3, storage_errors

DOWNLOAD_SALT = "unionhub.files.download"


def file_read(*, key: str) -> bytes:
    with storage_errors(), file_storage().open(key, "rb") as handle:
        return handle.read()


def file_exists(*, key: str) -> bool:
    # A HEAD on S3: an unreachable store must be retryable here too (a report retried while S3 is still down
    # failed for good on this check).
    with storage_errors():
        return file_storage().exists(key)


def _attachment(filename: str) -> str:
    # RFC 6266/5987: an ASCII fallback plus the UTF-8 name, so Chinese names survive every browser.
    extension = filename.rpartition(".")[2] if "." in filename else ""
    fallback = f"download.{extension}" if extension.isascii() and extension.isalnum() else "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def file_download_url(*, key: str, expires: int = 300, download_name: str | None = None) -> str:
    """A URL that serves the object for `expires` seconds.

    S3: a presigned GET URL (absolute). Local disk: a path to files.views.file_download carrying a signed token
    (relative; build the absolute URI from the request)."""
    storage = file_storage()
    if is_s3(storage):
        parameters = {"ResponseContentDisposition": _attachment(download_name)} if download_name else None
        return storage.url(key, parameters=parameters, expire=expires)
    payload = {"k": key, "e": math.ceil(time.time() + expires)}
    if download_name:
        payload["n"] = download_name
    token = signing.dumps(payload, salt=DOWNLOAD_SALT, compress=True)
    return reverse("file-download", kwargs={"token": token})
