"""A citizen submitting an online application over HTTP, as a browser or app would: shared by the crash test
(``test_crash_during_submissions.py``) and the benchmark (``bench/submit.py``).

The form has three steps; the last one holds a required PDF. Every submission is the full API journey:
draft → step 1 → step 2 → upload → step 3 (pointing to the upload) → submit. The server side is seeded by
``tests/durability/seed.py`` in the server's own database.
"""

from __future__ import annotations

import io
import os
import secrets
from typing import Any

import requests

SERVICE_SLUG = "sondernutzung"
FILE_PATH = "nachweis.unterlagen.lageplan"
API = "/api/v1/applications"

FORM: dict[str, Any] = {
    "id": "sondernutzung-test",
    "version": 1,
    "title": "Sondernutzung beantragen",
    "steps": [
        {
            "id": "person",
            "title": "Antragstellerin oder Antragsteller",
            "groups": [
                {
                    "id": "person",
                    "title": "Person",
                    "fields": [
                        {"id": "vorname", "label": "Vorname", "type": "text", "required": True},
                        {"id": "nachname", "label": "Nachname", "type": "text", "required": True},
                        {"id": "telefon", "label": "Telefon", "type": "text", "required": False},
                    ],
                }
            ],
        },
        {
            "id": "vorhaben",
            "title": "Vorhaben",
            "groups": [
                {
                    "id": "vorhaben",
                    "title": "Vorhaben",
                    "fields": [
                        {"id": "ort", "label": "Ort der Sondernutzung", "type": "text", "required": True},
                        {
                            "id": "beschreibung",
                            "label": "Beschreibung",
                            "type": "textarea",
                            "required": True,
                            "max_length": 4000,
                        },
                    ],
                }
            ],
        },
        {
            "id": "nachweis",
            "title": "Unterlagen",
            "groups": [
                {
                    "id": "unterlagen",
                    "title": "Unterlagen",
                    "fields": [
                        {
                            "id": "lageplan",
                            "label": "Lageplan (PDF)",
                            "type": "file",
                            "required": True,
                            "file": {"types": ["application/pdf"], "max_bytes": 4 * 1024 * 1024},
                        }
                    ],
                }
            ],
        },
    ],
}

# About 1.6 KB of free text: with the other answers the stored answers JSON is about 2 KB.
DESCRIPTION = (
    "Aufstellen eines Gerüsts auf dem Gehweg vor dem Haus für Fassadenarbeiten, Breite 1,20 m, Länge 8 m; "
    "der Fußweg bleibt mit mindestens 1,30 m Restbreite frei, Absperrung und Beleuchtung nach RSA. "
) * 8


def make_pdf(tag: str, size: int = 0) -> bytes:
    """A valid one-page PDF, unique per ``tag``; ``size`` > 0 pads it to about that many bytes (random data)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"Lageplan {tag}"})
    if size > 0:
        writer.add_attachment("scan.bin", os.urandom(size))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class Citizen:
    """One logged-in citizen: a session cookie made by the seed script, and a CSRF secret of its own."""

    def __init__(self, base_url: str, session_key: str, *, timeout: float = 30.0) -> None:
        self.base = base_url.rstrip("/") + API
        self.timeout = timeout
        self.http = self.new_session(session_key)
        self.session_key = session_key

    @staticmethod
    def new_session(session_key: str) -> requests.Session:
        csrf = secrets.token_hex(16)  # 32 characters: Django accepts the unmasked secret as the token
        http = requests.Session()
        http.cookies.set("sessionid", session_key)
        http.cookies.set("csrftoken", csrf)
        http.headers["X-CSRFToken"] = csrf
        return http

    def _check(self, response: requests.Response, expected: int, what: str) -> Any:
        if response.status_code != expected:
            raise FlowError(what, response.status_code, response.text[:500])
        return response.json()

    def start_draft(self) -> str:
        response = self.http.post(f"{self.base}/drafts", json={"service": SERVICE_SLUG}, timeout=self.timeout)
        return str(self._check(response, 201, "draft")["uuid"])

    def put_step(self, draft: str, step: str, answers: dict[str, Any]) -> None:
        url = f"{self.base}/drafts/{draft}/steps/{step}"
        self._check(self.http.put(url, json={"answers": answers}, timeout=self.timeout), 200, f"step {step}")

    def upload(self, draft: str, name: str, data: bytes) -> dict[str, Any]:
        url = f"{self.base}/drafts/{draft}/files/{FILE_PATH}"
        files = {"file": (name, data, "application/pdf")}
        return dict(self._check(self.http.post(url, files=files, timeout=self.timeout), 201, "upload"))

    def fill(self, draft: str, number: int) -> None:
        """Steps 1 and 2 (the answers differ a little per submission)."""
        self.put_step(draft, "person", {"person": {"vorname": "Mia", "nachname": f"Muster {number}"}})
        self.put_step(draft, "vorhaben", {"vorhaben": {"ort": f"Hauptstraße {number}", "beschreibung": DESCRIPTION}})

    def attach(self, draft: str, ref: dict[str, Any]) -> None:
        """Step 3: the file field points to the uploaded file."""
        self.put_step(draft, "nachweis", {"unterlagen": {"lageplan": ref}})

    def post_submit(self, draft: str, http: requests.Session | None = None) -> requests.Response:
        return (http or self.http).post(f"{self.base}/drafts/{draft}/submit", timeout=self.timeout)


class FlowError(Exception):
    """A step of the journey was answered with an unexpected status (not a connection error)."""

    def __init__(self, what: str, status: int, body: str) -> None:
        super().__init__(f"{what}: HTTP {status}: {body}")
        self.what = what
        self.status = status
