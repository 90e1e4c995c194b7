from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "rathaus.applications"
    verbose_name = "Anträge"
    # Reactions to payments arrive as durable events: see consumers.py (registered by rathaus.core).
