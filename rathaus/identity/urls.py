from django.urls import include, path

from . import oidc, views

app_name = "identity"
urlpatterns = [
    path("anmelden/", views.login_view, name="login"),
    path("anmelden/<slug:provider>/", oidc.oidc_start, name="oidc_start"),
    path("oidc/callback/", oidc.oidc_callback, name="oidc_callback"),
    path("abmelden/", views.logout_view, name="logout"),
    path("registrieren/", views.register_view, name="register"),
    path("bestaetigen/<str:token>/", views.verify_email_view, name="verify_email"),
    path("vertrauensniveau/", views.trust_level_view, name="trust_level"),
    path("", include("rathaus.identity.account_urls")),
    path("", views.account_view, name="account"),
]
