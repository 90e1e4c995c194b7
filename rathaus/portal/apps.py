from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "rathaus.portal"
    label = "portal"
    verbose_name = "Bürgerportal"

    def ready(self) -> None:
        from . import account_data

        account_data.register()
