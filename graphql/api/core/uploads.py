"""Files sent through the API: base64 in the JSON request, or a multipart/form-data part."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError

# The multipart/form-data part carrying the file (form fields `query` and `variables` carry the operation).
MULTIPART_FILE_FIELD = "file"


def decoded_base64(text: str, limit: int, field: str = "file_base64") -> bytes:
    """The bytes of a base64 upload (a data: URL from FileReader.readAsDataURL too). Text too long for `limit` is
    not decoded: it gives `limit + 1` bytes, which the file checks refuse naming the limit. Invalid base64 is a
    validation error on `field`."""
    text = text.strip()
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    if len(text) > (limit // 3 + 1) * 4:
        return b"\0" * (limit + 1)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DomainValidationError.single(
            field, "invalid_base64", _("文件内容不是有效的 Base64 编码。")
        ) from None
