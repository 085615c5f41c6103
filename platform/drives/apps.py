from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrivesConfig(AppConfig):
    name = "drives"
    verbose_name = _("会员发展行动")

    def ready(self):
        # Imported here, not at module top: models are not loaded when the AppConfig module is imported.
        # Membership sits in a lower tier and cannot call drives; it signals joins and drives counts them.
        from membership.signals import members_joined

        from .services import drive_progress_new_members_received

        members_joined.connect(drive_progress_new_members_received, dispatch_uid="drives.count_new_members")
