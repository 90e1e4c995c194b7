"""URLs of the Demo-Servicekonto: the OpenID Connect endpoints under /o/ and a login page."""

from __future__ import annotations

from django.contrib.auth.views import LogoutView
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls

from . import views

# Only the endpoints a relying party needs: no application management, no dynamic registration.
oauth2_patterns = [
    *oauth2_urls.metadata_urlpatterns[:1],
    *[p for p in oauth2_urls.base_urlpatterns if p.name in {"authorize", "token", "revoke-token"}],
    *oauth2_urls.oidc_urlpatterns,
]

demo_patterns = [
    path("", views.index, name="index"),
    path("anmelden/", views.DemoLoginView.as_view(), name="login"),
    path("abmelden/", LogoutView.as_view(next_page="demo_idp:index"), name="logout"),
]

urlpatterns = [
    path("o/", include((oauth2_patterns, "oauth2_provider"))),
    path("", include((demo_patterns, "demo_idp"))),
]
