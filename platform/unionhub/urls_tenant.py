"""URLs on a union's host (<slug>.<base domain>)."""

from .urls_common import common_urlpatterns

urlpatterns = [*common_urlpatterns]
