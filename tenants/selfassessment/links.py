"""Signed member-appraisal (会员评家) links: one token per round participant, like the drives' joining links.

The token is a signed link of `unionhub.links` with a salt of its own (no other signed value of the project can be
replayed as an appraisal link) carrying the participant and its union. Nothing is stored; whether the appraisal
is open, and until when, is read from the survey and the round when the link is used, so a closed or extended
round needs no new links.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from federations.services import union_host
from unionhub.errors import DomainValidationError
from unionhub.links import link_sign, link_unsign, link_url

SALT = "unionhub.selfassessment.appraisal-link"
FIELD = "token"


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
    return link_sign([participant.pk, participant.union_id], salt=SALT)


def appraisal_url(*, union, token: str) -> str:
    return link_url(host=union_host(union.slug), path=f"/appraisal/{token}/")


def invalid_link() -> DomainValidationError:
    return DomainValidationError.single(
        FIELD, "invalid_token", _("会员评家链接无效，请向工会索取新的链接或二维码。")
    )


def appraisal_resolve(token, *, union) -> AppraisalLink:
    """Check a token received on `union`'s host; DomainValidationError on field "token" otherwise (a token for
    another union is refused like a forged one)."""
    payload = link_unsign(token, salt=SALT, length=2, minimum=1)
    if payload is None or union is None:
        raise invalid_link()
    participant_id, union_id = payload
    if union_id != union.pk:
        raise invalid_link()
    return AppraisalLink(participant_id=participant_id, union_id=union_id, token=token)
