from django.apps import AppConfig


class FormEngineConfig(AppConfig):
    name = "rathaus.formengine"
    verbose_name = "Formulare"
