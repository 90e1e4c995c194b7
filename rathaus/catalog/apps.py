from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "rathaus.catalog"
    label = "catalog"
    verbose_name = "Leistungskatalog"

    def ready(self) -> None:
        from rathaus.identity import login_needs as identity_login_needs

        from . import login_needs

        # What a service needs from the citizen's account when a login starts on the way to its application.
        identity_login_needs.register(login_needs.needs_of)
