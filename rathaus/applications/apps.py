from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "rathaus.applications"
    verbose_name = "Anträge"

    def ready(self) -> None:
        from rathaus.payments.signals import payment_status_changed

        from .signals import on_payment_status_changed

        payment_status_changed.connect(on_payment_status_changed, dispatch_uid="applications.payment")
