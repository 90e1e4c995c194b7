from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "rathaus.payments"
    verbose_name = "Zahlungen"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The built-in providers register themselves on import.
        from . import checks  # registers the production checks
        from .providers import demo, epaybl, xbezahldienste  # noqa: F401

        checks.refuse_demo_default()
