"""The public joining page (/join/<token>/ on a union's host): a mobile form, no login, CSRF on.

It calls the same service as the GraphQL `joinByLink` mutation (recruitment.services.application_submit), so both
apply the same checks, errors and rate limits.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from audit.middleware import client_ip
from federations.models import Union
from recruitment.services import application_submit, join_branches, join_employment_types
from unionhub.errors import DomainValidationError

from .links import invalid_link, link_resolve

TOKEN_ERROR_STATUS = {"invalid_token": 404, "expired_token": 410, "not_started": 403}
FORM_FIELDS = ("name", "id_number", "phone", "employment_type", "branch", "consent")


class JoinForm(forms.Form):
    """Collects the input as text; every rule lives in the service, whose field errors are shown on these fields
    (so the page and `joinByLink` give the same messages)."""

    name = forms.CharField(label=_("姓名"), required=False)
    id_number = forms.CharField(label=_("身份证号码"), required=False)
    phone = forms.CharField(label=_("手机号码"), required=False)
    employment_type = forms.CharField(label=_("用工类型"), required=False, widget=forms.Select)
    branch = forms.CharField(label=_("所在分会/小组"), required=False, widget=forms.Select)
    consent = forms.BooleanField(label=_("同意个人信息处理规则"), required=False)

    def __init__(self, *args, employment_types, branches, fixed_branch: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employment_type"].widget.choices = [("", _("请选择")), *employment_types]
        branch_choices = [(str(b.pk), b.name) for b in branches]
        self.fields["branch"].widget.choices = (
            branch_choices if fixed_branch else [("", _("不选择")), *branch_choices]
        )
        # Mobile keyboards: digits for the phone, plain text (X allowed) for the identity number.
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "maxlength": "24"})
        self.fields["phone"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel", "maxlength": "20"}
        )
        self.fields["name"].widget.attrs.update({"autocomplete": "name", "maxlength": "50"})


def _int_or_invalid(value) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # reported by the service as an unknown branch


def _host_union(request):
    tenant = getattr(request, "tenant", None)
    return tenant if isinstance(tenant, Union) else None


def _token_error_page(request, exc: DomainValidationError):
    error = exc.errors[0]
    status = TOKEN_ERROR_STATUS.get(error.code, 400)
    return render(request, "join/invalid.html", {"message": error.message}, status=status)


def _resolve(request, token):
    union = _host_union(request)
    if union is None:  # the public host serves no joining form
        raise invalid_link()
    return union, link_resolve(token, union=union)


@never_cache
@require_http_methods(["GET", "POST"])
def join_page(request, token: str):
    try:
        union, link = _resolve(request, token)
    except DomainValidationError as exc:
        return _token_error_page(request, exc)
    branches = join_branches(link=link)
    form_kwargs = {
        "employment_types": join_employment_types(link=link),
        "branches": branches,
        "fixed_branch": bool(link.branch_id),
    }
    if request.method == "GET":
        initial = {"branch": str(link.branch_id)} if link.branch_id else {}
        form = JoinForm(initial=initial, **form_kwargs)
    else:
        form = JoinForm(request.POST, **form_kwargs)
        form.is_valid()  # fills cleaned_data; the rules are the service's
        data = form.cleaned_data
        try:
            application_submit(
                token=token,
                union=union,
                name=data.get("name", ""),
                id_number=data.get("id_number", ""),
                phone=data.get("phone", ""),
                employment_type=data.get("employment_type", ""),
                branch_id=_int_or_invalid(data.get("branch")),
                consent=bool(data.get("consent")),
                client_address=client_ip(request),
            )
        except DomainValidationError as exc:
            token_errors = [e for e in exc.errors if e.field == "token"]
            if token_errors:
                return _token_error_page(request, exc)
            for error in exc.errors:
                field = error.field if error.field in FORM_FIELDS else None
                form.add_error(field, error.message)
            status = 429 if any(e.code == "rate_limited" for e in exc.errors) else 400
            return render(request, "join/form.html", _context(union, link, form, branches), status=status)
        return redirect("join-done", token=token)
    return render(request, "join/form.html", _context(union, link, form, branches))


def _context(union, link, form, branches) -> dict:
    fixed = next((b for b in branches if b.pk == link.branch_id), None) if link.branch_id else None
    return {
        "union": union,
        "drive": link.drive,
        "form": form,
        "fixed_branch": fixed,
        "has_branches": bool(branches),
    }


@never_cache
@require_http_methods(["GET"])
def join_done(request, token: str):
    try:
        union, link = _resolve(request, token)
    except DomainValidationError as exc:
        return _token_error_page(request, exc)
    return render(request, "join/done.html", {"union": union, "drive": link.drive})
