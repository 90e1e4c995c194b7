"""Public open data of the live figures (/offene-daten/): no login, one municipality per host."""

from django.urls import path

from . import opendata_views

app_name = "opendata"
urlpatterns = [
    path("", opendata_views.page, name="page"),
    path("kennzahlen-<int:year>.csv", opendata_views.download, {"fmt": "csv"}, name="csv"),
    path("kennzahlen-<int:year>.json", opendata_views.download, {"fmt": "json"}, name="json"),
]
