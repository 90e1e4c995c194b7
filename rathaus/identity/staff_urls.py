from django.urls import path

from . import staff_views, webauthn

app_name = "staff"
urlpatterns = [
    path("anmelden/", staff_views.staff_login_view, name="login"),
    path("zweiter-faktor/", staff_views.staff_otp_view, name="otp"),
    path("abmelden/", staff_views.staff_logout_view, name="logout"),
    path("", staff_views.dashboard_view, name="dashboard"),
    path("sicherheitsschluessel/", staff_views.security_keys_view, name="security_keys"),
    path("sicherheitsschluessel/<int:pk>/entfernen/", staff_views.remove_security_key_view, name="remove_security_key"),
    # JSON endpoints of the WebAuthn ceremonies and the texts of their scripts (rathaus/identity/webauthn.py).
    path(
        "webauthn/registrierung/beginnen/", webauthn.BeginRegistrationView.as_view(), name="webauthn_registration_begin"
    ),
    path(
        "webauthn/registrierung/abschliessen/",
        webauthn.CompleteRegistrationView.as_view(),
        name="webauthn_registration_complete",
    ),
    path(
        "webauthn/anmeldung/beginnen/", webauthn.BeginAuthenticationView.as_view(), name="webauthn_authentication_begin"
    ),
    path(
        "webauthn/anmeldung/abschliessen/",
        webauthn.CompleteAuthenticationView.as_view(),
        name="webauthn_authentication_complete",
    ),
    path("webauthn/texte.js", webauthn.javascript_catalog, name="webauthn_texts"),
]
