"""Sign-in with rate limits (settings.UNIONHUB_LOGIN_RATE_LIMITS), for the web login and the Django admin; and
password change with a limit on wrong old passwords (settings.UNIONHUB_PASSWORD_CHANGE_RATE_LIMITS).

Failed attempts are counted per user name and client address, per user name from any address (guessing one
account from many addresses) and per client address (trying many accounts). Once a counter is full, every
attempt in that window is refused before the password is checked, so a correct guess cannot be confirmed either.
Successful sign-ins are not counted. User names are counted in the form authentication compares them in (NFKC,
case-folded), so full-width or other compatibility variants of one name share its counters.
A stolen session cannot guess the account's password through the password change form either: wrong old
passwords are counted per account. Counters: `unionhub.ratelimit` (Redis when UNIONHUB_CACHE_URL is set).
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from audit.middleware import client_ip
from unionhub.ratelimit import rate_exceeded, rate_hit

DEFAULTS = {"window_seconds": 300, "per_user_address": 5, "per_user": 20, "per_address": 50}
PREFIX = "login-rate"
RATE_LIMITED = "rate_limited"


def _counters(username: str, address: str | None) -> list[tuple[str, int]]:
    limits = {**DEFAULTS, **getattr(settings, "UNIONHUB_LOGIN_RATE_LIMITS", {})}
    # Authentication NFKC-normalises the name (UsernameField); count it the same way, or `ｓecprobe` (full-width)
    # would start fresh counters for the same account.
    user = unicodedata.normalize("NFKC", username).strip().casefold()
    address = address or "unknown"
    return [
        (f"user-address:{user}:{address}", int(limits["per_user_address"])),
        (f"user:{user}", int(limits["per_user"])),
        (f"address:{address}", int(limits["per_address"])),
    ]


def _window() -> int:
    return int({**DEFAULTS, **getattr(settings, "UNIONHUB_LOGIN_RATE_LIMITS", {})}["window_seconds"])


class RateLimitedLoginMixin:
    """For Django's authentication forms: refuse while a counter is full, count each failed attempt."""

    def clean(self):
        username = str(self.data.get("username") or "")
        counters = _counters(username, client_ip(self.request) if self.request is not None else None)
        window = _window()
        if any(rate_exceeded(PREFIX, name, limit, window) for name, limit in counters):
            raise ValidationError(_("登录失败次数过多，请稍后再试。"), code=RATE_LIMITED)
        try:
            return super().clean()
        except ValidationError:
            for name, limit in counters:
                rate_hit(PREFIX, name, limit, window)
            raise


class LoginForm(RateLimitedLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(RateLimitedLoginMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == RATE_LIMITED for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


PASSWORD_CHANGE_DEFAULTS = {"window_seconds": 900, "per_user": 5}
PASSWORD_CHANGE_PREFIX = "password-change-rate"


class RateLimitedPasswordChangeForm(PasswordChangeForm):
    """Wrong old passwords are counted per account; once the window's count is full, every attempt is refused
    before the old password is checked (a right guess cannot be confirmed either)."""

    def clean_old_password(self):
        limits = {**PASSWORD_CHANGE_DEFAULTS, **getattr(settings, "UNIONHUB_PASSWORD_CHANGE_RATE_LIMITS", {})}
        name, limit, window = f"user:{self.user.pk}", int(limits["per_user"]), int(limits["window_seconds"])
        if rate_exceeded(PASSWORD_CHANGE_PREFIX, name, limit, window):
            raise ValidationError(_("原密码错误次数过多，请稍后再试。"), code=RATE_LIMITED)
        try:
            return super().clean_old_password()
        except ValidationError:
            rate_hit(PASSWORD_CHANGE_PREFIX, name, limit, window)
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = RateLimitedPasswordChangeForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == RATE_LIMITED for error in form.errors.as_data().get("old_password", [])):
            response.status_code = 429
        return response
