from django.urls import path

from . import draft_views, views

app_name = "applications"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("neu/<slug:slug>/", views.start, name="start"),
    path("entwurf/<uuid:draft_uuid>/schritt/<slug:step_id>/", draft_views.step, name="step"),
    path("entwurf/<uuid:draft_uuid>/zusammenfassung/", draft_views.summary, name="summary"),
    path("entwurf/<uuid:draft_uuid>/verwerfen/", draft_views.discard, name="discard"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/eingereicht/", draft_views.submitted, name="submitted"),
    path("<str:number>/eingangsbestaetigung.pdf", views.receipt, name="receipt"),
    path("<str:number>/dateien/<str:sha256>/", views.attachment, name="attachment"),
    path("<str:number>/bezahlen/", views.pay, name="pay"),
]
