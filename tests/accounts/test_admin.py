"""The Django admin on the public host: every account and tenancy model listed in Chinese, key_hash untouchable,
grants and nodes created through the same rules as the services."""

import pytest
from django.test import Client

from accounts.models import ApiToken, Role, RoleGrant, User
from accounts.services import api_token_create
from federations.models import FederationNode

from .helpers import make_user, union_row


@pytest.fixture
def staff_client(db):
    admin = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    client.admin = admin
    return client


@pytest.mark.parametrize(
    "url, title",
    [
        ("/admin/accounts/user/", "用户"),
        ("/admin/accounts/rolegrant/", "角色授权"),
        ("/admin/accounts/apitoken/", "API令牌"),
        ("/admin/federations/federationnode/", "工会组织节点"),
        ("/admin/federations/union/", "基层工会"),
        ("/admin/federations/domain/", "域名"),
    ],
)
def test_changelists_render_in_chinese(staff_client, county, url, title):
    union_row(county, name="华锐机械厂工会")
    response = staff_client.get(url, {"q": "华锐"})
    assert response.status_code == 200
    assert title in response.content.decode()
    assert "搜索" in response.content.decode()


def test_admin_index_is_localised(staff_client):
    html = staff_client.get("/admin/").content.decode()
    assert "账号与权限" in html and "工会组织" in html


def test_union_search_finds_by_name(staff_client, county):
    union_row(county, name="华锐机械厂工会")
    union_row(county, name="人民医院工会")
    html = staff_client.get("/admin/federations/union/", {"q": "华锐"}).content.decode()
    assert "华锐机械厂工会" in html and "人民医院工会" not in html


def test_key_hash_is_never_shown_or_editable(staff_client):
    token, _ = api_token_create(user=staff_client.admin, name="看板", scopes=["read"])
    url = f"/admin/accounts/apitoken/{token.pk}/change/"

    page = staff_client.get(url).content.decode()
    assert "key_hash" not in page and token.key_hash not in page

    response = staff_client.post(
        url, {"name": "改名", "expires_at_0": "", "expires_at_1": "", "key_hash": "0" * 64}
    )
    assert response.status_code == 302
    row = ApiToken.objects.get(pk=token.pk)
    assert row.name == "改名" and row.key_hash == token.key_hash
    assert staff_client.get("/admin/accounts/apitoken/add/").status_code == 403


def test_role_grant_admin_checks_the_scope(staff_client, county):
    user = make_user()
    wrong = staff_client.post(
        "/admin/accounts/rolegrant/add/", {"user": user.pk, "role": Role.UNION_ADMIN, "node": county.pk}
    )
    assert wrong.status_code == 200
    assert "基层工会角色必须指定基层工会" in wrong.content.decode()
    assert not RoleGrant.objects.filter(user=user).exists()

    ok = staff_client.post(
        "/admin/accounts/rolegrant/add/", {"user": user.pk, "role": Role.FEDERATION_STAFF, "node": county.pk}
    )
    assert ok.status_code == 302
    created = RoleGrant.objects.get(user=user)
    assert (created.role, created.node, created.granted_by) == (
        Role.FEDERATION_STAFF,
        county,
        staff_client.admin,
    )


def test_node_admin_builds_the_path_like_the_service(staff_client, county):
    response = staff_client.post(
        "/admin/federations/federationnode/add/",
        {"level": "township", "name": "城南镇工会", "division_code": "330122", "parent": county.pk},
    )
    assert response.status_code == 302
    node = FederationNode.objects.get(name="城南镇工会")
    assert (node.path, node.depth) == (f"{county.path}{node.pk}/", 1)

    wrong = staff_client.post(
        "/admin/federations/federationnode/add/",
        {"level": "township", "name": "无上级镇工会", "division_code": "330122"},
    )
    assert wrong.status_code == 200
    assert "该层级的组织不能设在所选上级之下" in wrong.content.decode()
    assert not FederationNode.objects.filter(name="无上级镇工会").exists()


def test_change_pages_render(staff_client, county):
    union = union_row(county)
    grant = RoleGrant.objects.create(user=staff_client.admin, role=Role.UNION_ADMIN, union=union)
    for url in (
        f"/admin/federations/federationnode/{county.pk}/change/",
        f"/admin/federations/union/{union.pk}/change/",
        f"/admin/accounts/user/{staff_client.admin.pk}/change/",
        f"/admin/accounts/rolegrant/{grant.pk}/change/",
    ):
        assert staff_client.get(url).status_code == 200, url


def test_unions_are_not_added_or_deleted_in_the_admin(staff_client, county):
    union = union_row(county)
    assert staff_client.get("/admin/federations/union/add/").status_code == 403
    assert staff_client.get(f"/admin/federations/union/{union.pk}/delete/").status_code == 403


def test_admin_adds_a_user_with_a_validated_password(staff_client):
    weak = staff_client.post(
        "/admin/accounts/user/add/",
        {"username": "liuyang", "full_name": "刘洋", "phone": "", "password1": "123", "password2": "123"},
    )
    assert weak.status_code == 200
    assert not User.objects.filter(username="liuyang").exists()

    response = staff_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "liuyang",
            "full_name": "刘洋",
            "phone": "13900002222",
            "password1": "Qiutian-de-feng-2024",
            "password2": "Qiutian-de-feng-2024",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="liuyang")
    assert (user.full_name, user.phone) == ("刘洋", "13900002222")
    assert user.check_password("Qiutian-de-feng-2024")
