from django.urls import path

from . import decision_views

app_name = "decision_check"
urlpatterns = [path("", decision_views.verify, name="verify")]
