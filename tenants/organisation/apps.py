from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "organisation"
    verbose_name = _("工会内部组织")

    def ready(self) -> None:
        # Registers the fan-out jobs; here, since models cannot be imported before the app registry is ready.
        from . import jobs  # noqa: F401
