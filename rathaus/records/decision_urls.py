from django.urls import path

from . import decision_views

app_name = "decisions"
urlpatterns = [
    path("", decision_views.index, name="index"),
    path("vorlagen/", decision_views.templates, name="templates"),
    path("vorgang/<uuid:case_uuid>/neu/", decision_views.new, name="new"),
    path("<uuid:decision_uuid>/", decision_views.detail, name="detail"),
]
