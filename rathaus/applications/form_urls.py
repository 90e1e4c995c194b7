from django.urls import path

from . import form_views

app_name = "forms_admin"
urlpatterns = [
    path("", form_views.forms_admin, name="list"),
    path("<slug:slug>.json", form_views.download, name="download"),
]
