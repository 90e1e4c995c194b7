from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "rathaus.records"
    label = "records"
    verbose_name = _("E-Akte")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rathaus.attachments import storage

        from . import sealing, search, selectors  # noqa: F401  (sealing: the plugin kind "sealing"; search: index sync)

        # Documents adopt the blobs of applications and messages by their hash: the blob garbage collector
        # must keep every blob a document version points to.
        storage.register_referrer("records", selectors.referenced_blob_keys)
