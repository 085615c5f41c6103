"""URLs served on both the public host and every union's host."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.login import LoginView, PasswordChangeView
from accounts.middleware import accepts_bearer_token
from api.views import graphql_view
from drives.views import join_done, join_page
from files.views import file_download
from imports.views import import_error_file
from selfassessment.views import appraisal_done, appraisal_page

from .health import healthz

# Bearer tokens authenticate only the views wrapped in accepts_bearer_token (the API, the health check, file
# downloads handed out by the API); every other view answers a bearer request with 401 (accounts.middleware).
common_urlpatterns = [
    path("healthz", accepts_bearer_token(healthz), name="healthz"),
    path("graphql/", accepts_bearer_token(graphql_view, checks_scopes=True), name="graphql"),
    path("files/download/<str:token>/", accepts_bearer_token(file_download), name="file-download"),
    # An import's rejected rows, built per download for the user the link was issued to (imports.rejections).
    path(
        "imports/error-file/<str:token>/", accepts_bearer_token(import_error_file), name="import-error-file"
    ),
    # Public joining form of a drive (answers on union hosts only; the token names the union).
    path("join/<str:token>/", join_page, name="join"),
    path("join/<str:token>/done/", join_done, name="join-done"),
    # Public member-appraisal form (会员评家) of an assessment round, union hosts only.
    path("appraisal/<str:token>/", appraisal_page, name="appraisal"),
    path("appraisal/<str:token>/done/", appraisal_done, name="appraisal-done"),
    # Session login for the web UI (templates in platform/templates/registration/), rate-limited; logout is POST only.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Wrong old passwords are rate-limited (accounts.login).
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The web UI (dashboard, union pages, API tokens): platform/web.
    path("", include("web.urls")),
]
