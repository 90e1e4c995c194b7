from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SteeringConfig(AppConfig):
    name = "rathaus.steering"
    label = "steering"
    verbose_name = _("Steuerung")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rathaus.attachments import storage

        from . import reports

        # The PDFs of issued reports stay until records has filed them (and records then refers to them too).
        storage.register_referrer("steering", reports.referenced_blob_keys)
