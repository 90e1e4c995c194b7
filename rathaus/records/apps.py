from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "rathaus.records"
    label = "records"
    verbose_name = _("E-Akte")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rathaus.attachments import storage

        # sealing: the plugin kind "sealing"; search: index sync; checks: records.E001 (no test seal in production)
        from . import checks, sealing, sealing_pkcs11, search, selectors  # noqa: F401

        # Documents adopt the blobs of applications and messages by their hash: the blob garbage collector
        # must keep every blob a document version points to.
        storage.register_referrer("records", selectors.referenced_blob_keys)
