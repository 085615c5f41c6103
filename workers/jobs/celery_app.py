"""The Celery app. tenant-schemas-celery carries the schema in each message, so a task sent inside a union
runs in that union's schema."""

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for _source_root in ("platform", "tenants", "graphql", "workers"):
    if str(_ROOT / _source_root) not in sys.path:
        sys.path.insert(0, str(_ROOT / _source_root))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp  # noqa: E402

app = TenantAwareCeleryApp("unionhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules, one per area (each helper/domain adds its module here).
app.conf.include = [
    "jobs.provisioning",
]
