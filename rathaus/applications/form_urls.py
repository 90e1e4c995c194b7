from django.urls import path

from . import form_views

app_name = "forms_admin"
urlpatterns = [
    path("", form_views.forms_admin, name="list"),
    path("pruefung/<uuid:import_uuid>/", form_views.review, name="review"),
    path("pruefung/<uuid:import_uuid>/veroeffentlichen/", form_views.publish, name="publish"),
    path("pruefung/<uuid:import_uuid>/verwerfen/", form_views.discard, name="discard"),
    path("codelisten/", form_views.codelist_list, name="codelists"),
    path("codelisten/<uuid:codelist_uuid>/", form_views.codelist_detail, name="codelist"),
    path("<slug:slug>.json", form_views.download, name="download"),
]
