"""Signed joining links: one token per (drive, union, branch), valid until the drive's last day.

The token is `django.core.signing` output (HMAC with SECRET_KEY and a salt of its own, so no other signed value of
the project can be replayed as a joining link). It carries the drive, union, branch and the drive's end date as an
ordinal. Nothing is stored: a link is checked by its signature, its embedded end date, and the drive as it is now
(a shortened or deleted drive stops its links; an extended drive needs new links, since printed ones carry the old
end date).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from federations.services import union_host
from unionhub.errors import DomainValidationError

SALT = "unionhub.drives.join-link"
FIELD = "token"


@dataclass(frozen=True)
class JoinLink:
    drive: object  # drives.Drive
    union_id: int
    branch_id: int  # 0 = the applicant chooses (or no branch)
    expires_on: date
    token: str

    @property
    def key(self) -> str:
        """Stable name of the link for rate limiting (the same for every token of this unit)."""
        return f"{self.drive.pk}:{self.union_id}:{self.branch_id}"


def link_token(*, drive, union_id: int, branch_id: int = 0) -> str:
    return signing.dumps(
        [drive.pk, union_id, branch_id or 0, drive.ends_on.toordinal()], salt=SALT, compress=False
    )


def link_url(*, union, token: str) -> str:
    scheme = getattr(settings, "UNIONHUB_LINK_SCHEME", "https")
    return f"{scheme}://{union_host(union.slug)}/join/{token}/"


def link_qr_svg(url: str) -> str:
    """The URL as a QR code, SVG markup (scales without loss; print it on posters as is)."""
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def invalid_link() -> DomainValidationError:
    return DomainValidationError.single(
        FIELD, "invalid_token", _("入会链接无效，请向工会索取新的链接或二维码。")
    )


def link_resolve(token, *, union=None, today: date | None = None) -> JoinLink:
    """Check a token and return the link it names; DomainValidationError on field "token" otherwise.

    `union`: the union whose host received the request; a token for another union is refused like a forged one.
    """
    from .models import Drive

    if not isinstance(token, str) or not token or len(token) > 300:
        raise invalid_link()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise invalid_link() from None
    if (
        not isinstance(payload, list)
        or len(payload) != 4
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in payload)
    ):
        raise invalid_link()
    drive_id, union_id, branch_id, end_ordinal = payload
    if union is not None and union.pk != union_id:
        raise invalid_link()
    today = today or timezone.localdate()
    try:
        signed_end = date.fromordinal(end_ordinal)
    except (ValueError, OverflowError):
        raise invalid_link() from None
    expired = DomainValidationError.single(FIELD, "expired_token", _("该入会链接已过期，活动已结束。"))
    if today > signed_end:
        raise expired
    drive = Drive.objects.filter(pk=drive_id).first()
    if drive is None or not _covers(drive, union_id):
        raise invalid_link()
    if today > drive.ends_on:
        raise expired
    if today < drive.starts_on:
        raise DomainValidationError.single(
            FIELD,
            "not_started",
            _("该入会活动将于%(date)s开始，请届时再来。") % {"date": drive.starts_on.isoformat()},
        )
    return JoinLink(
        drive=drive,
        union_id=union_id,
        branch_id=branch_id,
        expires_on=min(signed_end, drive.ends_on),
        token=token,
    )


def _covers(drive, union_id: int) -> bool:
    from .selectors import drive_covers_union

    return drive_covers_union(drive=drive, union_id=union_id)
