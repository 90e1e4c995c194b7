from django.urls import path

from . import template_views, views

app_name = "records"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("fristen/", views.due, name="due"),
    path("vorlagen/", template_views.template_list, name="templates"),
    path("vorlagen/<int:template_id>/", template_views.template_edit, name="template"),
    path("vorgang/<uuid:case_uuid>/", views.case_detail, name="case"),
    path(
        "vorgang/<uuid:case_uuid>/dokument/<uuid:document_uuid>/<int:version>/",
        views.document_version,
        name="document",
    ),
]
