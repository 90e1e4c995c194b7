"""One plugin registry for every adapter to the outside world (modelled on Open Forms' ``plugins/registry.py``).

A *kind* of plugin (``"payment"``, later ``"identity"``, ``"ocr"``, ``"classifier"``, ``"sealing"``,
``"archive"``, ``"notification"``) has one :class:`Registry`, created by the app that uses it::

    payment_providers: Registry[PaymentProvider] = Registry("payment", label=_("Zahlungsanbieter"),
                                                            base=PaymentProvider)

    @payment_providers.register
    class DemoProvider(PaymentProvider):
        identifier = "demo"
        label = _("Testzahlung – es fließt kein Geld")
        is_demo = True

Each plugin declares its options as a pydantic model (:class:`PluginOptions`). A municipality's options are
a database row (``tenants.PluginConfig``), validated by that model on every save and again on every use, so a
row edited past the service fails as a configuration error instead of half-working. Secrets are never
options: an option whose name says it holds one (``*secret*``, ``*password*``, ``*key*``, ``*token*``) must
be an :data:`EnvRef` — the *name* of an environment variable, resolved with :func:`resolve_secret` at use time.
Bound to a municipality, that name must end in the municipality's short name (``…_MUSTERSTADT``), so one
municipality's administrator can never point its plugin at another one's secret.

Core knows no app: the registries of the apps are found by kind (:func:`registry_for`, :func:`registries`).
Tests swap in an empty registry with :func:`fresh_registry`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, ClassVar, Generic, TypeVar, cast

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticUndefined

from .errors import ValidationFailed
from .validation import german_errors

StrOrPromise = str | Promise

PLUGIN_ID = re.compile(r"[a-z][a-z0-9_-]{0,39}")
ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
# Option names that say they hold a secret: such an option may only name an environment variable.
SECRET_NAME = re.compile(r"secret|passw|kennwort|key|token|credential", re.IGNORECASE)
# Text PostgreSQL cannot store (json/jsonb and text refuse NUL; UTF-8 has no lone surrogates).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class PluginError(Exception):
    """Base of the registry's errors."""


class UnknownPlugin(PluginError, LookupError):
    """No plugin (or no registry) with this identifier."""


class PluginConfigurationError(PluginError):
    """A plugin cannot run with what is configured (stored options no longer valid, secret missing).

    ``message`` is German and safe to show to staff; it never contains a secret.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidPluginOptions(ValidationFailed):
    """Options refused by the plugin's schema; ``errors`` is ``[{"field", "message"}]`` in German."""


# --- options -----------------------------------------------------------------------------------------------


class _EnvReference:
    """Marker in an option's metadata: the value names an environment variable that holds a secret."""


def _check_env_name(value: str, info: ValidationInfo) -> str:
    if not ENV_NAME.fullmatch(value):
        raise ValueError(
            _(
                "Bitte den Namen einer Umgebungsvariable angeben (Großbuchstaben, Ziffern und _, z. B. "
                "RATHAUS_EPAYBL_KEY_MUSTERSTADT), nicht das Geheimnis selbst."
            )
        )
    suffix = env_suffix((info.context or {}).get("tenant_slug", ""))
    if suffix and not value.endswith(suffix):
        raise ValueError(
            _("Der Name der Umgebungsvariable muss auf »%(suffix)s« enden (Kurzname Ihrer Kommune).")
            % {"suffix": suffix}
        )
    return value


EnvRef = Annotated[str, _EnvReference(), AfterValidator(_check_env_name)]
"""The name of an environment variable holding a secret (never the secret itself)."""


def env_suffix(tenant_slug: str) -> str:
    """``"_BAD_MUENSTEREIFEL"`` for ``"bad-muenstereifel"``; ``""`` without a municipality."""
    return "_" + re.sub(r"[^A-Z0-9]", "_", tenant_slug.upper()) if tenant_slug else ""


def _is_env_ref(metadata: list[Any]) -> bool:
    return any(isinstance(item, _EnvReference) for item in metadata)


