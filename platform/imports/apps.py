from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("导入导出")

    def ready(self) -> None:
        # Importers register themselves on import (@importer); the GraphQL enum of kinds is built from them.
        from . import importers  # noqa: F401
