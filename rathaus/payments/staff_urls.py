from django.urls import path

from . import staff_views

app_name = "treasury"
urlpatterns = [
    path("", staff_views.reconciliation, name="reconciliation"),
    path("export.csv", staff_views.export_csv, name="export_csv"),
    path("<uuid:uuid>/", staff_views.detail, name="detail"),
    path("<uuid:uuid>/abfragen/", staff_views.refresh, name="refresh"),
    path("<uuid:uuid>/korrektur/", staff_views.correct, name="correct"),
]
