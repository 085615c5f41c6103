from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModelWorkerCareConfig(AppConfig):
    name = "modelworker_care"
    verbose_name = _("劳模延续管理与待遇")
