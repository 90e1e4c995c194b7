from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo municipality Musterstadt: its data, ``rathaus loaddemo`` and ``rathaus demo_otp``. No models."""

    name = "rathaus.demo"
    label = "demo"
