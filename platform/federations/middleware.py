"""Host-name routing: the public host serves federations, `<slug>.<base domain>` serves one union."""

import time
from threading import Lock

from django.conf import settings
from django.db import connection
from django.http import HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import set_urlconf

from .models import Domain, UnionStatus

_CACHE_SECONDS = 30
_host_cache: dict[str, tuple[float, object]] = {}
_host_cache_lock = Lock()


def forget_host(hostname: str | None = None) -> None:
    """Drop cached host lookups (all, or one host) after a domain or a union's status changes."""
    with _host_cache_lock:
        if hostname is None:
            _host_cache.clear()
        else:
            _host_cache.pop(hostname, None)


def union_for_host(hostname: str):
    """The active union serving this host name, or None. Cached briefly: every request does this lookup."""
    now = time.monotonic()
    cached = _host_cache.get(hostname)
    if cached and cached[0] > now:
        return cached[1]
    domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
    union = domain.tenant if domain and domain.tenant.status == UnionStatus.ACTIVE else None
    with _host_cache_lock:
        _host_cache[hostname] = (now + _CACHE_SECONDS, union)
    return union


def _not_found(request, hostname):
    body = render_to_string("unionhub/unknown_host.html", {"hostname": hostname}, request=request)
    return HttpResponseNotFound(body)


class UnionHostMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        hostname = request.get_host().split(":")[0].lower().rstrip(".")
        if hostname in settings.UNIONHUB_PUBLIC_HOSTS:
            request.tenant = connection.tenant  # the public FakeTenant
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        else:
            union = union_for_host(hostname)
            if union is None:
                return _not_found(request, hostname)
            request.tenant = union
            connection.set_tenant(union)
            request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        try:
            return self.get_response(request)
        finally:
            # Never let a pooled connection keep a union's search_path into the next request.
            connection.set_schema_to_public()


def is_public_request(request) -> bool:
    return (
        getattr(request, "tenant", None) is None or request.tenant.schema_name == settings.PUBLIC_SCHEMA_NAME
    )
