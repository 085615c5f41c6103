from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("会员管理")

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the 视为自动退会 proposal fan-out job)
