from django.urls import path

from . import integration_views

app_name = "integrations"
urlpatterns = [
    path("", integration_views.overview, name="overview"),
    path("bearbeiten/", integration_views.edit, name="edit"),
]
