from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationsConfig(AppConfig):
    name = "federations"
    verbose_name = _("工会组织")

    def ready(self):
        from django_tenants.signals import schema_migrated

        from .schema_template import on_schema_migrated

        # Every schema django-tenants migrates records its tenant-migration fingerprint (see migrate command).
        schema_migrated.connect(on_schema_migrated, dispatch_uid="federations.record_schema_fingerprint")
