"""Download links (issue 14, finding 2): a link is bound to its file's scope and, for staff files, to the user it was
made for; a valid signature alone no longer hands out a member list. Export and error-file keys are not derivable
from the sequential job id."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client

from accounts.models import Role, RoleGrant
from accounts.services import api_token_create
from federations.middleware import forget_host
from federations.services import union_host, union_provision
from files.keys import federation_file_key, file_scope, tenant_file_key
from files.selectors import DOWNLOAD_SALT, SENT_OUTSIDE, file_download_url
from files.services import file_store
from tests.accounts.helpers import grant, make_user
from tests.factories import union_kwargs
from tests.support.storage import local_storage  # noqa: F401

CONTENT = b"name,phone\n\xe5\xbc\xa0\xe4\xb8\x89,13800000000\n"


@pytest.fixture
def world(county, local_storage):  # noqa: F811
    union = union_provision(parent_node=county, **union_kwargs())
    other = union_provision(parent_node=county, **union_kwargs())
    forget_host()
    owner, colleague, outsider = make_user("owner"), make_user("colleague"), make_user("outsider")
    grant(owner, Role.UNION_ADMIN, union=union)
    grant(colleague, Role.UNION_ADMIN, union=union)
    grant(outsider, Role.UNION_ADMIN, union=other)
    key = tenant_file_key(union.schema_name, "exports", [7], "会员.csv", unguessable=True)
    file_store(key=key, content=CONTENT, content_type="text/csv")

    class World:
        pass

    w = World()
    w.__dict__.update(locals())
    return w


def fetch(url, *, user=None, host=None, headers=None):
    client = Client(HTTP_HOST=host) if host else Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url, **(headers or {}))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_a_staff_link_serves_only_its_user_while_they_may_see_the_scope(world):
    url = file_download_url(key=world.key, user=world.owner, expires=60)
    assert fetch(url, user=world.owner) == (200, CONTENT)
    assert fetch(url, user=world.owner, host=union_host(world.union.slug)) == (200, CONTENT)
    # Forwarded to anyone else, the link is worthless: anonymous, a colleague with the same role, an outsider.
    assert fetch(url)[0] == 403
    assert fetch(url, user=world.colleague)[0] == 403
    assert fetch(url, user=world.outsider)[0] == 403
    # Served on another union's host: refused, the file is not that union's.
    assert fetch(url, user=world.owner, host=union_host(world.other.slug))[0] == 403
    # The owner loses the role: the link they still hold stops working.
    RoleGrant.objects.filter(user=world.owner).delete()
    assert fetch(url, user=world.owner)[0] == 403


def test_an_api_client_downloads_with_its_bearer_token(world):
    _, secret = api_token_create(user=world.owner, name="看板", scopes=["read"])
    url = file_download_url(key=world.key, user=world.owner, expires=60)
    assert fetch(url, headers={"HTTP_AUTHORIZATION": f"Bearer {secret}"}) == (200, CONTENT)
    _, other_secret = api_token_create(user=world.colleague, name="看板", scopes=["read"])
    assert fetch(url, headers={"HTTP_AUTHORIZATION": f"Bearer {other_secret}"})[0] == 403


def test_a_link_forged_in_the_old_form_is_refused(world):
    # The attack of the finding: `{"k": ..., "e": ...}` signed with the (then public) key downloaded the member
    # list. Even with the real key, a link that names no scope, or a scope other than its key's, is refused.
    expires = time.time() + 60
    for payload in (
        {"k": world.key, "e": expires},
        {"k": world.key, "e": expires, "s": f"union:{world.other.schema_name}"},
        {"k": world.key, "e": expires, "s": None},
    ):
        token = signing.dumps(payload, salt=DOWNLOAD_SALT, compress=True)
        assert fetch(f"/files/download/{token}/", user=world.owner)[0] == 403, payload


def test_links_sent_outside_are_bound_to_scope_and_expiry_only(world):
    url = file_download_url(key=world.key, user=SENT_OUTSIDE, expires=60)
    assert fetch(url) == (200, CONTENT)


def test_a_staff_link_cannot_be_made_for_nobody(world):
    from django.contrib.auth.models import AnonymousUser

    for user in (None, AnonymousUser()):
        with pytest.raises(ValueError):
            file_download_url(key=world.key, user=user)


def test_export_and_error_file_keys_are_not_derivable_from_the_job_id(settings):
    key = tenant_file_key("u_acme", "exports", [42], "会员.xlsx", unguessable=True)
    assert key == tenant_file_key(
        "u_acme", "exports", [42], "会员.xlsx", unguessable=True
    )  # retries overwrite
    assert key.startswith("tenants/u_acme/exports/42/") and key != "tenants/u_acme/exports/42/会员.xlsx"
    assert key != tenant_file_key("u_acme", "exports", [43], "会员.xlsx", unguessable=True).replace(
        "/43/", "/42/"
    )
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert key != tenant_file_key("u_acme", "exports", [42], "会员.xlsx", unguessable=True)
    assert file_scope(key) == "union:u_acme"
    assert file_scope(federation_file_key(12, "imports", [1], "a.csv")) == "node:12"
    assert file_scope("elsewhere/1/a.csv") is None


def test_import_jobs_store_under_unguessable_keys(county, local_storage):  # noqa: F811
    from imports.models import ImportJob
    from imports.services import _file_key

    job = ImportJob(node=county, kind="x", pk=5)
    source, errors = (
        _file_key(job, "imports", [5, "source"], "a.csv"),
        _file_key(job, "imports", [5, "errors"], "e.xlsx"),
    )
    assert source.startswith(f"federations/{county.pk}/imports/5/source/") and len(source.split("/")) == 7
    assert errors.startswith(f"federations/{county.pk}/imports/5/errors/") and len(errors.split("/")) == 7
