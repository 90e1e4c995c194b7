from django.urls import path

from . import staff_views

app_name = "staff"
urlpatterns = [
    path("anmelden/", staff_views.staff_login_view, name="login"),
    path("zweiter-faktor/", staff_views.staff_otp_view, name="otp"),
    path("abmelden/", staff_views.staff_logout_view, name="logout"),
    path("", staff_views.dashboard_view, name="dashboard"),
]
