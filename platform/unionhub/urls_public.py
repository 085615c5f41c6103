"""URLs on the public host (federations, platform staff)."""

from django.contrib import admin
from django.urls import path

from .urls_common import common_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    *common_urlpatterns,
]
