from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("<uuid:uuid>/", views.pay, name="pay"),
    path("return/<uuid:uuid>/", views.browser_return, name="return"),
    path("demo/<uuid:uuid>/", views.demo, name="demo"),
    path("benachrichtigung/<uuid:uuid>/", views.notification, name="notification"),
]
