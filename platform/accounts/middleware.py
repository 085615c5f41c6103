"""Authorization: Bearer <token> for dashboard clients. Sessions keep working for the web UI.

A request that carries a bearer header is judged by the token alone: a bad, revoked or expired token makes it
anonymous even when a valid session cookie comes along. Otherwise a client with a stale token would silently act
with whatever browser session happened to be present.
"""

from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from .access import actor_for
from .services import api_token_authenticate

BEARER = "bearer"


def _bearer_secret(header: str) -> str | None:
    """The credentials of an `Authorization: Bearer ...` header (scheme is case-insensitive), else None."""
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != BEARER:
        return None
    return credentials.strip()


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.token_scopes = None
        secret = _bearer_secret(request.META.get("HTTP_AUTHORIZATION", ""))
        if secret is not None:
            self._authenticate_bearer(request, secret)
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
        # forgery: CSRF does not apply to it.
        request._dont_enforce_csrf_checks = True
