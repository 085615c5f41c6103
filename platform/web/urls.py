"""Web UI pages; the same paths on every host (each view answers for the host's scope)."""

from django.urls import path

from .views import (
    applications,
    dashboard,
    drives,
    imports,
    members,
    modelworkers,
    reports,
    selfassessment,
    tokens,
)

urlpatterns = [
    path("", dashboard.home, name="web-home"),
    path("members/", members.members, name="web-members"),
    path("imports/", imports.imports, name="web-imports"),
    path("applications/", applications.applications, name="web-applications"),
    path("drives/", drives.drives, name="web-drives"),
    path("drives/<int:drive_id>/", drives.drive_detail, name="web-drive"),
    path("tokens/", tokens.tokens, name="web-tokens"),
    path("modelworkers/", modelworkers.modelworkers, name="web-modelworkers"),
    path("nominations/", modelworkers.nominations, name="web-nominations"),
    path("reports/", reports.reports, name="web-reports"),
    path("selfassessment/", selfassessment.selfassessment, name="web-selfassessment"),
]
