"""Web UI pages; the same paths on every host (each view answers for the host's scope)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="web-home"),
    path("members/", views.members, name="web-members"),
    path("imports/", views.imports, name="web-imports"),
    path("applications/", views.applications, name="web-applications"),
    path("drives/", views.drives, name="web-drives"),
    path("drives/<int:drive_id>/", views.drive_detail, name="web-drive"),
    path("tokens/", views.tokens, name="web-tokens"),
    path("modelworkers/", views.modelworkers, name="web-modelworkers"),
    path("nominations/", views.nominations, name="web-nominations"),
    path("reports/", views.reports, name="web-reports"),
    path("selfassessment/", views.selfassessment, name="web-selfassessment"),
]
