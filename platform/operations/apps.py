from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("后台作业")

    def ready(self) -> None:
        # Creating the Celery app here makes it the current app in every Django process (web, shell, worker)
        # and says once at startup whether background work runs eagerly.
        from jobs.celery_app import log_execution_mode

        log_execution_mode(quiet=True)
