"""OZG Reifegradmodell 2.0 (July 2025): stages 0–7 over 13 criteria; the weakest criterion decides.

Stages 0–3 rate the online application (front end), 4–7 the process- and data-centred, end-to-end digital
handling inside the administration. The criteria below follow the model's structure; their wording is ours
(check it against the published model before a report to the state relies on it).
"""

from __future__ import annotations

from collections.abc import Mapping

CRITERIA: tuple[tuple[str, str], ...] = (
    ("information", "Information zur Leistung"),
    ("identification", "Identifizierung und Nutzerkonto"),
    ("application", "Online-Antrag (Formular und Plausibilisierung)"),
    ("evidence", "Nachweise (Upload, Once-Only)"),
    ("payment", "Bezahlung"),
    ("submission", "Übermittlung an die Behörde (strukturierte Daten)"),
    ("status", "Statusinformation"),
    ("communication", "Kommunikation mit der Behörde (Postfach)"),
    ("notice", "Bescheid und Rückkanal"),
    ("processing", "Bearbeitung im Fachverfahren (medienbruchfrei)"),
    ("records", "E-Akte und Ablage"),
    ("automation", "Automatisierung und Datenzentrierung"),
    ("usability", "Nutzerfreundlichkeit und Barrierefreiheit"),
)
STAGES: tuple[tuple[int, str], ...] = (
    (0, "0 – offline"),
    (1, "1 – Information"),
    (2, "2 – Formular-Assistent"),
    (3, "3 – Online-Antrag mit allen Nachweisen"),
    (4, "4 – digital in die Verwaltung übermittelt"),
    (5, "5 – medienbruchfreie Bearbeitung"),
    (6, "6 – Once-Only und Basiskomponenten"),
    (7, "7 – Ende-zu-Ende digital"),
)
CRITERION_KEYS = tuple(key for key, _label in CRITERIA)


def parse_criteria(raw: Mapping[str, object]) -> tuple[dict[str, int], list[dict[str, str]]]:
    """Each criterion's stage (0–7) from a form; an error per criterion that is missing or out of range."""
    stages: dict[str, int] = {}
    errors: list[dict[str, str]] = []
    for key, label in CRITERIA:
        text = str(raw.get(key) or "").strip()
        if len(text) != 1 or text not in "01234567":
            errors.append({"field": key, "message": f"{label}: bitte eine Stufe von 0 bis 7 wählen."})
            continue
        stages[key] = int(text)
    return stages, errors


def level_of(stages: Mapping[str, int]) -> int:
    """The service's stage: the weakest criterion decides (all 13 must be rated)."""
    if set(stages) != set(CRITERION_KEYS):
        raise ValueError("every criterion needs a stage")
    return min(stages.values())


def weakest(stages: Mapping[str, int]) -> list[str]:
    """The labels of the criteria that hold the service at its stage."""
    lowest = min(stages.values(), default=0)
    return [label for key, label in CRITERIA if stages.get(key) == lowest]
