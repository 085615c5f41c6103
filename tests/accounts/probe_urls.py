"""URLs for tests (public and union hosts): the real common URLs plus a probe that reports who the middleware says is asking."""

from django.http import JsonResponse
from django.urls import path

from accounts.access import Perm
from accounts.middleware import accepts_bearer_token
from unionhub.urls_common import common_urlpatterns


def whoami(request):
    actor = request.actor
    tenant = request.tenant
    return JsonResponse(
        {
            "union": getattr(tenant, "slug", None),
            "union_manage": actor.can_on_union(Perm.UNION_MANAGE, tenant)
            if hasattr(tenant, "slug")
            else None,
            "user": actor.user.username if actor.is_authenticated else None,
            "session_user": request.session.get("_auth_user_id"),
            "can_view": actor.can_globally(Perm.NODE_VIEW),
            "can_manage": actor.can_globally(Perm.NODE_MANAGE),
        }
    )


urlpatterns = [path("probe/whoami/", accepts_bearer_token(whoami)), *common_urlpatterns]
