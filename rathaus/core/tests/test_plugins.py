"""The plugin registry: registering, refusing, finding, swapping in tests, and checking options and secrets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import pytest
from django.utils.translation import override

from rathaus.core import plugins
from rathaus.core.plugin_forms import PluginOptionsForm
from rathaus.core.plugins import (
    EnvRef,
    InvalidPluginOptions,
    Plugin,
    PluginConfigurationError,
    PluginOptions,
    Registry,
    UnknownPlugin,
    fresh_registry,
    option,
    resolve_secret,
)


class Scanner(Plugin):
    """The base class of an example kind ("ocr")."""


class ScannerOptions(PluginOptions):
    endpoint: str = option(label="Adresse", min_length=1, max_length=50)
    api_key_env: EnvRef = option(label="Umgebungsvariable mit dem Schlüssel")
    pages: int = option(10, label="Seiten", ge=1, le=100)
    mode: Literal["schnell", "genau"] = option("genau", label="Modus")


class Tesseract(Scanner):
    identifier = "tesseract"
    label = "Tesseract"
    options_model = ScannerOptions


class Demo(Scanner):
    identifier = "demo"
    label = "Test-Texterkennung"
    is_demo = True


@pytest.fixture
def ocr(monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry[Scanner]]:
    """A registry of its own kind; the list of kinds is put back after the test."""
    monkeypatch.setattr(plugins, "_KINDS", dict(plugins._KINDS))
    registry: Registry[Scanner] = Registry("ocr-beispiel", label="Texterkennung", base=Scanner)
    registry.register(Tesseract)
    registry.register(Demo)
    yield registry


GOOD = {"endpoint": "https://ocr.example", "api_key_env": "RATHAUS_OCR_KEY_ALPHA"}


def test_registered_plugins_are_found_by_identifier_and_kind(ocr: Registry[Scanner]) -> None:
    assert ocr.get("tesseract") is Tesseract
    assert "demo" in ocr and "abbyy" not in ocr
    assert [cls.identifier for cls in ocr] == ["tesseract", "demo"]
    assert ocr.choices() == [("tesseract", "Tesseract"), ("demo", "Test-Texterkennung")]
    assert plugins.registry_for("ocr-beispiel") is ocr
    assert ocr in plugins.registries()
    assert ocr.get("demo").is_demo and not ocr.get("tesseract").is_demo


def test_register_is_a_class_decorator_that_returns_the_class(ocr: Registry[Scanner]) -> None:
    @ocr.register
    class Abbyy(Scanner):
        identifier = "abbyy"
        label = "ABBYY"

    assert ocr.get("abbyy") is Abbyy


def test_a_taken_identifier_is_refused_and_the_first_plugin_stays(ocr: Registry[Scanner]) -> None:
    class Impostor(Scanner):
        identifier = "tesseract"
        label = "Falsch"

    with pytest.raises(ValueError, match="already registered"):
        ocr.register(Impostor)
    with pytest.raises(ValueError, match="already registered"):
        ocr.register(Tesseract)  # the same class twice is a mistake too (a module imported twice)
    assert ocr.get("tesseract") is Tesseract


@pytest.mark.parametrize("identifier", ["", "Tesseract", "mit leerzeichen", "1abc", "x" * 41])
def test_malformed_identifiers_are_refused(ocr: Registry[Scanner], identifier: str) -> None:
    odd = type("Odd", (Scanner,), {"identifier": identifier, "label": "Odd"})
    with pytest.raises(ValueError, match="identifier"):
        ocr.register(odd)


def test_only_subclasses_of_the_kind_s_base_are_accepted(ocr: Registry[Scanner]) -> None:
    class Other(Plugin):
        identifier = "other"
        label = "Andere"

    with pytest.raises(TypeError):
        ocr.register(Other)  # type: ignore[arg-type]


def test_unknown_identifier_and_unknown_kind_raise_lookup_errors(ocr: Registry[Scanner]) -> None:
    with pytest.raises(UnknownPlugin):
        ocr.get("abbyy")
    with pytest.raises(LookupError):
        ocr.create("abbyy")
    with pytest.raises(UnknownPlugin):
        plugins.registry_for("teleportation")


def test_a_second_registry_for_a_kind_is_refused(ocr: Registry[Scanner]) -> None:
    with pytest.raises(ValueError, match="already exists"):
        Registry("ocr-beispiel", label="Noch eine", base=Scanner)


def test_fresh_registry_holds_only_the_given_plugins_and_restores_the_old_ones(ocr: Registry[Scanner]) -> None:
    class Fake(Scanner):
        identifier = "fake"
        label = "Fake"

    with fresh_registry("ocr-beispiel", Fake) as fresh:
        assert fresh is ocr  # the same object: modules that imported it see the swap
        assert [cls.identifier for cls in ocr] == ["fake"]
        with pytest.raises(UnknownPlugin):
            ocr.get("tesseract")
    assert [cls.identifier for cls in ocr] == ["tesseract", "demo"]

    with pytest.raises(RuntimeError), ocr.fresh():
        ocr.register(Fake)
        raise RuntimeError("test failed half-way")
    assert "fake" not in ocr and "tesseract" in ocr  # restored after an exception too


def test_valid_options_are_checked_and_typed(ocr: Registry[Scanner]) -> None:
    options = ocr.validate_options("tesseract", {**GOOD, "pages": "12", "endpoint": "  https://ocr.example "})
    assert isinstance(options, ScannerOptions)
    assert options.pages == 12 and options.mode == "genau" and options.endpoint == "https://ocr.example"
    scanner = ocr.create("tesseract", GOOD)
    assert isinstance(scanner, Tesseract) and scanner.options == ScannerOptions(**GOOD)
    assert isinstance(ocr.create("demo").options, plugins.NoOptions)


def test_invalid_options_are_refused_with_one_german_message_per_field(ocr: Registry[Scanner]) -> None:
    with override("de"), pytest.raises(InvalidPluginOptions) as caught:
        ocr.validate_options(
            "tesseract", {"api_key_env": "RATHAUS_OCR_KEY", "pages": "0", "mode": "langsam", "farbe": "rot"}
        )
    errors = {e["field"]: e["message"] for e in caught.value.errors}
    assert errors == {
        "endpoint": "Pflichtangabe fehlt.",
        "pages": "Muss mindestens 1 sein.",
        "mode": "Ungültiger Wert; erlaubt: 'schnell' or 'genau'.",
        "farbe": "Unbekanntes Feld.",
    }
    assert caught.value.status == 422
    assert "Tesseract" in str(caught.value.detail)


@pytest.mark.parametrize(
    "value", ["geheim123", "s3cr3t!", "Bearer abc.def", "rathaus_ocr_key_alpha", "RATHAUS OCR", "", "1RATHAUS"]
)
def test_a_secret_option_refuses_anything_but_the_name_of_an_environment_variable(
    ocr: Registry[Scanner], value: str
) -> None:
    with override("de"), pytest.raises(InvalidPluginOptions) as caught:
        ocr.validate_options("tesseract", {**GOOD, "api_key_env": value})
    [error] = caught.value.errors
    assert error["field"] == "api_key_env"
    assert "Umgebungsvariable" in error["message"] and "nicht das Geheimnis selbst" in error["message"]


def test_bound_to_a_municipality_a_secret_must_be_that_municipality_s_variable(ocr: Registry[Scanner]) -> None:
    ok = ocr.validate_options("tesseract", GOOD, tenant_slug="alpha")
    assert ok.api_key_env == "RATHAUS_OCR_KEY_ALPHA"  # type: ignore[attr-defined]
    with override("de"), pytest.raises(InvalidPluginOptions) as caught:
        ocr.validate_options("tesseract", {**GOOD, "api_key_env": "RATHAUS_OCR_KEY_BETA"}, tenant_slug="alpha")
    assert caught.value.errors[0]["field"] == "api_key_env"
    assert "»_ALPHA«" in caught.value.errors[0]["message"]
    assert plugins.env_suffix("bad-muenstereifel") == "_BAD_MUENSTEREIFEL"
    ocr.validate_options(
        "tesseract", {**GOOD, "api_key_env": "RATHAUS_OCR_KEY_BAD_MUENSTEREIFEL"}, tenant_slug="bad-muenstereifel"
    )


@pytest.mark.parametrize("name", ["api_key", "client_secret", "password", "zugangs_passwort", "access_token"])
def test_an_options_schema_with_a_clear_secret_field_cannot_be_defined(name: str) -> None:
    with pytest.raises(TypeError, match="EnvRef"):
        type("Leaky", (PluginOptions,), {"__annotations__": {name: "str"}, name: option(label="x")})


def test_secret_is_read_from_the_environment_at_use_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATHAUS_OCR_KEY_ALPHA", "erster-wert")
    assert resolve_secret("RATHAUS_OCR_KEY_ALPHA") == "erster-wert"
    monkeypatch.setenv("RATHAUS_OCR_KEY_ALPHA", "neuer-wert")
    assert resolve_secret("RATHAUS_OCR_KEY_ALPHA") == "neuer-wert"


@pytest.mark.parametrize("value", [None, ""])
def test_a_missing_secret_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("RATHAUS_OCR_KEY_ALPHA", raising=False)
    else:
        monkeypatch.setenv("RATHAUS_OCR_KEY_ALPHA", value)
    with override("de"), pytest.raises(PluginConfigurationError) as caught:
        resolve_secret("RATHAUS_OCR_KEY_ALPHA")
    assert "»RATHAUS_OCR_KEY_ALPHA«" in caught.value.message and "nicht gesetzt" in caught.value.message


def test_missing_secrets_lists_the_unset_variables(ocr: Registry[Scanner], monkeypatch: pytest.MonkeyPatch) -> None:
    options = ocr.validate_options("tesseract", GOOD)
    monkeypatch.delenv("RATHAUS_OCR_KEY_ALPHA", raising=False)
    assert options.missing_secrets() == ["RATHAUS_OCR_KEY_ALPHA"]
    monkeypatch.setenv("RATHAUS_OCR_KEY_ALPHA", "x")
    assert options.missing_secrets() == []


def test_stored_options_that_no_longer_pass_are_a_configuration_error_on_use(ocr: Registry[Scanner]) -> None:
    with override("de"), pytest.raises(PluginConfigurationError) as caught:
        ocr.create("tesseract", {"endpoint": "https://ocr.example"}, tenant_slug="alpha")
    assert "api_key_env" in caught.value.message and "Tesseract" in caught.value.message


def test_options_form_checks_the_schema_and_puts_each_error_at_its_field() -> None:
    data = {"endpoint": "https://ocr.example", "api_key_env": "RATHAUS_OCR_KEY_ALPHA", "pages": "", "mode": "genau"}
    form = PluginOptionsForm(ScannerOptions, data, tenant_slug="alpha")
    assert form.is_valid(), form.errors
    assert form.options() == {
        "endpoint": "https://ocr.example",
        "api_key_env": "RATHAUS_OCR_KEY_ALPHA",
        "mode": "genau",
    }
    assert form.fields["api_key_env"].help_text.endswith("»_ALPHA«.")
    form.add_field_errors([{"field": "api_key_env", "message": "kein Name"}, {"field": "", "message": "allgemein"}])
    assert form.errors == {"api_key_env": ["kein Name"], "__all__": ["allgemein"]}

    with override("de"):
        bad = PluginOptionsForm(ScannerOptions, {**data, "endpoint": "", "api_key_env": "geheim", "pages": "0"})
        assert not bad.is_valid()
    assert set(bad.errors) == {"endpoint", "api_key_env", "pages"}  # all at once: the form's and the schema's
    assert bad.errors["endpoint"] == ["Dieses Feld ist zwingend erforderlich."]  # once, not twice
    assert bad.errors["pages"] == ["Muss mindestens 1 sein."]


def test_kinds_are_listed_once_per_app(ocr: Registry[Scanner]) -> None:
    kinds = [r.kind for r in plugins.registries()]
    assert len(kinds) == len(set(kinds))
    assert "payment" in kinds  # created by rathaus.payments, found without core importing it


def _core_imports() -> set[str]:
    import ast
    from pathlib import Path

    found: set[str] = set()
    for name in ("plugins.py", "plugin_forms.py"):
        tree = ast.parse((Path(plugins.__file__).parent / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(("." * node.level) + node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_core_plugin_modules_import_no_higher_app() -> None:
    imports: Any = _core_imports()
    assert not [m for m in imports if m.startswith("rathaus.") and not m.startswith("rathaus.core")]
