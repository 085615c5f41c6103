"""Django admin for platform staff (public host only): users, role grants, API tokens.

Role grants and tokens are history: grants are revoked rather than edited or deleted, and a token's key_hash is
never shown or editable (the secret exists only in the creator's hands; new tokens come from api_token_create).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from unionhub.errors import DomainValidationError

from .login import AdminLoginForm
from .models import ApiToken, RoleGrant, User
from .services import role_grant_validate_scope

# The admin's sign-in page counts failed attempts like the web login (accounts.login).
admin.site.login_form = AdminLoginForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "phone", "email", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("username", "full_name", "phone", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "phone", "email")}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "full_name", "phone", "password1", "password2")},
        ),
    )
    readonly_fields = ("last_login", "date_joined")


class RoleGrantForm(forms.ModelForm):
    class Meta:
        model = RoleGrant
        fields = ("user", "role", "node", "union", "branch_id")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            role_grant_validate_scope(
                role=data.get("role"),
                node=data.get("node"),
                union=data.get("union"),
                branch_id=data.get("branch_id"),
            )
        except DomainValidationError as exc:
            for error in exc.errors:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        duplicate = RoleGrant.objects.active().filter(
            user=data.get("user"),
            role=data.get("role"),
            node=data.get("node"),
            union=data.get("union"),
            branch_id=data.get("branch_id"),
        )
        if not self.errors and duplicate.exists():
            raise forms.ValidationError(_("该用户已拥有相同的有效授权。"))
        return data


@admin.action(description=_("撤销所选授权"))
def revoke_role_grants(modeladmin, request, queryset):
    count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    modeladmin.message_user(request, _("已撤销 %(count)d 项授权。") % {"count": count}, messages.SUCCESS)


class ActiveFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return (("yes", _("有效")), ("no", _("已撤销")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    form = RoleGrantForm
    list_display = ("user", "role", "node", "union", "branch_id", "granted_by", "created_at", "revoked_at")
    list_filter = ("role", ActiveFilter)
    search_fields = ("user__username", "user__full_name", "node__name", "union__name", "union__slug")
    list_select_related = ("user", "node", "union", "granted_by")
    autocomplete_fields = ("user", "node", "union")
    actions = [revoke_role_grants]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        # A grant is never edited in place: revoke it and grant again, so the history stays true.
        if obj is not None:
            return ("user", "role", "node", "union", "branch_id", "granted_by", "created_at", "revoked_at")
        return ()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description=_("吊销所选令牌"))
def revoke_api_tokens(modeladmin, request, queryset):
    count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    modeladmin.message_user(request, _("已吊销 %(count)d 个令牌。") % {"count": count}, messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("created_at", "revoked_at")
    search_fields = ("name", "prefix", "user__username", "user__full_name")
    list_select_related = ("user",)
    # key_hash is left out of the form entirely: not shown, not editable.
    fields = ("user", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    actions = [revoke_api_tokens]

    def has_add_permission(self, request):
        # Tokens are created by api_token_create, which shows the secret once; the admin cannot show it.
        return False

    def has_delete_permission(self, request, obj=None):
        return False
