from django.urls import path

from . import retention_views as views

app_name = "retention"
urlpatterns = [
    path("", views.index, name="index"),
    path("auskunft/", views.access_export, name="access"),
    path("akten/", views.files, name="files"),
    path("akte/<uuid:file_uuid>/", views.file_detail, name="file"),
    path("<uuid:run_uuid>/", views.run_detail, name="run"),
    path("<uuid:run_uuid>/schritt/", views.run_action, name="action"),
    path("<uuid:run_uuid>/nachricht/<int:pk>/", views.exchange_download, name="exchange"),
]
