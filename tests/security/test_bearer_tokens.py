"""Bearer tokens authenticate the API only (issue 14, finding 1).

The walk resolves every URL pattern of the public and the union URLconfs (Django admin included), fills the path
parameters, and sends GET and POST with a platform admin's read token and with its write token. Only the views
meant for API clients accept a token; every other view refuses it with 401 before any view code runs (so the
admin, password change, token management and every HTML form keep session + CSRF); and no request made with a
read token changes anything.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern

from accounts.models import ApiToken, Role, User
from accounts.services import api_token_create
from audit.models import AuditEntry
from federations.middleware import forget_host
from federations.services import union_host, union_provision
from tests.accounts.helpers import grant, make_user
from tests.factories import union_kwargs

# Route names of the views an API client may call with a token (decided from the code: GraphQL, the health check,
# and file downloads, whose links the API hands out). Written out here, not read from the middleware's marker,
# so a view that starts accepting tokens by mistake fails this test.
TOKEN_VIEWS = {"graphql", "healthz", "file-download", "import-error-file"}
PUBLIC_HOST = "testserver"
_SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "1", "uuid": "00000000-0000-0000-0000-000000000001"}


def _sample(pattern) -> str:
    """A concrete path segment matching `pattern` (route converters and the admin's regex groups filled in)."""
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: _SAMPLES[m.group(1) or "str"], str(pattern))
    regex = pattern.regex.pattern.lstrip("^").removesuffix("\\Z").rstrip("$")

    def group(match):
        body = match.group(1)
        # (?P<app_label>accounts|auth|...) -> the first alternative; anything else -> "1".
        return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "1"

    return re.sub(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", group, regex)


def url_walk(urlconf: str) -> list[tuple[str, str, URLPattern]]:
    """(path, route name, pattern) for every URL pattern of `urlconf`, nested includes expanded."""

    def visit(patterns, prefix: str, namespace: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from visit(entry.url_patterns, prefix + _sample(entry.pattern), inner)
            else:
                yield prefix + _sample(entry.pattern), namespace + (entry.name or ""), entry

    walked = []
    for path, name, entry in visit(get_resolver(urlconf).url_patterns, "/", ""):
        match = resolve(path, urlconf=urlconf)
        # The filled-in path must reach the pattern it was built from (a catch-all may shadow a few admin paths).
        if match.func is entry.callback:
            walked.append((path, name, entry))
    return walked


def _state() -> tuple:
    return (User.objects.count(), ApiToken.objects.count(), AuditEntry.objects.count())


@pytest.fixture
def tokens(county):
    # A platform admin who may also use the Django admin: the most a stolen read token could be worth.
    user = make_user("api_client", is_staff=True, is_superuser=True)
    grant(user, Role.PLATFORM_ADMIN)
    _, read = api_token_create(user=user, name="只读", scopes=["read"])
    _, write = api_token_create(user=user, name="读写", scopes=["read", "write"])
    return {"read": read, "write": write, "user": user}


def _is_token_refusal(response) -> bool:
    return response.status_code == 401 and response.get("WWW-Authenticate", "").startswith("Bearer")


def test_the_walk_covers_every_view(db):
    public = url_walk(settings.PUBLIC_SCHEMA_URLCONF)
    tenant = url_walk(settings.ROOT_URLCONF)
    names = {name for _path, name, _entry in public}
    # The admin's model pages, the token page, password change, every web page: all reached.
    assert {
        "admin:index",
        "admin:accounts_user_add",
        "admin:accounts_user_change",
        "password_change",
    } <= names
    assert {"web-tokens", "web-members", "web-drive", "join", "appraisal", "login", "logout"} <= names
    assert TOKEN_VIEWS <= names and TOKEN_VIEWS <= {name for _p, name, _e in tenant}
    assert len(public) > 60


@pytest.mark.parametrize("scope", ["read", "write"])
def test_only_api_views_accept_a_bearer_token(tokens, county, scope):
    union = union_provision(parent_node=county, **union_kwargs())
    grant(tokens["user"], Role.UNION_ADMIN, union=union)
    forget_host()
    secret = tokens[scope]
    before = _state()
    accepted, refused = set(), set()
    hosts = [(PUBLIC_HOST, settings.PUBLIC_SCHEMA_URLCONF), (union_host(union.slug), settings.ROOT_URLCONF)]
    for host, urlconf in hosts:
        client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {secret}")
        for path, name, _entry in url_walk(urlconf):
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                where = f"{method.upper()} {host}{path} ({name})"
                if name in TOKEN_VIEWS:
                    assert not _is_token_refusal(response), where
                    if method == "post" and name != "graphql":
                        # GET-only views: a read token is refused for writing, a write token meets the 405.
                        assert response.status_code == (403 if scope == "read" else 405), where
                    accepted.add(name)
                else:
                    assert _is_token_refusal(response), f"{where} answered {response.status_code}"
                    refused.add(name)
    assert accepted == TOKEN_VIEWS
    assert {"admin:index", "admin:accounts_user_add", "password_change", "web-tokens"} <= refused
    if scope == "read":
        assert _state() == before  # nothing written anywhere with a read token


def test_read_token_cannot_create_a_user_in_the_admin(tokens):
    client = Client(enforce_csrf_checks=True)
    data = {"username": "mallory", "password1": "Qiu-tian-2024-x", "password2": "Qiu-tian-2024-x"}
    for secret in (tokens["read"], tokens["write"]):
        response = client.post("/admin/accounts/user/add/", data, HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert _is_token_refusal(response)
        assert "此页面不接受API令牌" in response.content.decode()
        assert client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert not User.objects.filter(username="mallory").exists()


def test_admin_keeps_session_and_csrf(tokens):
    admin = tokens["user"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    data = {"username": "mallory", "password1": "Qiu-tian-2024-x", "password2": "Qiu-tian-2024-x"}
    assert client.post("/admin/accounts/user/add/", data).status_code == 403  # no CSRF token
    # A bearer header next to the session makes the request the token's, and the admin refuses tokens.
    response = client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {tokens['write']}")
    assert _is_token_refusal(response)
    assert not User.objects.filter(username="mallory").exists()


def test_password_change_refuses_bearer_tokens(tokens):
    client = Client()
    for secret in (tokens["read"], tokens["write"]):
        response = client.post(
            "/accounts/password_change/",
            {
                "old_password": "Unused-Passw0rd!",
                "new_password1": "Dong-tian-2024-x",
                "new_password2": "Dong-tian-2024-x",
            },
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert _is_token_refusal(response)
    tokens["user"].refresh_from_db()
    assert tokens["user"].check_password("Unused-Passw0rd!")


MARK_READ = "mutation { modelWorkerNotificationsMarkRead { marked errors { code message } } }"


def test_every_mutation_needs_the_write_scope(tokens):
    # modelWorkerNotificationsMarkRead authorises by "own notifications" without the access helpers; a read token
    # ran it. The scope is now checked for every mutation before it runs.
    def run(secret):
        return (
            Client()
            .post(
                "/graphql/",
                {"query": MARK_READ},
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
            )
            .json()["data"]["modelWorkerNotificationsMarkRead"]
        )

    before = AuditEntry.objects.count()
    refused = run(tokens["read"])
    assert refused["marked"] is None
    assert [e["code"] for e in refused["errors"]] == ["permission_denied"]
    assert "只有读取权限" in refused["errors"][0]["message"]
    assert AuditEntry.objects.count() == before
    assert run(tokens["write"]) == {"marked": 0, "errors": []}


def test_a_query_by_post_still_works_with_a_read_token(tokens):
    response = Client().post(
        "/graphql/",
        {"query": "{ modelWorkerNotifications(first: 1) { totalCount } }"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['read']}",
    )
    assert response.json() == {"data": {"modelWorkerNotifications": {"totalCount": 0}}}
