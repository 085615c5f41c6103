"""A user's own API tokens (both hosts)."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import viewer_api_tokens
from api.core import ids

from ..gql import run_mutation
from .common import _union_page, host_union

# --- API tokens (both hosts; a user's own) ------------------------------------------------------------------------

TOKEN_CREATE = """
mutation($name: String!, $scopes: [TokenScope!]!, $expiresAt: DateTime) {
  apiTokenCreate(name: $name, scopes: $scopes, expiresAt: $expiresAt) {
    errors { field code message }
    secret
    token { name prefix }
  }
}
"""
TOKEN_REVOKE = """
mutation($id: ID!) { apiTokenRevoke(id: $id) { errors { field code message } } }
"""


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    union = host_union(request)
    if union is not None:
        _union_page(request)
    created = None
    errors: list[dict] = []
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            global_id = ids.to_global_id(ids.API_TOKEN, request.POST.get("token", ""))
            result = run_mutation(request, TOKEN_REVOKE, {"id": global_id}, field_name="apiTokenRevoke")
            if result.ok:
                return redirect(reverse("web-tokens") + "?revoked=1")
            errors = result.errors
        else:
            created, errors = _token_create(request)
    context = {
        "nav": "tokens",
        "union": union,
        "tokens": list(viewer_api_tokens(request.actor)[:100]),
        "created": created,
        "errors": errors,
        "revoked": request.GET.get("revoked") == "1",
        "now": timezone.now(),
    }
    return render(request, "web/tokens.html", context, status=400 if errors else 200)


def _token_create(request) -> tuple[dict | None, list[dict]]:
    """Create a token from the form; the secret is shown once on the page that answers this POST."""
    scopes = [s.upper() for s in request.POST.getlist("scopes") if s in ("read", "write")]
    raw_expiry = request.POST.get("expires_on", "").strip()
    expires_at = None
    if raw_expiry:
        try:
            expires = parse_date(raw_expiry) if len(raw_expiry) == 10 else None
        except ValueError:  # well-formed but no such day, e.g. 2026-02-30
            expires = None
        if expires is None:
            return None, [{"field": "expiresAt", "message": _("有效期格式应为 年-月-日，例如 2026-12-31。")}]
        # Valid through the whole chosen day (local time).
        end_of_day = datetime.combine(expires, time.max)
        expires_at = timezone.make_aware(end_of_day).isoformat()
    result = run_mutation(
        request,
        TOKEN_CREATE,
        {"name": request.POST.get("name", ""), "scopes": scopes, "expiresAt": expires_at},
        field_name="apiTokenCreate",
    )
    return (result.payload, []) if result.ok else (None, result.errors)
