"""Account lifecycle pages under /konto/ (names in the ``identity`` namespace)."""

from django.urls import path

from . import account_views as views

urlpatterns = [
    path("passwort-vergessen/", views.password_reset_view, name="password_reset"),
    path("passwort-neu/<str:token>/", views.password_reset_confirm_view, name="password_reset_confirm"),
    path("passwort/", views.password_change_view, name="password_change"),
    path("e-mail/", views.email_change_view, name="email_change"),
    path("e-mail/bestaetigen/<str:token>/", views.email_change_confirm_view, name="email_change_confirm"),
    path("sitzungen/", views.sessions_view, name="sessions"),
    path("meine-daten/", views.data_view, name="account_data"),
    path("meine-daten/meine-daten.json", views.data_json_view, name="account_data_json"),
    path("meine-daten/meine-daten.pdf", views.data_pdf_view, name="account_data_pdf"),
    path("loeschen/", views.delete_view, name="delete_account"),
]
