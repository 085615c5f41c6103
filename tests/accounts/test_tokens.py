"""API tokens: hashed at rest, shown once, scoped, expiring, revocable; `Authorization: Bearer` through the real
middleware stack. A bad, revoked or expired token is anonymous and never falls back to the session."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken, Role
from accounts.services import api_token_authenticate, api_token_create, api_token_revoke
from federations.services import union_host, union_provision
from tests.factories import union_kwargs
from unionhub.errors import DomainValidationError

from .helpers import data_queries, grant, make_user

PROBE = "/probe/whoami/"
probe_urls = override_settings(
    PUBLIC_SCHEMA_URLCONF="tests.accounts.probe_urls", ROOT_URLCONF="tests.accounts.probe_urls"
)


@pytest.fixture
def admin_user(db):
    user = make_user("token_owner")
    grant(user, Role.PLATFORM_ADMIN)
    return user


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- services ----------------------------------------------------------------------------------------------


def test_secret_is_shown_once_and_only_its_hash_is_stored(admin_user):
    token, secret = api_token_create(user=admin_user, name="看板", scopes=["read", "read"])

    row = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("uh_") and len(secret) == 46
    assert row.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {
        str(value) for value in ApiToken.objects.filter(pk=token.pk).values().get().values()
    }
    assert row.scopes == ["read"]
    assert secret.startswith(row.prefix)
    other, other_secret = api_token_create(user=admin_user, name="看板2", scopes=["write"])
    assert other_secret != secret and other.prefix != row.prefix


@pytest.mark.parametrize(
    "kwargs, field, code",
    [
        ({"name": " ", "scopes": ["read"]}, "name", "required"),
        ({"name": "x", "scopes": []}, "scopes", "required"),
        ({"name": "x", "scopes": ["admin"]}, "scopes", "invalid_scope"),
        ({"name": "x", "scopes": ["read"], "expires_at": "past"}, "expires_at", "in_past"),
    ],
)
def test_bad_token_input_is_a_field_error(admin_user, kwargs, field, code):
    if kwargs.get("expires_at") == "past":
        kwargs["expires_at"] = timezone.now() - timedelta(minutes=1)
    with pytest.raises(DomainValidationError) as exc_info:
        api_token_create(user=admin_user, **kwargs)
    assert [(e.field, e.code) for e in exc_info.value.errors] == [(field, code)]
    assert not ApiToken.objects.exists()


def test_authenticate_refuses_revoked_expired_and_inactive(admin_user):
    token, secret = api_token_create(user=admin_user, name="看板", scopes=["read"])
    assert api_token_authenticate(raw=secret).pk == token.pk
    assert api_token_authenticate(raw=secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None

    expiring, expiring_secret = api_token_create(
        user=admin_user, name="临时", scopes=["read"], expires_at=timezone.now() + timedelta(hours=1)
    )
    assert api_token_authenticate(raw=expiring_secret) is not None
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_token_authenticate(raw=expiring_secret) is None

    api_token_revoke(token=token)
    revoked_at = token.revoked_at
    api_token_revoke(token=token)  # idempotent: the first time stands
    assert token.revoked_at == revoked_at is not None
    assert api_token_authenticate(raw=secret) is None

    live, live_secret = api_token_create(user=admin_user, name="另一个", scopes=["read"])
    admin_user.is_active = False
    admin_user.save()
    assert api_token_authenticate(raw=live_secret) is None


def test_garbage_never_reaches_the_database(db):
    with CaptureQueriesContext(connection) as context:
        for raw in ("", "abc", "uh_short", "x" * 10_000, "uh_" + "é" * 43):
            assert api_token_authenticate(raw=raw) is None
    assert data_queries(context) == []


def test_last_used_is_recorded_at_most_once_a_minute(admin_user):
    token, secret = api_token_create(user=admin_user, name="看板", scopes=["read"])
    assert token.last_used_at is None

    api_token_authenticate(raw=secret)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as context:
        api_token_authenticate(raw=secret)
    assert len(data_queries(context)) == 1  # the lookup only, no write
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api_token_authenticate(raw=secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first - timedelta(minutes=2)


# --- middleware ---------------------------------------------------------------------------------------------


@probe_urls
def test_bearer_token_authenticates_with_its_scopes(admin_user):
    _, read_secret = api_token_create(user=admin_user, name="只读", scopes=["read"])
    _, write_secret = api_token_create(user=admin_user, name="读写", scopes=["read", "write"])
    client = Client()

    body = client.get(PROBE, **bearer(read_secret)).json()
    assert (body["user"], body["can_view"], body["can_manage"]) == ("token_owner", True, False)
    body = client.get(PROBE, **bearer(write_secret)).json()
    assert (body["user"], body["can_view"], body["can_manage"]) == ("token_owner", True, True)
    # The scheme name is case-insensitive (RFC 7235).
    assert client.get(PROBE, HTTP_AUTHORIZATION=f"bearer {read_secret}").json()["user"] == "token_owner"


@probe_urls
@pytest.mark.parametrize("case", ["unknown", "revoked", "expired", "empty"])
def test_bad_token_is_anonymous_even_with_a_session(admin_user, case):
    token, secret = api_token_create(user=admin_user, name="看板", scopes=["read", "write"])
    if case == "unknown":
        secret = "uh_" + "A" * 43
    elif case == "revoked":
        api_token_revoke(token=token)
    elif case == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif case == "empty":
        secret = ""
    client = Client()
    client.force_login(admin_user)
    assert client.get(PROBE).json()["user"] == "token_owner"  # the session alone works

    body = client.get(PROBE, **bearer(secret)).json()

    assert body["session_user"] is not None  # the cookie came along ...
    assert (body["user"], body["can_view"]) == (None, False)  # ... and was not used


@probe_urls
def test_bearer_requests_skip_csrf_but_session_posts_do_not(admin_user):
    _, secret = api_token_create(user=admin_user, name="读写", scopes=["write"])
    client = Client(enforce_csrf_checks=True)
    assert client.post(PROBE, **bearer(secret)).status_code == 200

    client.force_login(admin_user)
    assert client.post(PROBE).status_code == 403


@probe_urls
def test_token_works_on_a_union_host_for_that_unions_roles(county):
    from federations.middleware import forget_host

    union = union_provision(parent_node=county, **union_kwargs())
    other = make_user("other_admin")
    user = make_user("union_admin")
    grant(user, Role.UNION_ADMIN, union=union)
    _, secret = api_token_create(user=user, name="看板", scopes=["read", "write"])
    _, other_secret = api_token_create(user=other, name="看板", scopes=["read", "write"])
    forget_host()
    client = Client(HTTP_HOST=union_host(union.slug))

    body = client.get(PROBE, **bearer(secret)).json()
    assert (body["union"], body["user"], body["union_manage"]) == (union.slug, "union_admin", True)
    body = client.get(PROBE, **bearer(other_secret)).json()
    assert (body["user"], body["union_manage"]) == ("other_admin", False)
    assert connection.schema_name == "public"


@probe_urls
def test_deactivated_user_is_anonymous_on_the_next_request(admin_user):
    _, secret = api_token_create(user=admin_user, name="看板", scopes=["read"])
    client = Client()
    client.force_login(admin_user)
    assert client.get(PROBE).json()["user"] == "token_owner"

    admin_user.is_active = False
    admin_user.save()

    assert client.get(PROBE).json()["user"] is None
    assert client.get(PROBE, **bearer(secret)).json()["user"] is None
