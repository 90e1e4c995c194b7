from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("suche/", views.search, name="search"),
    path("leistungen/<slug:slug>/", views.service_detail, name="service"),
    path("leistungen/<slug:slug>/beantragen/", views.apply, name="apply"),
    path("lebenslagen/<slug:slug>/", views.life_situation, name="life_situation"),
    path("impressum/", views.legal_page, {"page": "imprint"}, name="imprint"),
    path("datenschutz/", views.legal_page, {"page": "privacy"}, name="privacy"),
    path("barrierefreiheit/", views.legal_page, {"page": "accessibility"}, name="accessibility"),
    path("leichte-sprache/", views.easy_language, name="easy_language"),
    path("gebaerdensprache/", views.sign_language, name="sign_language"),
]
