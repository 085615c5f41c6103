"""URLs served on both the public host and every union's host."""

from django.contrib.auth import views as auth_views
from django.urls import path

from api.views import graphql_view
from drives.views import join_done, join_page
from files.views import file_download

from .health import healthz

common_urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("graphql/", graphql_view, name="graphql"),
    path("files/download/<str:token>/", file_download, name="file-download"),
    # Public joining form of a drive (answers on union hosts only; the token names the union).
    path("join/<str:token>/", join_page, name="join"),
    path("join/<str:token>/done/", join_done, name="join-done"),
    # Session login for the web UI (templates in platform/templates/registration/); logout is POST only.
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