def option(default: Any = PydanticUndefined, *, label: StrOrPromise, help: StrOrPromise = "", **kwargs: Any) -> Any:
    """``Field`` with a label and a hint for the configuration page (German, lazily translated).

    Without ``default`` the option is required. ``kwargs`` are pydantic's constraints (``max_length``, ``gt``, …).
    """
    return Field(default, title=cast(str, label), description=cast(str, help) or None, **kwargs)


class PluginOptions(BaseModel):
    """Base of every plugin's options schema. Unknown options are refused; the model is immutable.

    Declare each option with :func:`option` (label and hint on the configuration page). A subclass with a
    secret-looking option that is not an :data:`EnvRef` is refused when the class is defined, so a plugin
    cannot ask an administrator to type a password into the database.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        """Options are stored as JSON text: PostgreSQL refuses NUL characters and lone surrogates in it."""
        if isinstance(value, str) and UNSTORABLE.search(value):
            raise ValueError(_("Steuerzeichen wie NUL und ungültige Unicode-Zeichen sind nicht erlaubt."))
        return value

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for name, field in cls.model_fields.items():
            if SECRET_NAME.search(name) and not _is_env_ref(field.metadata):
                raise TypeError(
                    f"{cls.__qualname__}.{name} looks like a secret: declare it as EnvRef (the name of an "
                    "environment variable), never as the secret itself"
                )

    @classmethod
    def secret_fields(cls) -> list[str]:
        return [name for name, field in cls.model_fields.items() if _is_env_ref(field.metadata)]

    def missing_secrets(self) -> list[str]:
        """Names of the environment variables this configuration refers to that are not set (or empty)."""
        names = [getattr(self, name) for name in self.secret_fields()]
        return [name for name in names if name and not os.environ.get(name)]


class NoOptions(PluginOptions):
    """For plugins that need no configuration."""


def resolve_secret(env_name: str) -> str:
    """The secret held by the environment variable ``env_name``; :class:`PluginConfigurationError` if unset."""
    value = os.environ.get(env_name, "") if ENV_NAME.fullmatch(env_name or "") else ""
    if not value:
        raise PluginConfigurationError(
            _("Die Umgebungsvariable »%(name)s« mit dem Zugangsgeheimnis ist auf dem Server nicht gesetzt.")
            % {"name": env_name}
        )
    return value


# --- plugins and registries --------------------------------------------------------------------------------


class Plugin:
    """Base of every plugin. Subclasses set the class attributes and take their validated options."""

    identifier: ClassVar[str]
    label: ClassVar[StrOrPromise]
    # A test plugin (no money moves, nothing leaves the house): pages say so in large letters.
    is_demo: ClassVar[bool] = False
    options_model: ClassVar[type[PluginOptions]] = NoOptions
    # Templates show plugin classes (label, is_demo); they must not try to instantiate them.
    do_not_call_in_templates: ClassVar[bool] = True

    def __init__(self, options: PluginOptions | None = None) -> None:
        self.options = options if options is not None else self.options_model()


P = TypeVar("P", bound=Plugin)
C = TypeVar("C", bound=type[Plugin])

_KINDS: dict[str, Registry[Any]] = {}


class Registry(Generic[P]):
    """The plugins of one kind, by identifier. Creating one lists it under its kind (one registry per kind).

    ``exclusive``: a municipality uses at most one plugin of this kind at a time (payment: yes; notification
    channels, later: no). ``base``: every registered plugin must subclass it.
    """

    def __init__(self, kind: str, *, label: StrOrPromise, base: type[Plugin], exclusive: bool = True) -> None:
        if not PLUGIN_ID.fullmatch(kind):
            raise ValueError(f"plugin kind {kind!r} must match {PLUGIN_ID.pattern}")
        if kind in _KINDS:
            raise ValueError(f"a registry for plugin kind {kind!r} already exists")
        self.kind = kind
        self.label = label
        self.base = base
        self.exclusive = exclusive
        self._plugins: dict[str, type[P]] = {}
        _KINDS[kind] = self

    def register(self, plugin_cls: C) -> C:
        """Class decorator: make ``plugin_cls`` available under its ``identifier``. A taken identifier is refused."""
        cls: Any = plugin_cls
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            raise TypeError(f"{cls!r} is not a {self.base.__name__}")
        identifier = getattr(cls, "identifier", "")
        if not isinstance(identifier, str) or not PLUGIN_ID.fullmatch(identifier):
            raise ValueError(f"{cls.__name__}.identifier {identifier!r} must match {PLUGIN_ID.pattern}")
        if not getattr(cls, "label", ""):
            raise ValueError(f"{cls.__name__} needs a label")
        if not (isinstance(cls.options_model, type) and issubclass(cls.options_model, PluginOptions)):
            raise TypeError(f"{cls.__name__}.options_model must subclass PluginOptions")
        known = self._plugins.get(identifier)
        if known is not None:
            raise ValueError(
                f"{self.kind} plugin {identifier!r} is already registered ({known.__module__}.{known.__qualname__})"
            )
        self._plugins[identifier] = cast("type[P]", plugin_cls)  # a subclass of self.base, checked above
        return plugin_cls

    def get(self, identifier: str) -> type[P]:
        """The plugin class; :class:`UnknownPlugin` for an identifier nobody registered."""
        try:
            return self._plugins[identifier]
        except KeyError:
            raise UnknownPlugin(f"unknown {self.kind} plugin {identifier!r}") from None

    def validate_options(
        self, identifier: str, raw: Mapping[str, Any] | None, *, tenant_slug: str = ""
    ) -> PluginOptions:
        """``raw`` checked by the plugin's schema. With ``tenant_slug`` secret references must name that
        municipality's variables. Raises :class:`InvalidPluginOptions` with one German message per field."""
        model = self.get(identifier).options_model
        try:
            return model.model_validate(dict(raw or {}), context={"tenant_slug": tenant_slug})
        except ValidationError as exc:
            errors = german_errors(exc.errors())
            raise InvalidPluginOptions(
                _("Die Einstellungen für »%(label)s« sind nicht gültig.") % {"label": self.get(identifier).label},
                errors=errors,
            ) from None

    def create(self, identifier: str, options: Mapping[str, Any] | None = None, *, tenant_slug: str = "") -> P:
        """An instance of the plugin with validated ``options``.

        Meant for stored options: invalid ones raise :class:`PluginConfigurationError` (the row was valid when
        saved; the schema or the row changed since), so callers handle one error for "not usable as configured".
        """
        try:
            validated = self.validate_options(identifier, options, tenant_slug=tenant_slug)
        except InvalidPluginOptions as exc:
            fields = ", ".join(sorted({e["field"] or "–" for e in exc.errors}))
            raise PluginConfigurationError(
                _("Die Anbindung »%(label)s« ist nicht vollständig eingerichtet (Einstellungen: %(fields)s).")
                % {"label": self.get(identifier).label, "fields": fields}
            ) from None
        return self.get(identifier)(validated)

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._plugins

    def __iter__(self) -> Iterator[type[P]]:
        return iter(list(self._plugins.values()))

    def __len__(self) -> int:
        return len(self._plugins)

    def choices(self) -> list[tuple[str, str]]:
        return [(cls.identifier, str(cls.label)) for cls in self._plugins.values()]

    @contextmanager
    def fresh(self, *plugins: type[P]) -> Iterator[Registry[P]]:
        """Tests: inside the ``with`` block this registry holds only ``plugins`` (the same object, so every
        module that imported it sees the swap); the registered plugins come back afterwards."""
        saved = self._plugins
        self._plugins = {}
        try:
            for cls in plugins:
                self.register(cls)
            yield self
        finally:
            self._plugins = saved


def registry_for(kind: str) -> Registry[Any]:
    """The registry of ``kind``; :class:`UnknownPlugin` when no app created one."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownPlugin(f"unknown plugin kind {kind!r}") from None


def registries() -> list[Registry[Any]]:
    """Every registry, in the order the apps created them."""
    return list(_KINDS.values())


@contextmanager
def fresh_registry(registry: Registry[P] | str, *plugins: type[P]) -> Iterator[Registry[P]]:
    """Tests: ``with fresh_registry(payment_providers, FakeProvider): …`` (or the kind, ``"payment"``)."""
    target: Registry[Any] = registry_for(registry) if isinstance(registry, str) else registry
    with target.fresh(*plugins) as fresh:
        yield fresh
