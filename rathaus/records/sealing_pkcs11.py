"""Sealing plugin ``pkcs11``: the municipality's seal key in an HSM or on a smart card, used over PKCS#11.

The key never leaves the device: pyHanko's ``PKCS11Signer`` asks the token to sign the PDF's hash. The token holds
the seal key, its certificate and the certificate of the issuing CA (the trust anchor the verification page
checks against), each found by its label.

What the operator sets, not the municipality: ``RATHAUS_PKCS11_LIBRARY`` — the PKCS#11 module of the device
(e.g. ``/usr/lib/softhsm/libsofthsm2.so``, or the HSM vendor's library). A plugin option naming a library would
let a municipality's administrator make the server load any shared object; the option therefore does not exist.

What the municipality configures (Interner Bereich → Anbindungen → Siegel): the token's label, the labels of the
seal key/certificate and of the CA certificate, and the *name* of the environment variable holding the PIN
(``RATHAUS_SEAL_PIN_<KOMMUNE>``; the PIN itself never enters the database).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

from rathaus.core.plugins import EnvRef, PluginConfigurationError, PluginOptions, option, resolve_secret

from .sealing import SealingError, SealingPlugin, register, sign_pades

if TYPE_CHECKING:
    from rathaus.tenants.models import Municipality

log = logging.getLogger("rathaus.records")


class Pkcs11Options(PluginOptions):
    slot_label: str = option(
        label=gettext_lazy("Bezeichnung des Geräts (Token-Label)"),
        help=gettext_lazy("Wie das HSM oder die Karte den Speicherbereich mit dem Siegel nennt, z. B. »siegel-stadt«"),
        min_length=1,
        max_length=32,
    )
    seal_label: str = option(
        label=gettext_lazy("Bezeichnung des Siegelschlüssels und -zertifikats"),
        help=gettext_lazy("Label, unter dem Schlüssel und Zertifikat des Siegels auf dem Gerät liegen"),
        min_length=1,
        max_length=100,
    )
    ca_label: str = option(
        label=gettext_lazy("Bezeichnung des Zertifikats der ausstellenden Stelle"),
        help=gettext_lazy("Label des CA-Zertifikats auf dem Gerät; die Prüfseite vertraut Siegeln dieser Stelle"),
        min_length=1,
        max_length=100,
    )
    pin_env: EnvRef = option(
        label=gettext_lazy("Umgebungsvariable mit der PIN"),
        help=gettext_lazy(
            "Name der Umgebungsvariable auf dem Server, die die PIN des Geräts enthält (vom Betrieb gesetzt), "
            "z. B. RATHAUS_SEAL_PIN_MUSTERSTADT – nie die PIN selbst."
        ),
        max_length=100,
    )


def _library() -> str:
    library = str(getattr(settings, "RATHAUS_PKCS11_LIBRARY", "") or "")
    if not library:
        raise PluginConfigurationError(
            gettext("Auf dem Server ist kein PKCS#11-Modul eingerichtet (RATHAUS_PKCS11_LIBRARY).")
        )
    return library


@register
class Pkcs11Seal(SealingPlugin):
    """PAdES with a seal key on a PKCS#11 device (HSM, smart card; SoftHSM in the tests)."""

    identifier = "pkcs11"
    label = gettext_lazy("Siegel aus HSM oder Signaturkarte (PKCS#11)")
    options_model = Pkcs11Options
    options: Pkcs11Options

    def _session(self) -> Any:
        import pkcs11
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11 as sign_pkcs11

        library, pin = _library(), resolve_secret(self.options.pin_env)
        try:
            return sign_pkcs11.open_pkcs11_session(
                library, token_criteria=TokenCriteria(label=self.options.slot_label), user_pin=pin
            )
        except pkcs11.exceptions.PinIncorrect as exc:
            raise SealingError(gettext("Die PIN des Siegelgeräts wurde abgelehnt; es wurde nichts gesiegelt.")) from exc
        except (pkcs11.exceptions.PKCS11Error, OSError, RuntimeError) as exc:
            # NoSuchToken, a library that does not load, a device that does not answer
            log.warning("seal_pkcs11_session_failed", exc_info=True)
            raise SealingError(
                gettext("Das Siegelgerät ist nicht erreichbar oder nicht eingerichtet; es wurde nichts gesiegelt.")
            ) from exc

    def _certificate(self, label: str) -> asn1_x509.Certificate:
        import pkcs11
        from pkcs11 import Attribute, ObjectClass

        session = self._session()
        try:
            found = list(session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label}))
            if len(found) != 1:
                raise SealingError(
                    gettext("Auf dem Siegelgerät gibt es kein eindeutiges Zertifikat »%(label)s«.") % {"label": label}
                )
            return asn1_x509.Certificate.load(bytes(found[0][Attribute.VALUE]))
        except pkcs11.exceptions.PKCS11Error as exc:
            raise SealingError(gettext("Das Siegelgerät hat die Anfrage abgelehnt.")) from exc
        finally:
            session.close()

    def seal(self, *, tenant: Municipality, pdf: bytes, reason: str) -> bytes:
        import pkcs11
        from pyhanko.sign import pkcs11 as sign_pkcs11

        session = self._session()

        def signed(raw: bool) -> bytes:
            signer = sign_pkcs11.PKCS11Signer(
                session,
                cert_label=self.options.seal_label,
                key_label=self.options.seal_label,
                other_certs_to_pull=(self.options.ca_label,),
                use_raw_mechanism=raw,
            )
            return sign_pades(tenant=tenant, pdf=pdf, reason=reason, signer=signer)

        try:
            try:
                return signed(raw=False)
            except pkcs11.exceptions.MechanismInvalid:
                # Devices without hash-and-sign for EC keys (SoftHSM, many smart cards): Rathaus hashes, the
                # device signs the hash (CKM_ECDSA). pyHanko offers this for ECDSA keys only.
                return signed(raw=True)
        except pkcs11.exceptions.PKCS11Error as exc:  # no such key, key not allowed to sign, device error
            log.warning("seal_pkcs11_failed", exc_info=True)
            message = gettext("Das Siegelgerät hat das Siegeln abgelehnt; es wurde nichts gesiegelt.")
            raise SealingError(message) from exc
        finally:
            session.close()

    def seal_certificate(self, *, tenant: Municipality) -> asn1_x509.Certificate:
        return self._certificate(self.options.seal_label)

    def trust_roots(self, *, tenant: Municipality) -> list[asn1_x509.Certificate]:
        return [self._certificate(self.options.ca_label)]
