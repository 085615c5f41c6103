"""Request ids: every request gets one (the proxy's X-Request-ID if well-formed), returned in the response header
and bound in a contextvar for log lines and audit rows."""

from __future__ import annotations

import ipaddress

from django.conf import settings

from .context import request_context

REQUEST_ID_HEADER = "X-Request-ID"


def client_ip(request) -> str | None:
    """The client address. Behind N trusted proxies (UNIONHUB_TRUSTED_PROXY_COUNT, default 0) the N-th address
    from the right of X-Forwarded-For; addresses further left are client-supplied and could be forged."""
    value = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "UNIONHUB_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            value = hops[-proxies]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(
            request_id=request.META.get("HTTP_X_REQUEST_ID"), ip=client_ip(request), request=request
        ) as ctx:
            request.request_id = ctx.request_id
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = ctx.request_id
            return response
