from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "rathaus.tenants"
    label = "tenants"
    verbose_name = "Kommunen"
