from django.urls import include, path

from . import linking, oidc, saml, views

app_name = "identity"
urlpatterns = [
    path("anmelden/", views.login_view, name="login"),
    path("anmelden/<slug:provider>/", oidc.oidc_start, name="oidc_start"),
    path("oidc/callback/", oidc.oidc_callback, name="oidc_callback"),
    path("saml/<slug:provider>/anmelden/", saml.saml_start, name="saml_start"),
    path("saml/<slug:provider>/acs/", saml.saml_acs, name="saml_acs"),
    path("saml/<slug:provider>/weiter/", saml.saml_finish, name="saml_finish"),
    path("saml/<slug:provider>/metadata/", saml.saml_metadata, name="saml_metadata"),
    path("saml/<slug:provider>/slo/", saml.saml_slo, name="saml_slo"),
    path("verbinden/<slug:provider>/", linking.link_view, name="link"),
    path("abmelden/", views.logout_view, name="logout"),
    path("registrieren/", views.register_view, name="register"),
    path("bestaetigen/<str:token>/", views.verify_email_view, name="verify_email"),
    path("vertrauensniveau/", views.trust_level_view, name="trust_level"),
    path("", include("rathaus.identity.account_urls")),
    path("", views.account_view, name="account"),
]
