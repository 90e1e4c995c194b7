from django.urls import path

from . import office_views

app_name = "office"
urlpatterns = [
    path("", office_views.inbox, name="inbox"),
    path("<str:number>/", office_views.detail, name="detail"),
    path("<str:number>/eingangsbestaetigung.pdf", office_views.receipt, name="receipt"),
    path("<str:number>/dateien/<str:sha256>/", office_views.attachment, name="attachment"),
]
