from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RollupConfig(AppConfig):
    name = "rollup"
    verbose_name = _("统计汇总")

    def ready(self) -> None:
        from . import jobs  # noqa: F401  (registers the period-close fan-out job)
