"""The receipt PDF is tagged (PDF/UA-minded) and archivable (PDF/A-3a), in the citizen's language.

veraPDF is not available offline, so the suite checks the structure itself with pypdf: the catalog marks the
document as tagged, has a structure tree with headings and tables, the document language, the title shown
instead of the file name, the PDF/A and PDF/UA identification in the XMP metadata, an output intent, and every
font embedded.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from rathaus.applications.models import Application
from rathaus.applications.receipt import receipt_html, receipt_language

from .test_citizen_journey import _fill, _start

pytestmark = pytest.mark.usefixtures("fake_scanner")


def _submitted(client: Client) -> Application:
    draft = _start(client)
    _fill(client, draft)
    client.post(f"/antraege/entwurf/{draft}/zusammenfassung/")
    return Application.objects.unscoped().get()


def _receipt(client: Client, application: Application) -> PdfReader:
    response = client.get(f"/antraege/{application.number}/eingangsbestaetigung.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def _structure_types(node: Any, found: set[str], depth: int = 0) -> set[str]:
    node = node.get_object() if hasattr(node, "get_object") else node
    if depth > 60:
        return found
    if isinstance(node, DictionaryObject):
        if "/S" in node:
            found.add(str(node["/S"]))
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, list) else [kids]:
                _structure_types(kid, found, depth + 1)
    elif isinstance(node, list):
        for kid in node:
            _structure_types(kid, found, depth + 1)
    return found


def _fonts_embedded(reader: PdfReader) -> bool:
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for d in descendants:
                descriptor = d["/FontDescriptor"].get_object()
                if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    return False
    return True


def test_receipt_is_tagged_with_headings_and_tables(mia: Client, hund_form: Any) -> None:
    reader = _receipt(mia, _submitted(mia))
    root = reader.trailer["/Root"]
    assert str(root["/MarkInfo"]["/Marked"]).lower() == "true"
    types = _structure_types(root["/StructTreeRoot"], set())
    assert {"/H1", "/H2", "/Table", "/TR", "/TH", "/TD", "/P"} <= types, types
    assert str(root["/Lang"]) == "de"
    assert str(root["/ViewerPreferences"]["/DisplayDocTitle"]).lower() == "true"
    assert reader.metadata is not None and reader.metadata.title and "Eingangsbest" in reader.metadata.title


def test_receipt_declares_pdf_a_3a_and_pdf_ua_1_with_embedded_fonts(mia: Client, hund_form: Any) -> None:
    reader = _receipt(mia, _submitted(mia))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part[=>"]+3', xmp) and re.search(r'pdfaid:conformance[=>"]+A', xmp), xmp[:800]
    assert re.search(r'pdfuaid:part[=>"]+1', xmp), xmp[:800]
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert _fonts_embedded(reader)


def test_receipt_speaks_the_citizens_language_and_marks_german_answers(mia: Client, hund_form: Any) -> None:
    application = _submitted(mia)
    mia.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    reader = _receipt(mia, application)
    root = reader.trailer["/Root"]
    assert str(root["/Lang"]) == "en"
    text = " ".join(page.extract_text() for page in reader.pages)
    assert application.number in text and "Bello" in text  # the answers, as typed


def test_receipt_html_marks_the_german_form_texts_on_an_english_receipt(mia: Client, hund_form: Any) -> None:
    application = _submitted(mia)
    english = receipt_html(application, "en")
    assert '<html lang="en">' in english
    table = english[english.index('<h2 lang="de">') :]
    assert '<table lang="de">' in table and "Bello" in table
    german = receipt_html(application, "de")
    assert '<html lang="de">' in german and '<table lang="de">' not in german


def test_unknown_language_gives_a_german_receipt() -> None:
    assert receipt_language("fr") == "de" and receipt_language("en-gb") == "en" and receipt_language("de") == "de"
