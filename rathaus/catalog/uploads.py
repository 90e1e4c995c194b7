"""Decoding an uploaded catalog file (JSON, CSV or XZuFi XML) into the exchange format."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from rathaus.core import jsonload
from rathaus.core.errors import ImportRejected
from rathaus.tenants.models import Municipality

from . import services, xzufi

MAX_IMPORT_BYTES = 20 * 1024 * 1024


def read_upload(tenant: Municipality, content: bytes, *, org_unit: str = "") -> tuple[dict[str, Any], list[str] | None]:
    """The document and its row labels, recognised by content: JSON object, XZuFi XML or CSV."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportRejected(_("Die Datei ist größer als 20 MB."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(_("Die Datei ist nicht in UTF-8 kodiert.")) from None
    start = text.lstrip()
    if start.startswith("{"):
        try:
            return jsonload.loads(text), None
        except jsonload.JsonTooDeep:
            raise ImportRejected(
                _("Die JSON-Datei ist zu tief verschachtelt (mehr als %(n)d Ebenen).") % {"n": jsonload.MAX_DEPTH}
            ) from None
        except json.JSONDecodeError as exc:
            raise ImportRejected(
                _("Kein gültiges JSON (Zeile %(line)s): %(msg)s") % {"line": exc.lineno, "msg": exc.msg}
            ) from None
    if start.startswith("<"):
        document, labels = xzufi.to_document(tenant, text.encode("utf-8"), org_unit=org_unit)
        return document, labels
    return services.parse_csv(text)
