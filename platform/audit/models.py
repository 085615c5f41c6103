"""The append-only audit log (public schema): who did what, when, in which tenant, and what changed.

Rows are only ever inserted. The database refuses UPDATE, DELETE and TRUNCATE on the table (trigger in migration
0002), so neither an ORM slip nor a raw query can rewrite history. Deployments should additionally REVOKE UPDATE,
DELETE and TRUNCATE on the table from the application role (the owner can disable triggers).
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    # Snapshots, not foreign keys: the log must outlive (and never block deleting) users, nodes and unions.
    actor_id = models.BigIntegerField(_("操作人ID"), null=True, blank=True)
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    tenant_schema = models.CharField(_("租户"), max_length=63, default="public")
    union_id = models.BigIntegerField(_("基层工会ID"), null=True, blank=True)
    node_id = models.BigIntegerField(_("组织节点ID"), null=True, blank=True)
    # Federation path of the node, or of the union's parent node ("/1/4/"), stored at write time so "entries in
    # my subtree" is one indexed prefix match. Empty for platform-level operations (platform admins only).
    scope_path = models.CharField(max_length=255, blank=True, default="")
    operation = models.CharField(_("操作"), max_length=100)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, default="")
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True, default="")
    # {"field": {"before": ..., "after": ...}} with personal data already masked (see services.audit_changes).
    changes = models.JSONField(_("变更内容"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(_("请求ID"), max_length=64, blank=True, default="")
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Newest-first pages for wide scopes (platform, a whole county) walk this index backwards.
            models.Index(fields=["created_at"], name="audit_time"),
            models.Index(fields=["tenant_schema", "created_at"], name="audit_tenant_time"),
            models.Index(fields=["union_id", "created_at"], name="audit_union_time"),
            models.Index(
                fields=["scope_path", "created_at"],
                name="audit_scope_path_time",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.operation} {self.object_type}:{self.object_id}"
