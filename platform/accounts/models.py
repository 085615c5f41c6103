"""Users, role grants on the federation tree, and API tokens. All in the public schema: one login across the tree."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    FEDERATION_ADMIN = "federation_admin", _("总工会管理员")
    FEDERATION_STAFF = "federation_staff", _("总工会工作人员/考核员")
    UNION_ADMIN = "union_admin", _("基层工会管理员")
    UNION_OFFICER = "union_officer", _("基层工会干部")
    BRANCH_OFFICER = "branch_officer", _("分会干部")


NODE_ROLES = frozenset({Role.FEDERATION_ADMIN, Role.FEDERATION_STAFF})
UNION_ROLES = frozenset({Role.UNION_ADMIN, Role.UNION_OFFICER, Role.BRANCH_OFFICER})


class RoleGrantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class RoleGrant(models.Model):
    """A role held on one node of the tree (federation roles) or one union (union roles); inherited downward."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    node = models.ForeignKey(
        "federations.FederationNode",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    union = models.ForeignKey(
        "federations.Union", null=True, blank=True, on_delete=models.CASCADE, related_name="role_grants"
    )
    # Branch officers act on one branch (a tenant row); tenant rows cannot be referenced from public, so an id.
    branch_id = models.BigIntegerField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.CheckConstraint(
                name="role_grant_scope_matches_role",
                condition=(
                    Q(role="platform_admin", node__isnull=True, union__isnull=True)
                    | Q(
                        role__in=["federation_admin", "federation_staff"],
                        node__isnull=False,
                        union__isnull=True,
                    )
                    | Q(role__in=["union_admin", "union_officer"], node__isnull=True, union__isnull=False)
                    | Q(
                        role="branch_officer", node__isnull=True, union__isnull=False, branch_id__isnull=False
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "node", "union", "branch_id"],
                condition=Q(revoked_at__isnull=True),
                nulls_distinct=False,
                name="role_grant_unique_active",
            ),
        ]
        indexes = [
            models.Index(fields=["user"], condition=Q(revoked_at__isnull=True), name="role_grant_active_user")
        ]


class TokenScope(models.TextChoices):
    READ = "read", _("只读")
    WRITE = "write", _("读写")


class ApiToken(models.Model):
    """A bearer token for dashboard clients. Only a hash is stored; the secret is shown once at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
