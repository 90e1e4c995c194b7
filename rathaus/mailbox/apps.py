from django.apps import AppConfig


class MailboxConfig(AppConfig):
    name = "rathaus.mailbox"
    verbose_name = "Postfach"
    default_auto_field = "django.db.models.BigAutoField"
