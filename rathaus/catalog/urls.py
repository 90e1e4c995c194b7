from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.catalog_admin, name="admin"),
    path("export.json", views.export_json, name="export_json"),
    path("export.csv", views.export_csv, name="export_csv"),
]
