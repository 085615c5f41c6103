"""Reads: object bytes, and short-lived download URLs.

A local download link is signed (SECRET_KEY, which start-up guarantees is secret: unionhub.startup_checks), expires,
names the file's scope (its union or federation node, from the key) and, for staff files, the signed-in user it
was made for: files.views.file_download serves it only to that user while they may still see that scope.
"""

import math
import time
from urllib.parse import quote

from django.core import signing
from django.urls import reverse

from .keys import file_scope
from .storage import file_storage, is_s3, storage_errors

DOWNLOAD_SALT = "unionhub.files.download"
# `user=` for links that leave the product (mail, webhooks): bound to the file's scope and expiry, not to a user.
# A sentinel, not None, so an anonymous or missing user can never produce an unbound link by accident.
SENT_OUTSIDE = object()


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


def file_download_url(*, key: str, user, expires: int = 300, download_name: str | None = None) -> str:
    """A URL that serves the object for `expires` seconds.

    `user`: the signed-in user the link is for (every file shown in the product); SENT_OUTSIDE only for links that
    leave the product (report deliveries to the higher-level union by mail or webhook), which the signature, the
    scope and the expiry alone authorise. S3: a presigned GET URL (absolute; S3 cannot check a user, so it expires
    quickly). Local disk: a path to files.views.file_download carrying a signed token (relative; build the absolute
    URI from the request)."""
    storage = file_storage()
    if is_s3(storage):
        parameters = {"ResponseContentDisposition": _attachment(download_name)} if download_name else None
        return storage.url(key, parameters=parameters, expire=expires)
    payload = {"k": key, "e": math.ceil(time.time() + expires), "s": file_scope(key)}
    if user is not SENT_OUTSIDE:
        if not getattr(user, "is_authenticated", False):
            raise ValueError("a staff file's link is made for a signed-in user")
        payload["u"] = user.pk
    if download_name:
        payload["n"] = download_name
    token = signing.dumps(payload, salt=DOWNLOAD_SALT, compress=True)
    return reverse("file-download", kwargs={"token": token})
