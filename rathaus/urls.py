from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from rathaus.api import api
from rathaus.core.views import healthz

# The platform admin is for operators; like every staff login it needs the second factor (TOTP).
admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Rathaus – Plattformbetrieb"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("konto/", include("rathaus.identity.urls")),
    path("intern/", include("rathaus.identity.staff_urls")),
    path("intern/leistungen/", include("rathaus.catalog.urls")),
    path("intern/kasse/", include("rathaus.payments.staff_urls")),
    path("intern/anbindungen/", include("rathaus.identity.integration_urls")),
    path("intern/antraege/", include("rathaus.applications.office_urls")),
    path("intern/formulare/", include("rathaus.applications.form_urls")),
    path("intern/akten/", include("rathaus.records.urls")),
    path("intern/bescheide/", include("rathaus.records.decision_urls")),
    path("intern/aussonderung/", include("rathaus.records.retention_urls")),
    path("intern/steuerung/", include("rathaus.steering.urls")),
    path("bescheid-pruefen/", include("rathaus.records.verify_urls")),
    path("offene-daten/", include("rathaus.steering.opendata_urls")),
    path("zahlung/", include("rathaus.payments.urls")),
    path("antraege/", include("rathaus.applications.urls")),
    path("", include("rathaus.portal.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
