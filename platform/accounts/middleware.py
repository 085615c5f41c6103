"""Authorization: Bearer <token> for API clients. Sessions keep working for the web UI.

A bearer token authenticates only the views that declare they accept one (`accepts_bearer_token`, applied in the
URLconf: the GraphQL API, the health check and file downloads). Every other view (Django admin, sign-in, password
change, token management, every HTML form) answers a request that carries a bearer header with 401, before any
view code runs: those views keep session + CSRF, and a read token can never act as a session there.

A request that carries a bearer header is judged by the token alone: a bad, revoked or expired token makes it
anonymous even when a valid session cookie comes along. Otherwise a client with a stale token would silently act
with whatever browser session happened to be present.
"""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .access import actor_for
from .services import api_token_authenticate

BEARER = "bearer"
WRITE_SCOPE = "write"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Attribute set on a view function by accepts_bearer_token: None = refuses tokens.
_ATTRIBUTE = "unionhub_bearer_token"


def accepts_bearer_token(view, *, checks_scopes: bool = False):
    """Mark `view` as one that a bearer token may authenticate.

    Unsafe methods (POST, ...) then need a token with scope `write`, unless `checks_scopes` says the view decides
    per operation itself (GraphQL: queries travel by POST too; mutations need `write`, see api.core.view)."""
    setattr(view, _ATTRIBUTE, {"checks_scopes": checks_scopes})
    return view


def _bearer_secret(header: str) -> str | None:
    """The credentials of an `Authorization: Bearer ...` header (scheme is case-insensitive), else None."""
    scheme, _sep, credentials = header.strip().partition(" ")
    if scheme.lower() != BEARER:
        return None
    return credentials.strip()


def _token_policy(request) -> dict | None:
    """The view's bearer policy (see accepts_bearer_token); None when the path's view refuses tokens."""
    try:
        match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return getattr(match.func, _ATTRIBUTE, None)


def _refusal(status: int, message: str, error: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["WWW-Authenticate"] = f'Bearer error="{error}"'
    return response


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.token_scopes = None
        secret = _bearer_secret(request.META.get("HTTP_AUTHORIZATION", ""))
        if secret is not None:
            policy = _token_policy(request)
            if policy is None:
                return _refusal(401, _("此页面不接受API令牌，请在浏览器中登录后使用。"), "invalid_request")
            self._authenticate_bearer(request, secret)
            if (
                request.method not in SAFE_METHODS
                and not policy["checks_scopes"]
                and WRITE_SCOPE not in request.token_scopes
            ):
                return _refusal(403, _("该API令牌没有写入权限（write）。"), "insufficient_scope")
        request.actor = SimpleLazyObject(lambda: actor_for(request.user, token_scopes=request.token_scopes))
        return self.get_response(request)

    @staticmethod
    def _authenticate_bearer(request, secret: str) -> None:
        token = api_token_authenticate(raw=secret)
        if token is None:
            user = AnonymousUser()
            # An empty scope set: even if something later swapped in a user, it could do nothing.
            request.token_scopes = frozenset()
        else:
            user = token.user
            request.token_scopes = frozenset(token.scopes)
        request.user = user

        async def auser():
            return user

        # Replace the session-backed async accessor too, so async views cannot reach the session user.
        request.auser = auser
        # Browsers never add an Authorization header on their own, so a bearer request cannot be cross-site
        # forgery: CSRF does not apply to it (only views that accept tokens get here).
        request._dont_enforce_csrf_checks = True
