"""Authorization: Bearer <token> for dashboard clients. Sessions keep working for the web UI."""

from django.utils.functional import SimpleLazyObject

from .access import actor_for


class BearerTokenMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .services import api_token_authenticate

        header = request.META.get("HTTP_AUTHORIZATION", "")
        request.token_scopes = None
        if header.startswith("Bearer "):
            token = api_token_authenticate(raw=header[len("Bearer ") :].strip())
            if token is None:
                from django.contrib.auth.models import AnonymousUser

                request.user = AnonymousUser()
            else:
                request.user = token.user
                request.token_scopes = frozenset(token.scopes)
            # A bearer request carries no cookies' authority: CSRF does not apply to it.
            request._dont_enforce_csrf_checks = True
        request.actor = SimpleLazyObject(lambda: actor_for(request.user, token_scopes=request.token_scopes))
        return self.get_response(request)
