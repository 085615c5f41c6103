"""Signed member-appraisal (会员评家) links: one token per round participant, like the drives' joining links.

The token is `django.core.signing` output with a salt of its own (no other signed value of the project can be
replayed as an appraisal link) carrying the participant and its union. Nothing is stored; whether the appraisal
is open, and until when, is read from the survey and the round when the link is used, so a closed or extended
round needs no new links.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from drives.links import link_qr_svg
from federations.services import union_host
from unionhub.errors import DomainValidationError

SALT = "unionhub.selfassessment.appraisal-link"
FIELD = "token"

__all__ = ["AppraisalLink", "appraisal_token", "appraisal_url", "appraisal_resolve", "link_qr_svg"]


@dataclass(frozen=True)
class AppraisalLink:
    participant_id: int
    union_id: int
    token: str

    @property
    def key(self) -> str:
        """Stable name of the link for rate limiting."""
        return f"appraisal:{self.participant_id}"


def appraisal_token(*, participant) -> str:
    return signing.dumps([participant.pk, participant.union_id], salt=SALT, compress=False)


def appraisal_url(*, union, token: str) -> str:
    scheme = getattr(settings, "UNIONHUB_LINK_SCHEME", "https")
    return f"{scheme}://{union_host(union.slug)}/appraisal/{token}/"


def invalid_link() -> DomainValidationError:
    return DomainValidationError.single(
        FIELD, "invalid_token", _("会员评家链接无效，请向工会索取新的链接或二维码。")
    )


def appraisal_resolve(token, *, union) -> AppraisalLink:
    """Check a token received on `union`'s host; DomainValidationError on field "token" otherwise (a token for
    another union is refused like a forged one)."""
    if not isinstance(token, str) or not token or len(token) > 300 or union is None:
        raise invalid_link()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise invalid_link() from None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in payload)
    ):
        raise invalid_link()
    participant_id, union_id = payload
    if union_id != union.pk:
        raise invalid_link()
    return AppraisalLink(participant_id=participant_id, union_id=union_id, token=token)
