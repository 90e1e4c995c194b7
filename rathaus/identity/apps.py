from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "rathaus.identity"
    label = "identity"
    verbose_name = "Identität"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import account_sessions, checks  # noqa: F401  (checks: identity.E001, demo providers in production)
        from .providers import oidc, saml  # noqa: F401  (register the built-in identity plugins)

        user_logged_in.connect(account_sessions.on_user_logged_in, dispatch_uid="rathaus.account_sessions.in")
        user_logged_out.connect(account_sessions.on_user_logged_out, dispatch_uid="rathaus.account_sessions.out")
