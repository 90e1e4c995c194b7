"""Accounts: citizens and businesses (with a trust level per login), staff with roles, operators."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned
from rathaus.tenants.models import Municipality, OrgUnit

from .trust import TrustLevel, rank


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        # Uniqueness is left to the database constraint (race-free); callers handle IntegrityError.
        user.full_clean(exclude=["password"], validate_unique=False, validate_constraints=False)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(kind=User.Kind.OPERATOR, is_superuser=True, tenant=None)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        # Natural key without a tenant: only platform operators (used by createsuperuser).
        return self.get(email__iexact=username, tenant__isnull=True)


class User(AbstractBaseUser, PermissionsMixin):
    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Bürgerin/Bürger")
        BUSINESS = "business", _("Unternehmen")
        STAFF = "staff", _("Beschäftigte/r der Verwaltung")
        OPERATOR = "operator", _("Betrieb (Plattform)")

    tenant = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, related_name="users", verbose_name=_("Kommune")
    )
    kind = models.CharField(_("Art"), max_length=20, choices=Kind, default=Kind.CITIZEN)
    email = models.EmailField(_("E-Mail-Adresse"))
    first_name = models.CharField(_("Vorname"), max_length=150, blank=True)
    last_name = models.CharField(_("Nachname"), max_length=150, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)  # type: ignore[assignment,misc]
    email_verified_at = models.DateTimeField(_("E-Mail bestätigt am"), null=True, blank=True)
    date_joined = models.DateTimeField(_("registriert am"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("Konto")
        verbose_name_plural = _("Konten")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="user_email_unique_per_tenant"),
            models.UniqueConstraint(fields=["email"], condition=Q(tenant__isnull=True), name="operator_email_unique"),
            models.CheckConstraint(
                condition=Q(kind="operator", tenant__isnull=True) | (~Q(kind="operator") & Q(tenant__isnull=False)),
                name="user_tenant_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_staff(self) -> bool:
        """Django admin access: platform operators only."""
        return self.kind == self.Kind.OPERATOR

    @property
    def is_citizen(self) -> bool:
        return self.kind in (self.Kind.CITIZEN, self.Kind.BUSINESS)

    @property
    def is_employee(self) -> bool:
        return self.kind == self.Kind.STAFF

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Profile(TenantOwned):
    """What a citizen or business told us, or what the identity provider confirmed."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-Mail")
        MAILBOX = "mailbox", _("nur Postfach im Portal")
        POST = "post", _("Brief")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    birth_date = models.DateField(_("Geburtsdatum"), null=True, blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postal_code = models.CharField(_("Postleitzahl"), max_length=10, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    country = models.CharField(_("Staat"), max_length=2, default="DE")
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    company_name = models.CharField(_("Unternehmen"), max_length=200, blank=True)
    preferred_channel = models.CharField(
        _("Benachrichtigung über"), max_length=20, choices=Channel, default=Channel.EMAIL
    )
    # Which fields an identity provider confirmed (e.g. from the eID), so forms can mark them read-only.
    verified_fields = models.JSONField(default=list, blank=True)
    highest_trust_level = models.CharField(max_length=20, choices=TrustLevel, default=TrustLevel.NONE)

    class Meta:
        verbose_name = _("Profil")
        verbose_name_plural = _("Profile")


class StaffRole(TenantOwned):
    """A staff member's role in one organisation unit."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", _("Sachbearbeitung")
        UNIT_LEAD = "unit_lead", _("Leitung")
        MAILROOM = "mailroom", _("Poststelle")
        CITIZENS_OFFICE = "citizens_office", _("Bürgerbüro")
        DIGITALISATION = "digitalisation", _("Digitalisierung")
        TENANT_ADMIN = "tenant_admin", _("Administration der Kommune")
        TREASURY = "treasury", _("Stadtkasse")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("Rolle"), max_length=30, choices=Role)

    class Meta:
        verbose_name = _("Rolle")
        verbose_name_plural = _("Rollen")
        constraints = [models.UniqueConstraint(fields=["user", "org_unit", "role"], name="staffrole_unique")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} – {self.org_unit}"


class IdentityProvider(TenantOwned):
    """An identity provider a municipality accepts: OpenID Connect (a Keycloak broker, …) or SAML 2.0 (BundID,
    Mein Unternehmenskonto).

    ``plugin`` names the identity plugin (``rathaus.identity.providers``) that speaks to it; ``options`` are that
    plugin's settings (SAML: entity id, metadata, attributes), checked by its schema. The OpenID Connect
    settings stay in their own columns. The client secret never lives in the database: ``client_secret_env``
    names the environment variable. ``acr_mapping`` maps the provider's ``acr`` values to trust levels; unknown
    values count as *low*.
    """

    slug = models.SlugField(_("Kurzname"), max_length=40)
    name = models.CharField(_("Name"), max_length=120)
    plugin = models.CharField(_("Anbindung"), max_length=40, default="oidc")
    options = models.JSONField(_("Einstellungen der Anbindung"), default=dict, blank=True)
    issuer = models.URLField(_("Aussteller (issuer)"), blank=True)
    # Left empty, the endpoints come from the issuer's discovery document (/.well-known/openid-configuration).
    authorization_endpoint = models.URLField(blank=True, help_text=_("leer: aus dem Discovery-Dokument"))
    token_endpoint = models.URLField(blank=True, help_text=_("leer: aus dem Discovery-Dokument"))
    userinfo_endpoint = models.URLField(blank=True, help_text=_("leer: aus dem Discovery-Dokument"))
    jwks_uri = models.URLField(blank=True, help_text=_("leer: aus dem Discovery-Dokument"))
    end_session_endpoint = models.URLField(blank=True)
    client_id = models.CharField(max_length=200, blank=True)
    client_secret_env = models.CharField(_("Umgebungsvariable mit dem Client-Secret"), max_length=100, blank=True)
    scopes = models.CharField(max_length=300, default="openid profile email address")
    sign_algo = models.CharField(max_length=10, default="RS256")
    acr_values = models.CharField(_("angeforderte acr-Werte"), max_length=300, blank=True)
    acr_mapping = models.JSONField(_("acr → Vertrauensniveau"), default=dict, blank=True)
    attribute_mapping = models.JSONField(_("Claim → Profilfeld"), default=dict, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Identitätsanbieter")
        verbose_name_plural = _("Identitätsanbieter")
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="idp_slug_unique_per_tenant")]

    def __str__(self) -> str:
        return self.name

    def max_trust_level(self) -> str:
        if self.plugin != "oidc":
            level = str(self.options.get("max_trust_level") or TrustLevel.HIGH)
            return level if level in TrustLevel.values else TrustLevel.LOW
        levels = [lvl for lvl in self.acr_mapping.values() if lvl in TrustLevel.values] or [TrustLevel.LOW]
        return max(levels, key=rank)

    @property
    def is_saml(self) -> bool:
        return self.plugin != "oidc"

    def login_path(self) -> str:
        """Where a login with this provider starts (the view of its protocol)."""
        from django.urls import reverse

        return reverse("identity:saml_start" if self.is_saml else "identity:oidc_start", args=[self.slug])


class ExternalIdentity(TenantOwned):
    """Links an account to a subject at an identity provider."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    last_trust_level = models.CharField(max_length=20, choices=TrustLevel, default=TrustLevel.LOW)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="external_identity_unique")]


class AccountSession(models.Model):
    """One logged-in session of an account, for "Aktive Sitzungen" and "überall abmelden".

    ``key`` is a random id kept in the session itself (not Django's session key, which changes on login and
    may not exist yet). Deleting the row ends the session: the session middleware logs it out on its next
    request (``account_sessions.SessionIndexMiddleware``). ``ip`` is shortened on purpose (last part dropped).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_sessions")
    key = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(_("Browser"), max_length=300, blank=True)
    ip = models.CharField(_("Netz (gekürzte IP-Adresse)"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("angemeldet am"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("zuletzt aktiv"), default=timezone.now)

    class Meta:
        verbose_name = _("Sitzung")
        verbose_name_plural = _("Sitzungen")
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="accountsession_user_seen")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key[:8]}…"


class Organisation(TenantOwned):
    """A business or other organisation confirmed by a business login (Mein Unternehmenskonto).

    ``identifier`` is the provider's stable id of the organisation; people who log in for it are recorded in
    :class:`OrganisationRepresentative`. The session names the organisation someone currently acts for
    (``selectors.acting_organisation``).
    """

    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="organisations")
    identifier = models.CharField(_("Kennung beim Anbieter"), max_length=255)
    name = models.CharField(_("Name"), max_length=300)
    legal_form = models.CharField(_("Rechtsform"), max_length=100, blank=True)
    register_number = models.CharField(_("Registernummer"), max_length=100, blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postal_code = models.CharField(_("Postleitzahl"), max_length=10, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("zuletzt bestätigt am"), auto_now=True)

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")
        constraints = [
            models.UniqueConstraint(fields=["provider", "identifier"], name="organisation_unique_per_provider")
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationRepresentative(TenantOwned):
    """A person (account) who logged in to act for an organisation, and when they last did."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="representatives")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="represented_organisations")
    last_acted_at = models.DateTimeField(_("zuletzt gehandelt am"), default=timezone.now)

    class Meta:
        verbose_name = _("Vertretung einer Organisation")
        verbose_name_plural = _("Vertretungen von Organisationen")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="organisation_representative_unique")
        ]
