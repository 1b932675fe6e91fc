"""Routes of the login and company API, and the browsable API's login pages."""

from django.contrib.auth.views import LogoutView as SessionLogoutView
from django.urls import path

from . import apis

urlpatterns = [
    path("login/", apis.LoginView.as_view(), name="api-login"),
    path("token/refresh/", apis.RefreshView.as_view(), name="api-token-refresh"),
    path("logout/", apis.LogoutView.as_view(), name="api-logout"),
    path("create-company/", apis.CreateCompanyView.as_view(), name="api-create-company"),
]

# Included under /api-auth/ with the `rest_framework` namespace the browsable API links to.
browsable_api_auth_urlpatterns = [
    path("login/", apis.BrowsableApiLoginView.as_view(), name="login"),
    path("logout/", SessionLogoutView.as_view(next_page="/api-auth/login/"), name="logout"),
]
