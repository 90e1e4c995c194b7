from django.urls import path

from . import channel_views, figure_views, project_views, report_views, views

app_name = "steering"
urlpatterns = [
    path("", views.process_list, name="processes"),
    path("prozesse/neu/", views.process_new, name="process_new"),
    path("prozesse/<uuid:process_uuid>/", views.process_detail, name="process"),
    path("prozesse/<uuid:process_uuid>/bearbeiten/", views.process_edit, name="process_edit"),
    path("import/", views.import_view, name="import"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("priorisierung/", views.priorities, name="priorities"),
    path("priorisierung/gewichte/", views.save_weights, name="save_weights"),
    path("priorisierung/beschluss/", views.record_decision, name="record_decision"),
    path("beschluesse/<uuid:resolution_uuid>/", views.decision_detail, name="decision"),
    path("projekte/", project_views.project_list, name="projects"),
    path("projekte/<uuid:project_uuid>/", project_views.project_detail, name="project"),
    path("handlungsfelder/", project_views.action_fields, name="action_fields"),
    path("beteiligung/<uuid:project_uuid>/", project_views.participation, name="participation"),
    path("reifegrad/", project_views.maturity_list, name="maturity"),
    path("reifegrad/<slug:slug>/", project_views.maturity_service, name="maturity_service"),
    path("kanaele/", channel_views.channel_list, name="channels"),
    path("kanaele/import/", channel_views.channel_import, name="channels_import"),
    path("kanaele/vorlage.csv", channel_views.channel_template, name="channels_template"),
    path("kennzahlen/", figure_views.dashboard, name="figures"),
    path("kennzahlen/export.csv", figure_views.export, {"fmt": "csv"}, name="figures_csv"),
    path("kennzahlen/export.json", figure_views.export, {"fmt": "json"}, name="figures_json"),
    path("berichte/", report_views.report_list, name="reports"),
    path("berichte/neu/", report_views.report_new, name="report_new"),
    path("berichte/<uuid:report_uuid>/", report_views.report_preview, name="report"),
    path("berichte/<uuid:report_uuid>/bearbeiten/", report_views.report_edit, name="report_edit"),
    path("berichte/<uuid:report_uuid>/abschnitte/<slug:key>/", report_views.section_save, name="report_section"),
    path("berichte/<uuid:report_uuid>/herausgeben/", report_views.report_issue, name="report_issue"),
    path("berichte/<uuid:report_uuid>/bericht.pdf", report_views.report_pdf, name="report_pdf"),
]
