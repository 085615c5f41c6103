"""Signed joining links: one token per (drive, union, branch), valid until the drive's last day.

The token is a signed link of `unionhub.links` (a salt of its own, so no other signed value of the project can be
replayed as a joining link). It carries the drive, union, branch and the drive's end date as an
ordinal. Nothing is stored: a link is checked by its signature, its embedded end date, and the drive as it is now
(a shortened or deleted drive stops its links; an extended drive needs new links, since printed ones carry the old
end date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from federations.services import union_host
from unionhub.errors import DomainValidationError
from unionhub.links import link_sign, link_unsign
from unionhub.links import link_url as public_link_url

from .models import Drive
from .selectors import drive_covers_union

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
    return link_sign([drive.pk, union_id, branch_id or 0, drive.ends_on.toordinal()], salt=SALT)


def link_url(*, union, token: str) -> str:
    return public_link_url(host=union_host(union.slug), path=f"/join/{token}/")


def invalid_link() -> DomainValidationError:
    return DomainValidationError.single(
        FIELD, "invalid_token", _("入会链接无效，请向工会索取新的链接或二维码。")
    )


def link_resolve(token, *, union=None, today: date | None = None) -> JoinLink:
    """Check a token and return the link it names; DomainValidationError on field "token" otherwise.

    `union`: the union whose host received the request; a token for another union is refused like a forged one.
    """
    payload = link_unsign(token, salt=SALT, length=4)
    if payload is None:
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
    if drive is None or not drive_covers_union(drive=drive, union_id=union_id):
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
