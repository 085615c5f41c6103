"""The navigation of the web UI: which links the signed-in user gets on this host."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.access import Perm
from federations.models import Union


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    tenant = getattr(request, "tenant", None)
    union = tenant if isinstance(tenant, Union) else None
    actor = getattr(request, "actor", None)
    items = []
    if union is None:
        items.append(("home", _("工作台"), reverse("web-home")))
        items.append(("drives", _("会员发展行动"), reverse("web-drives")))
        items.append(("modelworkers", _("劳模管理"), reverse("web-modelworkers")))
        items.append(("nominations", _("劳模推荐"), reverse("web-nominations")))
        items.append(("reports", _("统计报表"), reverse("web-reports")))
    elif actor is not None and actor.can_on_union(Perm.UNION_VIEW, union):
        items.append(("home", _("工会概览"), reverse("web-home")))
        if actor.can_on_union(Perm.MEMBER_VIEW, union):
            items.append(("members", _("会员名册"), reverse("web-members")))
        if actor.can_on_union(Perm.MEMBER_MANAGE, union):
            items.append(("applications", _("入会审批"), reverse("web-applications")))
        if actor.can_on_union(Perm.UNION_MANAGE, union):
            items.append(("imports", _("批量导入"), reverse("web-imports")))
        items.append(("drives", _("会员发展行动"), reverse("web-drives")))
        if actor.can_on_union(Perm.UNION_VIEW, union) and actor.branch_scope(Perm.UNION_VIEW, union) is None:
            items.append(("selfassessment", _("职工之家自评"), reverse("web-selfassessment")))
        items.append(("modelworkers", _("本会劳模"), reverse("web-modelworkers")))
        items.append(("nominations", _("劳模推荐"), reverse("web-nominations")))
    items.append(("tokens", _("API令牌"), reverse("web-tokens")))
    return {
        "web_nav": items,
        "web_union": union,
        "web_admin": union is None and user.is_staff,
    }
