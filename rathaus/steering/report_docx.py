"""The half-yearly report as a Word document (DOCX) for the council information system.

Made from the very HTML the PDF is made from (``reports.render_html``: the frozen figures, the commentary, the
same wording), walked element by element into python-docx: headings stay headings (the navigation pane and
the council system's outline use them), paragraphs and lists stay text, tables stay tables with their header
row marked as such. A chart becomes its summary sentence; its figures are in the table beside it (Word does not
take SVG). A draft says so at the top, as in the PDF.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import html as lxml_html

from . import reports
from .models_reports import Report

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3}
SKIPPED = {"style", "script", "svg", "head", "title", "meta"}
_SPACE = re.compile(r"\s+")


def render_docx(report: Report) -> bytes:
    """The report as DOCX (an issued report with its issue date and issuer, a draft marked as draft)."""
    page = reports.render_html(report)  # an issued report's date and issuer come with it
    document = Document()
    properties = document.core_properties
    properties.title = report.title
    properties.author = report.tenant.name
    properties.language = "de-DE"
    properties.subject = "Halbjahresbericht zur Digitalisierung"
    _language(document, "de-DE")
    body = lxml_html.document_fromstring(page).find("body")
    if body is not None:
        _blocks(document, body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _language(document: Any, tag: str) -> None:
    """Proofing language of the default style (screen readers and spell checking)."""
    rpr = document.styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), tag)
    rpr.append(lang)


def _text(value: str | None) -> str:
    return _SPACE.sub(" ", value or "")


def _blocks(document: Any, element: Any) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        classes = set((child.get("class") or "").split())
        if tag in SKIPPED or not tag:
            continue
        if tag in HEADINGS:
            document.add_heading(_text(child.text_content()).strip(), HEADINGS[tag])
        elif tag == "p":
            paragraph = document.add_paragraph()
            _runs(paragraph, child)
            if "draft" in classes:
                for run in paragraph.runs:
                    run.bold = True
                    run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in child.iterfind("li"):
                _runs(document.add_paragraph(style=style), item)
        elif tag == "table":
            _table(document, child)
        elif tag == "figure":
            caption = child.find(".//figcaption")
            if caption is not None:
                paragraph = document.add_paragraph(style="Caption")
                _runs(paragraph, caption)
        else:  # section, div, blockquote …: their content
            _blocks(document, child)


def _runs(paragraph: Paragraph, element: Any, bold: bool = False, italic: bool = False) -> None:
    """The inline content of ``element`` as runs (bold and italic kept; links as their text)."""
    if element.text:
        _run(paragraph, element.text, bold, italic)
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            paragraph.add_run().add_break()
        elif tag and tag not in SKIPPED:
            _runs(paragraph, child, bold or tag in ("strong", "b", "th"), italic or tag in ("em", "i"))
        if child.tail:
            _run(paragraph, child.tail, bold, italic)
    if paragraph.runs:
        first, last = paragraph.runs[0], paragraph.runs[-1]
        first.text = first.text.lstrip()
        last.text = last.text.rstrip()


def _run(paragraph: Paragraph, text: str, bold: bool, italic: bool) -> None:
    run = paragraph.add_run(_text(text))
    run.bold = bold or None
    run.italic = italic or None


def _table(document: Any, element: Any) -> None:
    caption = element.find("caption")
    if caption is not None and _text(caption.text_content()).strip():
        paragraph = document.add_paragraph(style="Caption")
        _runs(paragraph, caption)
    rows = [row for row in element.iter("tr")]
    width = max((len(row.findall("th")) + len(row.findall("td")) for row in rows), default=0)
    if not rows or not width:
        return
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for r, row in enumerate(rows):
        header_row = row.getparent() is not None and row.getparent().tag == "thead"
        if header_row:
            _repeat_as_header(table.rows[r])
        cells = [cell for cell in row if isinstance(cell.tag, str) and cell.tag in ("th", "td")]
        for c, cell in enumerate(cells[:width]):
            paragraph = table.cell(r, c).paragraphs[0]
            _runs(paragraph, cell, bold=cell.tag == "th")
            if "numeric" in (cell.get("class") or ""):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for run in paragraph.runs:
                run.font.size = Pt(9)


def _repeat_as_header(row: Any) -> None:
    """Mark a table row as the header row (repeated on each page; read as column headers)."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
