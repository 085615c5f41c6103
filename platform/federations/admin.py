"""Django admin for platform staff (public host only): the federation tree, unions and their host names.

Structure changes go through the services: new nodes via node_create (it computes the materialised path), new
unions only via union_provision (it creates the schema), so the admin cannot add unions, and a node's parent or
level is fixed once created (moving a subtree would have to re-path every node and union below it).
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .middleware import forget_host
from .models import ALLOWED_PARENT_LEVELS, Domain, FederationNode, NodeLevel, Union
from .services import node_create


class FederationNodeAddForm(forms.ModelForm):
    class Meta:
        model = FederationNode
        fields = ("level", "name", "division_code", "parent", "report_recipient", "report_recipient_name")

    def clean(self):
        data = super().clean()
        level, parent = data.get("level"), data.get("parent")
        if level and (parent.level if parent else None) not in ALLOWED_PARENT_LEVELS[NodeLevel(level)]:
            self.add_error("parent", _("该层级的组织不能设在所选上级之下。"))
        return data


class UnionInline(admin.TabularInline):
    model = Union
    fk_name = "parent_node"
    fields = ("name", "slug", "status", "staff_count")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FederationNode)
class FederationNodeAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "division_code", "parent", "depth", "path")
    list_filter = ("level",)
    search_fields = ("name", "division_code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent", "report_recipient")
    inlines = [UnionInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FederationNodeAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("level", "parent", "path", "depth", "created_at")
        return ()

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # The form has checked the same rules, so node_create does not raise here.
        node = node_create(
            level=obj.level,
            name=obj.name,
            division_code=obj.division_code,
            parent=obj.parent,
            report_recipient=obj.report_recipient,
            report_recipient_name=obj.report_recipient_name,
        )
        # The admin logs and redirects using `obj`: give it the saved row's identity.
        obj.pk, obj.path, obj.depth, obj.created_at = node.pk, node.path, node.depth, node.created_at

    def has_delete_permission(self, request, obj=None):
        return False


class DomainInline(admin.TabularInline):
    model = Domain
    fields = ("domain", "is_primary")
    extra = 0


@admin.register(Union)
class UnionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "parent_node", "unit_type", "staff_count", "created_at")
    list_filter = ("status", "unit_type", "ownership_type", "union_kind")
    search_fields = ("name", "slug", "credit_code")
    list_select_related = ("parent_node",)
    autocomplete_fields = ("parent_node",)
    readonly_fields = ("slug", "schema_name", "node_path", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "credit_code", "status", "parent_node")}),
        (
            _("单位信息"),
            {"fields": ("unit_type", "ownership_type", "union_kind", "staff_count", "female_staff_count")},
        ),
        (_("其他"), {"fields": ("founded_on", "schema_name", "node_path", "created_at", "updated_at")}),
    )
    inlines = [DomainInline]

    def save_model(self, request, obj, form, change):
        # node_path is a copy of the parent's path so subtree queries need no join: keep it in step.
        obj.node_path = obj.parent_node.path
        super().save_model(request, obj, form, change)
        forget_host()  # status may have changed: hosts of suspended unions must stop resolving now

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        forget_host()

    def has_add_permission(self, request):
        return False  # union_provision creates the schema; the admin would leave a tenant without one

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    list_filter = ("is_primary",)
    search_fields = ("domain", "tenant__name", "tenant__slug")
    list_select_related = ("tenant",)
    autocomplete_fields = ("tenant",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_host()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_host()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        forget_host()
