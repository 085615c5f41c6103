"""Key rotation for identity numbers at rest: old-key data stays readable while both keys are configured, and the
rotation command re-encrypts every table that keeps a number (members, join applications, transfer requests), so
the old key can then be dropped. Rotation of members alone is proven in tests/membership/test_members.py, of
webhook secrets in tests/reporting/test_delivery.py."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from membership import services as members
from people.identity import id_decrypt, seal
from people.services import UndecryptableIdentity, encrypted_models, secrets_reencrypt_union
from tests.factories import union_kwargs
from tests.support.members import make_id, member_kwargs


@pytest.fixture
def unions(county):
    from federations.services import union_provision

    return [union_provision(parent_node=county, **union_kwargs()) for _ in range(2)]


def stored_tokens(unions) -> dict[str, list[str]]:
    from membership.models import Member
    from recruitment.models import Application
    from transfers.models import TransferRequest

    tokens: dict[str, list[str]] = {"member": [], "application": [], "transfer": []}
    for union in unions:
        with schema_context(union.schema_name):
            tokens["member"] += list(
                Member.objects.order_by("pk").values_list("id_number_encrypted", flat=True)
            )
            tokens["application"] += list(
                Application.objects.order_by("pk").values_list("id_number_encrypted", flat=True)
            )
    tokens["transfer"] = list(
        TransferRequest.objects.order_by("pk").values_list("id_number_encrypted", flat=True)
    )
    return tokens


def test_every_table_with_an_encrypted_value_is_found():
    tenant, public = encrypted_models()
    assert {"membership.Member", "recruitment.Application"} <= {m._meta.label for m in tenant}
    assert {"transfers.TransferRequest", "reporting.ReportRecipient"} <= {m._meta.label for m in public}


def test_rotation_re_encrypts_members_applications_and_transfer_requests(unions, settings, capsys):
    from recruitment.models import Application
    from transfers.services import member_create_or_request_transfer

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [old_key]
    first, second = unions
    moving, staying, applicant = make_id(), make_id(), make_id()
    members.member_create(union=first, **member_kwargs(id_number=moving))
    members.member_create(union=second, **member_kwargs(id_number=staying))
    # Active in the first union: joining the second becomes a transfer request holding the number.
    assert member_create_or_request_transfer(union=second, **member_kwargs(id_number=moving)).transfer
    with schema_context(second.schema_name):
        Application.objects.create(
            drive_id=1,
            name="赵敏",
            phone="13800138000",
            employment_type="regular",
            id_kind="resident",
            **seal(applicant).fields(),
            consent_at=timezone.now(),
        )
    before = stored_tokens(unions)
    assert sum(len(v) for v in before.values()) == 4

    # Step 1: the new key goes first, the old one stays: everything is still readable.
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [new_key, old_key]
    assert sorted(id_decrypt(t) for ts in before.values() for t in ts) == sorted(
        [moving, staying, moving, applicant]
    )

    # Step 2: rotate.
    call_command("secrets_reencrypt")
    assert "re-encrypted 4 values" in capsys.readouterr().out
    after = stored_tokens(unions)
    assert all(a != b for kind in before for a, b in zip(before[kind], after[kind], strict=True))

    # Step 3: the old key is dropped; every number still decrypts, and old tokens no longer do.
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [new_key]
    assert sorted(id_decrypt(t) for ts in after.values() for t in ts) == sorted(
        [moving, staying, moving, applicant]
    )
    with pytest.raises(InvalidToken):
        id_decrypt(before["member"][0])


def test_a_number_no_key_decrypts_stops_the_batch_and_names_the_row_not_the_number(unions, settings):
    first = unions[0]
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    number = make_id()
    members.member_create(union=first, **member_kwargs(id_number=number))
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key was lost
    with pytest.raises(UndecryptableIdentity) as caught:
        secrets_reencrypt_union(first)
    assert "membership.Member pk=" in str(caught.value) and number not in str(caught.value)
