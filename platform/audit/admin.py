"""Read-only view of the audit log for platform staff; rows are never added, edited or deleted here."""

from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "operation", "actor_username", "tenant_schema", "object_type", "object_id")
    list_filter = ("operation", "tenant_schema")
    search_fields = ("request_id", "actor_username", "object_id")
    date_hierarchy = "created_at"
    show_full_result_count = False  # counting a large append-only table on every page is slow

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
