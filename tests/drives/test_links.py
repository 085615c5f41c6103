"""Signed joining links: round trip, expiry at the drive's end, forged and tampered tokens, wrong union."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.core import signing

from unionhub.errors import DomainValidationError


def _code(exc_info) -> str:
    (error,) = exc_info.value.errors
    assert error.field == "token"
    return error.code


def test_token_round_trip_names_drive_union_and_branch(world, link_for):
    from drives.links import link_resolve, link_url

    token = link_for(world.drive, world.u1, world.b1)
    link = link_resolve(token, union=world.u1)
    assert (link.drive.pk, link.union_id, link.branch_id) == (world.drive.pk, world.u1.pk, world.b1.pk)
    assert link.expires_on == world.drive.ends_on
    assert link_url(union=world.u1, token=token) == f"https://{world.host(world.u1.slug)}/join/{token}/"


def test_link_expires_after_the_drives_last_day(world, link_for):
    from drives.links import link_resolve

    token = link_for(world.drive, world.u1)
    assert link_resolve(token, union=world.u1, today=world.drive.ends_on).drive.pk == world.drive.pk
    with pytest.raises(DomainValidationError) as exc:
        link_resolve(token, union=world.u1, today=world.drive.ends_on + timedelta(days=1))
    assert _code(exc) == "expired_token"
    assert "过期" in exc.value.errors[0].message


def test_shortening_the_drive_stops_links_already_handed_out(world, link_for):
    from drives.links import link_resolve
    from drives.services import drive_update

    token = link_for(world.drive, world.u1)
    drive_update(
        drive=world.drive, ends_on=world.today - timedelta(days=1), starts_on=world.today - timedelta(days=5)
    )
    with pytest.raises(DomainValidationError) as exc:
        link_resolve(token, union=world.u1)
    assert _code(exc) == "expired_token"


def test_link_before_the_drive_starts_is_refused(world, link_for):
    from drives.links import link_resolve

    token = link_for(world.drive, world.u1)
    with pytest.raises(DomainValidationError) as exc:
        link_resolve(token, union=world.u1, today=world.drive.starts_on - timedelta(days=1))
    assert _code(exc) == "not_started"


@pytest.mark.parametrize("how", ["signature", "payload", "truncated", "garbage", "other_salt", "empty"])
def test_forged_or_tampered_tokens_are_invalid(world, link_for, how):
    from drives.links import link_resolve

    token = link_for(world.drive, world.u1)
    if how == "signature":
        bad = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif how == "payload":
        # Same signature, payload pointing at another union.
        payload, rest = token.split(":", 1)
        data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).replace(
            str(world.u1.pk).encode(), str(world.u2.pk).encode(), 1
        )
        bad = base64.urlsafe_b64encode(data).decode().rstrip("=") + ":" + rest
    elif how == "truncated":
        bad = token[: len(token) // 2]
    elif how == "garbage":
        bad = "探针:abc:def"
    elif how == "other_salt":
        bad = signing.dumps(
            [world.drive.pk, world.u1.pk, 0, world.drive.ends_on.toordinal()], salt="elsewhere"
        )
    else:
        bad = ""
    with pytest.raises(DomainValidationError) as exc:
        link_resolve(bad, union=world.u1)
    assert _code(exc) == "invalid_token"
    assert exc.value.errors[0].message == "入会链接无效，请向工会索取新的链接或二维码。"


def test_token_for_one_union_is_refused_on_another_unions_host(world, link_for):
    from drives.links import link_resolve

    token = link_for(world.drive, world.u1)
    with pytest.raises(DomainValidationError) as exc:
        link_resolve(token, union=world.u2)
    assert _code(exc) == "invalid_token"


def test_signed_token_for_a_union_outside_the_drive_is_invalid(world, link_for):
    from drives.links import link_resolve

    token = link_for(
        world.drive, world.outsider
    )  # correctly signed, but the county's drive does not cover it
    with pytest.raises(DomainValidationError) as exc:
        link_resolve(token, union=world.outsider)
    assert _code(exc) == "invalid_token"


def test_qr_code_is_svg_of_the_url(world, link_for):
    from drives.links import link_url
    from unionhub.links import link_qr_svg

    svg = link_qr_svg(link_url(union=world.u1, token=link_for(world.drive, world.u1)))
    assert svg.startswith("<svg") and "</svg>" in svg and "<path" in svg
