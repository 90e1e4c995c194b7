from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "rathaus.core"
    label = "core"
    verbose_name = "Plattform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Durable events: every app's declarations first (events.py), then its consumers (consumers.py),
        # which refuse to register for an undeclared kind. By convention, like admin.py, so core imports
        # no app above it.
        autodiscover_modules("events")
        autodiscover_modules("consumers")
        from .tasks import deliver_event  # noqa: F401 - importing installs the Celery dispatcher of the events
