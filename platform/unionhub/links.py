"""Signed public links (the drives' joining links, the member-appraisal links): tokens, URLs and QR codes.

A token is `django.core.signing` output (HMAC with SECRET_KEY) of a short list of non-negative integers, with a
salt per kind of link, so no other signed value of the project can be replayed as a link of this kind. Nothing
is stored: the app that owns the link checks what the integers name when the link is used.
"""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.core import signing

MAX_TOKEN_LENGTH = 300


def link_sign(values: list[int], *, salt: str) -> str:
    return signing.dumps(list(values), salt=salt, compress=False)


def link_unsign(token, *, salt: str, length: int, minimum: int = 0) -> list[int] | None:
    """The integers a token carries, or None when it is forged, malformed or of another kind of link."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        payload = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    if (
        not isinstance(payload, list)
        or len(payload) != length
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in payload)
    ):
        return None
    return payload


def link_url(*, host: str, path: str) -> str:
    """The absolute URL of a public page on `host` (a union's host name); UNIONHUB_LINK_SCHEME, default https."""
    scheme = getattr(settings, "UNIONHUB_LINK_SCHEME", "https")
    return f"{scheme}://{host}{path}"


def link_qr_svg(url: str) -> str:
    """The URL as a QR code, SVG markup (scales without loss; print it on posters as is)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()
