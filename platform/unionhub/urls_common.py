"""URLs served on both the public host and every union's host."""

from api.views import graphql_view
from django.contrib.auth import views as auth_views
from django.urls import path

common_urlpatterns = [
    path("graphql/", graphql_view, name="graphql"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
