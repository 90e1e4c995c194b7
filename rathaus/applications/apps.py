from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "rathaus.applications"
    verbose_name = "Anträge"
    # Reactions to payments arrive as durable events: see consumers.py (registered by rathaus.core).

    def ready(self) -> None:
        from rathaus.attachments import storage

        from . import services

        storage.register_referrer("applications", services.referenced_blob_keys)
