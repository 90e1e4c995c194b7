"""The sealing plugin ``pkcs11`` against a real PKCS#11 token (SoftHSM 2, Debian package ``softhsm2``).

The seal key is imported into the token once per test process; the plugin then seals through the token (the key
is never read by Rathaus), the verification page trusts the CA certificate found on the token, and every way the
device can refuse ends in a German message, never in a half-sealed decision.
"""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader

from rathaus.core.plugins import InvalidPluginOptions, PluginConfigurationError
from rathaus.records import sealing
from rathaus.records.sealing_pkcs11 import Pkcs11Seal
from rathaus.tenants.services import save_plugin_config
from rathaus.tenants.tests.factories import MunicipalityFactory
from rathaus.tenants.tests.world import pdf_with

LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN, PIN, SO_PIN = "rathaus-test", "4711", "12345678"


@pytest.fixture(scope="session")
def token(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A SoftHSM token holding a seal key, its certificate and the CA certificate (labels ``siegel``, ``ca``).

    SoftHSM reads its configuration when the library is first loaded in a process, so the token lives for the
    whole test process."""
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.x509 import decode_x509_certificate

    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    util = ["softhsm2-util"]
    subprocess.run([*util, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN],
                   check=True, capture_output=True)  # fmt: skip
    material = base / "material"
    sealing._generate(material, "Siegelstadt")
    subprocess.run([*util, "--import", str(material / "seal-key.pem"), "--token", TOKEN, "--label", "siegel",
                    "--id", "01", "--pin", PIN], check=True, capture_output=True)  # fmt: skip
    certificates = {}
    with pkcs11.lib(LIBRARY).get_token(token_label=TOKEN).open(user_pin=PIN, rw=True) as session:
        for label, name, ident in (("siegel", "seal.pem", b"\x01"), ("ca", "ca.pem", b"\x02")):
            certificate = x509.load_pem_x509_certificate((material / name).read_bytes())
            der = certificate.public_bytes(serialization.Encoding.DER)
            attributes = decode_x509_certificate(der)
            attributes.update({Attribute.LABEL: label, Attribute.ID: ident, Attribute.TOKEN: True})
            session.create_object(attributes)
            certificates[label] = der
    return certificates


@pytest.fixture
def town(db: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, token: dict[str, Any]) -> Any:
    tenant = MunicipalityFactory(slug="siegelstadt", name="Siegelstadt")
    settings.RATHAUS_PKCS11_LIBRARY = LIBRARY
    monkeypatch.setenv("RATHAUS_SEAL_PIN_SIEGELSTADT", PIN)
    save_plugin_config(tenant=tenant, kind="sealing", plugin_id="pkcs11", options=OPTIONS, enabled=True, actor=None)
    return tenant


OPTIONS = {"slot_label": TOKEN, "seal_label": "siegel", "ca_label": "ca", "pin_env": "RATHAUS_SEAL_PIN_SIEGELSTADT"}


def test_a_seal_made_on_the_token_verifies_against_the_tokens_ca(town: Any, token: dict[str, Any]) -> None:
    plugin = sealing.plugin_for(town)
    assert isinstance(plugin, Pkcs11Seal)
    sealed = plugin.seal(tenant=town, pdf=pdf_with("Bescheid über die Hundesteuer"), reason="Bescheid")
    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[-1]
    assert signature.signer_cert.dump() == token["siegel"]  # signed by the token's key, its certificate embedded
    verdict = sealing.verify(tenant=town, pdf=sealed)
    assert (verdict.valid, verdict.reason) == (True, "valid")
    assert plugin.trust_roots(tenant=town)[0].dump() == token["ca"]
    changed = sealed.replace(b"Hundesteuer", b"Hundesteuee")
    assert sealing.verify(tenant=town, pdf=changed).valid is False


def test_a_test_seal_of_this_server_is_not_trusted_when_the_municipality_seals_with_its_hsm(
    town: Any, settings: Any, tmp_path: Path
) -> None:
    settings.RATHAUS_SEAL_DIR = str(tmp_path / "seals")
    local = sealing.sealing_plugins.create("local", None, tenant_slug=town.slug)
    forged = local.seal(tenant=town, pdf=pdf_with("Bescheid"), reason="Bescheid")
    assert sealing.verify(tenant=town, pdf=forged).reason == "foreign_seal"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pin": "0000"}, "PIN des Siegelgeräts wurde abgelehnt"),
        ({"slot_label": "kein-solches-geraet"}, "nicht erreichbar oder nicht eingerichtet"),
        ({"seal_label": "kein-schluessel"}, "abgelehnt"),
        ({"library": "/nonexistent/libpkcs11.so"}, "nicht erreichbar oder nicht eingerichtet"),
    ],
)
def test_every_refusal_of_the_device_is_a_german_message_and_nothing_is_sealed(
    town: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, change: dict[str, str], message: str
) -> None:
    options = {**OPTIONS, **{k: v for k, v in change.items() if k in OPTIONS}}
    if "pin" in change:
        monkeypatch.setenv("RATHAUS_SEAL_PIN_SIEGELSTADT", change["pin"])
    if "library" in change:
        settings.RATHAUS_PKCS11_LIBRARY = change["library"]
    plugin = sealing.sealing_plugins.create("pkcs11", options, tenant_slug=town.slug)
    with pytest.raises(sealing.SealingError, match=message):
        plugin.seal(tenant=town, pdf=pdf_with("Bescheid"), reason="Bescheid")


def test_without_a_library_or_pin_the_plugin_says_what_is_missing(
    town: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = sealing.plugin_for(town)
    settings.RATHAUS_PKCS11_LIBRARY = ""
    with pytest.raises(PluginConfigurationError, match="RATHAUS_PKCS11_LIBRARY"):
        plugin.seal(tenant=town, pdf=pdf_with("Bescheid"), reason="Bescheid")
    settings.RATHAUS_PKCS11_LIBRARY = LIBRARY
    monkeypatch.delenv("RATHAUS_SEAL_PIN_SIEGELSTADT")
    with pytest.raises(PluginConfigurationError, match="RATHAUS_SEAL_PIN_SIEGELSTADT"):
        plugin.seal(tenant=town, pdf=pdf_with("Bescheid"), reason="Bescheid")


@pytest.mark.parametrize(
    "options",
    [
        {**OPTIONS, "library": "/tmp/evil.so"},  # a municipality never names a library for the server to load
        {**OPTIONS, "pin_env": "4711"},  # the PIN itself instead of a variable's name
        {**OPTIONS, "pin_env": "RATHAUS_SEAL_PIN_ANDERSTADT"},  # another municipality's secret
        {**OPTIONS, "slot_label": ""},
        {**OPTIONS, "seal_label": "x\x00"},
    ],
)
def test_options_a_municipality_may_not_set(town: Any, options: dict[str, str]) -> None:
    with pytest.raises(InvalidPluginOptions):
        save_plugin_config(tenant=town, kind="sealing", plugin_id="pkcs11", options=options, enabled=True, actor=None)
