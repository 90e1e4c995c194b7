"""A large, realistic generated service catalog for benchmarks.

The 53 real services of the demo municipality come first (their words, keywords and synonyms are
what citizens search for); the rest are generated from real subjects of municipal administration
(Leistungsobjekte) combined with real actions (Verrichtungen), each with its department, life
situation, keywords, fees and a plain-language description — so the search index has a vocabulary
of the size a full LeiKa-based catalog gives, not 5,000 copies of "Leistung 17".
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

DEMO = Path(__file__).resolve().parent.parent / "rathaus" / "demo" / "data" / "musterstadt.json"

# (subject, org unit key, life situation slug, OZG topic, keywords)
SUBJECTS: list[tuple[str, str, str, str, tuple[str, ...]]] = [
    ("Hundesteuer", "FB20-1", "hund-und-haustier", "Steuern und Abgaben", ("Hund", "Steuermarke", "Dackel")),
    ("Hundesteuermarke", "FB20-1", "hund-und-haustier", "Steuern und Abgaben", ("Hundemarke", "Hund")),
    ("Zweitwohnungsteuer", "FB20-1", "steuern-und-abgaben", "Steuern und Abgaben", ("Nebenwohnung",)),
    ("Vergnügungsteuer", "FB20-1", "steuern-und-abgaben", "Steuern und Abgaben", ("Spielautomat", "Spielhalle")),
    ("Grundsteuer", "FB20-1", "steuern-und-abgaben", "Steuern und Abgaben", ("Grundbesitzabgaben", "Grundstück")),
    ("Gewerbesteuer", "FB20-1", "unternehmen-gruenden", "Steuern und Abgaben", ("Vorauszahlung", "Hebesatz")),
    ("Straßenreinigungsgebühr", "FB20-1", "steuern-und-abgaben", "Steuern und Abgaben", ("Straßenreinigung",)),
    ("Abwassergebühr", "FB20-1", "bauen-und-wohnen", "Steuern und Abgaben", ("Kanal", "Niederschlagswasser")),
    ("Abfallgebühr", "FB70-1", "abfall", "Umwelt", ("Müllgebühr", "Tonne")),
    ("Lastschriftmandat", "FB20-2", "steuern-und-abgaben", "Steuern und Abgaben", ("SEPA", "Einzugsermächtigung")),
    ("Stundung", "FB20-2", "steuern-und-abgaben", "Steuern und Abgaben", ("Ratenzahlung", "Zahlungsaufschub")),
    ("Mahnung", "FB20-2", "steuern-und-abgaben", "Steuern und Abgaben", ("Mahngebühr", "Vollstreckung")),
    ("Meldebescheinigung", "FB32-1", "umzug", "Ein- und Auswanderung", ("Wohnsitzbescheinigung",)),
    ("Melderegisterauskunft", "FB32-1", "umzug", "Ein- und Auswanderung", ("Adressauskunft", "Anschrift")),
    ("Auskunftssperre", "FB32-1", "sicherheit-und-ordnung", "Ein- und Auswanderung", ("Sperrvermerk",)),
    ("Übermittlungssperre", "FB32-1", "umzug", "Ein- und Auswanderung", ("Widerspruch Datenweitergabe",)),
    ("Lebensbescheinigung", "FB32-1", "ausweise-und-dokumente", "Rente", ("Rente", "Rentenversicherung")),
    ("Personalausweis", "FB32-1", "ausweise-und-dokumente", "Ausweise", ("Perso", "Ausweis", "ID-Karte")),
    ("Reisepass", "FB32-1", "ausweise-und-dokumente", "Ausweise", ("Pass", "Reise")),
    ("Kinderreisepass", "FB32-1", "ausweise-und-dokumente", "Ausweise", ("Kinderpass", "Kind")),
    ("Online-Ausweisfunktion", "FB32-1", "ausweise-und-dokumente", "Ausweise", ("eID", "PIN", "Onlineausweis")),
    ("Führungszeugnis", "FB32-1", "ausweise-und-dokumente", "Ausweise", ("Polizeiliches Führungszeugnis",)),
    ("Gewerbezentralregisterauszug", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Auskunft",)),
    ("Beglaubigung", "FB32-1", "ausweise-und-dokumente", "Ausweise", ("Kopie", "Unterschrift")),
    ("Fundsache", "FB32-1", "sicherheit-und-ordnung", "Sicherheit und Ordnung", ("Fundbüro", "verloren")),
    ("Geburtsurkunde", "FB32-2", "geburt", "Familie und Kind", ("Urkunde", "Baby")),
    ("Geburtsbeurkundung", "FB32-2", "geburt", "Familie und Kind", ("Geburt", "Neugeborenes")),
    ("Vaterschaftsanerkennung", "FB32-2", "geburt", "Familie und Kind", ("Vaterschaft", "Vater")),
    ("Namenserklärung", "FB32-2", "heirat", "Familie und Kind", ("Familienname", "Ehename")),
    ("Namensänderung", "FB32-2", "heirat", "Familie und Kind", ("Vorname", "Nachname")),
    ("Eheschließung", "FB32-2", "heirat", "Familie und Kind", ("Hochzeit", "Trauung", "heiraten")),
    ("Eheurkunde", "FB32-2", "heirat", "Familie und Kind", ("Heiratsurkunde", "Trauschein")),
    ("Ehefähigkeitszeugnis", "FB32-2", "heirat", "Familie und Kind", ("Heirat im Ausland",)),
    ("Lebenspartnerschaftsurkunde", "FB32-2", "heirat", "Familie und Kind", ("Lebenspartnerschaft",)),
    ("Sterbeurkunde", "FB32-2", "todesfall", "Sterbefall", ("Tod", "verstorben")),
    ("Sterbefallanzeige", "FB32-2", "todesfall", "Sterbefall", ("Todesfall", "Bestatter")),
    ("Kirchenaustritt", "FB32-2", "todesfall", "Religion", ("Austritt", "Kirchensteuer")),
    ("Einbürgerung", "FB32-1", "umzug", "Ein- und Auswanderung", ("Staatsangehörigkeit", "Pass")),
    ("Aufenthaltstitel", "FB32-1", "umzug", "Ein- und Auswanderung", ("Aufenthaltserlaubnis", "Visum")),
    ("Niederlassungserlaubnis", "FB32-1", "umzug", "Ein- und Auswanderung", ("Daueraufenthalt",)),
    ("Verpflichtungserklärung", "FB32-1", "umzug", "Ein- und Auswanderung", ("Einladung", "Besuch")),
    ("Fahrzeugzulassung", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Auto", "Kfz", "Zulassung")),
    ("Fahrzeugabmeldung", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Auto abmelden", "stilllegen")),
    ("Halterwechsel", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Autokauf", "Umschreibung")),
    ("Wunschkennzeichen", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Nummernschild",)),
    ("Saisonkennzeichen", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Motorrad", "Cabrio")),
    ("Kurzzeitkennzeichen", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Überführung",)),
    ("Oldtimerkennzeichen", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("H-Kennzeichen",)),
    ("Zulassungsbescheinigung", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Fahrzeugbrief",)),
    ("Umweltplakette", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Feinstaubplakette",)),
    ("Fahrerlaubnis", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Führerschein",)),
    ("Internationaler Führerschein", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Ausland",)),
    ("Fahrerkarte", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Tachograf", "Lkw")),
    ("Bewohnerparkausweis", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Anwohnerparken",)),
    ("Schwerbehindertenparkausweis", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Behindertenparkplatz",)),
    ("Handwerkerparkausweis", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Parkerleichterung",)),
    ("Verkehrsrechtliche Anordnung", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Baustelle", "Schild")),
    ("Halteverbotszone", "FB32-3", "umzug", "Mobilität und Reisen", ("Umzug", "Halteverbot")),
    ("Großraum- und Schwertransport", "FB32-3", "auto-und-verkehr", "Mobilität und Reisen", ("Transport",)),
    ("Verwarnungsgeld", "FB32-4", "auto-und-verkehr", "Sicherheit und Ordnung", ("Knöllchen", "Strafzettel")),
    ("Bußgeldbescheid", "FB32-4", "auto-und-verkehr", "Sicherheit und Ordnung", ("Bußgeld", "Blitzer")),
    ("Abschleppfahrzeug", "FB32-4", "auto-und-verkehr", "Sicherheit und Ordnung", ("abgeschleppt",)),
    ("Gewerbeanmeldung", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Gewerbeschein", "Firma")),
    ("Gewerbeummeldung", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Gewerbe ändern",)),
    ("Gewerbeabmeldung", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Betriebsaufgabe",)),
    ("Reisegewerbekarte", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Markthandel",)),
    ("Gaststättenerlaubnis", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Restaurant", "Kneipe")),
    ("Gestattung", "FB32-4", "freizeit-und-veranstaltungen", "Unternehmensführung", ("Ausschank", "Fest")),
    ("Sperrzeitverkürzung", "FB32-4", "freizeit-und-veranstaltungen", "Unternehmensführung", ("Sperrstunde",)),
    ("Spielhallenerlaubnis", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Spielhalle",)),
    ("Maklererlaubnis", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Immobilienmakler",)),
    ("Bewachungserlaubnis", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Sicherheitsdienst",)),
    ("Pfandleiherlaubnis", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Pfandhaus",)),
    ("Marktzulassung", "FB32-4", "freizeit-und-veranstaltungen", "Unternehmensführung", ("Wochenmarkt",)),
    ("Sondernutzungserlaubnis", "FB60-3", "freizeit-und-veranstaltungen", "Bauen und Wohnen", ("Außengastronomie",)),
    ("Veranstaltungsanzeige", "FB32-4", "freizeit-und-veranstaltungen", "Freizeit", ("Straßenfest", "Party")),
    ("Feuerwerk", "FB32-4", "freizeit-und-veranstaltungen", "Freizeit", ("Pyrotechnik", "Silvester")),
    ("Plakatierung", "FB32-4", "freizeit-und-veranstaltungen", "Freizeit", ("Plakat", "Werbung")),
    ("Infostand", "FB32-4", "freizeit-und-veranstaltungen", "Freizeit", ("Stand", "Fußgängerzone")),
    ("Straßenmusik", "FB32-4", "freizeit-und-veranstaltungen", "Freizeit", ("Musik", "Fußgängerzone")),
    ("Lärmschutzausnahme", "FB32-4", "sicherheit-und-ordnung", "Sicherheit und Ordnung", ("Lärm", "Nachtruhe")),
    ("Waffenbesitzkarte", "FB32-4", "sicherheit-und-ordnung", "Sicherheit und Ordnung", ("Waffe", "Jäger")),
    ("Jagdschein", "FB32-4", "freizeit-und-veranstaltungen", "Freizeit", ("Jagd", "Jäger")),
    ("Fischereischein", "FB32-4", "freizeit-und-veranstaltungen", "Freizeit", ("Angelschein", "Angeln")),
    ("Gefährlicher Hund", "FB32-4", "hund-und-haustier", "Sicherheit und Ordnung", ("Listenhund", "Kampfhund")),
    ("Sachkundenachweis", "FB32-4", "hund-und-haustier", "Sicherheit und Ordnung", ("Hundeführerschein",)),
    ("Tierhaltung", "FB32-4", "hund-und-haustier", "Sicherheit und Ordnung", ("Haustier", "Katze")),
    ("Taubenfütterungsverbot", "FB70-2", "hund-und-haustier", "Umwelt", ("Tauben",)),
    ("Baugenehmigung", "FB60-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Bauantrag", "Hausbau")),
    ("Bauvorbescheid", "FB60-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Bauvoranfrage",)),
    ("Abbruchgenehmigung", "FB60-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Abriss", "Abbruch")),
    ("Nutzungsänderung", "FB60-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Umnutzung",)),
    ("Baulast", "FB60-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Baulastenverzeichnis",)),
    ("Abgeschlossenheitsbescheinigung", "FB60-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Eigentumswohnung",)),
    ("Hausnummer", "FB60-2", "bauen-und-wohnen", "Bauen und Wohnen", ("Hausnummernschild",)),
    ("Bebauungsplan", "FB60-2", "bauen-und-wohnen", "Bauen und Wohnen", ("B-Plan", "Flächennutzungsplan")),
    ("Vorkaufsrecht", "FB60-2", "bauen-und-wohnen", "Bauen und Wohnen", ("Grundstückskauf", "Negativattest")),
    ("Bodenrichtwert", "FB60-2", "bauen-und-wohnen", "Bauen und Wohnen", ("Gutachterausschuss",)),
    ("Liegenschaftskarte", "FB60-2", "bauen-und-wohnen", "Bauen und Wohnen", ("Flurkarte", "Kataster")),
    ("Denkmalschutz", "FB60-2", "bauen-und-wohnen", "Bauen und Wohnen", ("Denkmal", "Baudenkmal")),
    ("Baumfällung", "FB70-2", "bauen-und-wohnen", "Umwelt", ("Baum", "Baumschutzsatzung")),
    ("Grundstückszufahrt", "FB60-3", "bauen-und-wohnen", "Bauen und Wohnen", ("Bordsteinabsenkung",)),
    ("Aufbruchgenehmigung", "FB60-3", "bauen-und-wohnen", "Bauen und Wohnen", ("Straßenaufbruch",)),
    ("Straßenbeleuchtung", "FB60-3", "sicherheit-und-ordnung", "Bauen und Wohnen", ("Laterne", "Licht")),
    ("Schlagloch", "FB60-3", "auto-und-verkehr", "Bauen und Wohnen", ("Straßenschaden",)),
    ("Winterdienst", "FB70-2", "bauen-und-wohnen", "Umwelt", ("Schnee", "Streupflicht")),
    ("Kanalanschluss", "FB60-3", "bauen-und-wohnen", "Bauen und Wohnen", ("Abwasser", "Hausanschluss")),
    ("Dichtheitsprüfung", "FB60-3", "bauen-und-wohnen", "Bauen und Wohnen", ("Kanal", "Abwasserleitung")),
    ("Regenwassernutzung", "FB70-2", "bauen-und-wohnen", "Umwelt", ("Zisterne",)),
    ("Brunnen", "FB70-2", "bauen-und-wohnen", "Umwelt", ("Grundwasser", "Gartenbrunnen")),
    ("Wohnberechtigungsschein", "FB50-1", "bauen-und-wohnen", "Bauen und Wohnen", ("WBS", "Sozialwohnung")),
    ("Wohngeld", "FB50-1", "soziale-unterstuetzung", "Bauen und Wohnen", ("Mietzuschuss", "Lastenzuschuss")),
    ("Zweckentfremdung", "FB50-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Ferienwohnung", "Leerstand")),
    ("Wohnungsaufsicht", "FB50-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Schimmel", "Mängel Mietwohnung")),
    ("Mietspiegel", "FB50-1", "bauen-und-wohnen", "Bauen und Wohnen", ("Vergleichsmiete",)),
    ("Obdachlosenunterkunft", "FB50-2", "soziale-unterstuetzung", "Soziales", ("Wohnungslos",)),
    ("Grundsicherung", "FB50-2", "soziale-unterstuetzung", "Soziales", ("Alter", "Erwerbsminderung")),
    ("Hilfe zum Lebensunterhalt", "FB50-2", "soziale-unterstuetzung", "Soziales", ("Sozialhilfe",)),
    ("Hilfe zur Pflege", "FB50-2", "soziale-unterstuetzung", "Soziales", ("Pflege", "Pflegeheim")),
    ("Bildung und Teilhabe", "FB50-2", "familie-und-kinder", "Soziales", ("Schulbedarf", "Klassenfahrt")),
    ("Schwerbehindertenausweis", "FB50-2", "soziale-unterstuetzung", "Soziales", ("Behinderung", "GdB")),
    ("Rundfunkbeitragsbefreiung", "FB50-2", "soziale-unterstuetzung", "Soziales", ("GEZ", "Rundfunk")),
    ("Sozialpass", "FB50-2", "soziale-unterstuetzung", "Soziales", ("Ermäßigung", "Sozialticket")),
    ("Rentenantrag", "FB50-2", "soziale-unterstuetzung", "Rente", ("Rente", "Versicherungsamt")),
    ("Kontenklärung", "FB50-2", "soziale-unterstuetzung", "Rente", ("Rentenkonto",)),
    ("Asylbewerberleistung", "FB50-2", "soziale-unterstuetzung", "Soziales", ("Flüchtling", "Geflüchtete")),
    ("Kita-Platz", "FB51-1", "familie-und-kinder", "Familie und Kind", ("Kindergarten", "Krippe")),
    ("Kindertagespflege", "FB51-1", "familie-und-kinder", "Familie und Kind", ("Tagesmutter", "Tagesvater")),
    ("Elternbeitrag", "FB51-1", "familie-und-kinder", "Familie und Kind", ("Kitagebühr", "Beitrag")),
    ("Offene Ganztagsschule", "FB51-1", "familie-und-kinder", "Bildung", ("OGS", "Nachmittagsbetreuung")),
    ("Schulanmeldung", "FB51-2", "familie-und-kinder", "Bildung", ("Einschulung", "Grundschule")),
    ("Schülerfahrkarte", "FB51-2", "familie-und-kinder", "Bildung", ("Schulweg", "Schülerticket")),
    ("Elterngeld", "FB51-2", "geburt", "Familie und Kind", ("Elternzeit",)),
    ("Unterhaltsvorschuss", "FB51-2", "familie-und-kinder", "Familie und Kind", ("Alleinerziehend",)),
    ("Beistandschaft", "FB51-2", "familie-und-kinder", "Familie und Kind", ("Unterhalt", "Vaterschaft")),
    ("Sorgeerklärung", "FB51-2", "geburt", "Familie und Kind", ("Sorgerecht",)),
    ("Erziehungsberatung", "FB51-2", "familie-und-kinder", "Familie und Kind", ("Familienberatung",)),
    ("Ferienfreizeit", "FB51-2", "freizeit-und-veranstaltungen", "Familie und Kind", ("Ferien", "Jugend")),
    ("Jugendleitercard", "FB51-2", "freizeit-und-veranstaltungen", "Familie und Kind", ("Juleica",)),
    ("Pflegekinderdienst", "FB51-2", "familie-und-kinder", "Familie und Kind", ("Pflegefamilie",)),
    ("Adoption", "FB51-2", "familie-und-kinder", "Familie und Kind", ("Adoptivkind",)),
    ("Restmülltonne", "FB70-1", "abfall", "Umwelt", ("Mülltonne", "graue Tonne")),
    ("Biotonne", "FB70-1", "abfall", "Umwelt", ("Bioabfall", "braune Tonne")),
    ("Papiertonne", "FB70-1", "abfall", "Umwelt", ("Altpapier", "blaue Tonne")),
    ("Gelbe Tonne", "FB70-1", "abfall", "Umwelt", ("Verpackung", "Gelber Sack")),
    ("Sperrmüll", "FB70-1", "abfall", "Umwelt", ("Möbel", "Sofa", "Matratze")),
    ("Elektroschrott", "FB70-1", "abfall", "Umwelt", ("Kühlschrank", "Fernseher")),
    ("Grünschnitt", "FB70-1", "abfall", "Umwelt", ("Gartenabfall", "Laub")),
    ("Schadstoffmobil", "FB70-1", "abfall", "Umwelt", ("Sondermüll", "Farben")),
    ("Wertstoffhof", "FB70-1", "abfall", "Umwelt", ("Recyclinghof",)),
    ("Abfallkalender", "FB70-1", "abfall", "Umwelt", ("Abfuhrtermine", "Müllabfuhr")),
    ("Wilder Müll", "FB70-2", "abfall", "Umwelt", ("illegale Ablagerung", "Dreck")),
    ("Graffiti", "FB70-2", "sicherheit-und-ordnung", "Umwelt", ("Schmiererei",)),
    ("Spielplatz", "FB70-2", "familie-und-kinder", "Freizeit", ("Spielgerät", "kaputt")),
    ("Grünfläche", "FB70-2", "freizeit-und-veranstaltungen", "Umwelt", ("Park", "Wiese")),
    ("Grabstätte", "FB70-2", "todesfall", "Sterbefall", ("Friedhof", "Grab")),
    ("Bestattung", "FB70-2", "todesfall", "Sterbefall", ("Beerdigung", "Urne")),
    ("Friedhofsgebühr", "FB70-2", "todesfall", "Sterbefall", ("Grabnutzung",)),
    ("Baumpatenschaft", "FB70-2", "freizeit-und-veranstaltungen", "Umwelt", ("Patenschaft",)),
    ("Schädlingsbekämpfung", "FB70-2", "sicherheit-und-ordnung", "Umwelt", ("Ratten", "Wespen")),
    ("Ölspur", "FB70-2", "auto-und-verkehr", "Umwelt", ("Verschmutzung",)),
    ("Stadtbücherei", "FB10", "freizeit-und-veranstaltungen", "Freizeit", ("Bibliothek", "Ausleihe")),
    ("Volkshochschule", "FB10", "freizeit-und-veranstaltungen", "Bildung", ("VHS", "Kurs")),
    ("Musikschule", "FB10", "freizeit-und-veranstaltungen", "Bildung", ("Instrument", "Unterricht")),
    ("Schwimmbad", "FB10", "freizeit-und-veranstaltungen", "Freizeit", ("Hallenbad", "Freibad")),
    ("Sporthalle", "FB10", "freizeit-und-veranstaltungen", "Freizeit", ("Hallenzeit", "Verein")),
    ("Ehrenamtskarte", "FB10", "freizeit-und-veranstaltungen", "Freizeit", ("Ehrenamt",)),
    ("Vereinsförderung", "FB10", "freizeit-und-veranstaltungen", "Freizeit", ("Zuschuss", "Verein")),
    ("Wahlschein", "FB10", "sicherheit-und-ordnung", "Wahlen", ("Briefwahl", "Wahl")),
    ("Wahlhelfer", "FB10", "sicherheit-und-ordnung", "Wahlen", ("Wahlvorstand",)),
    ("Bürgerantrag", "FB10", "sicherheit-und-ordnung", "Politik", ("Rat", "Anregung")),
    ("Akteneinsicht", "FB10", "sicherheit-und-ordnung", "Politik", ("Informationsfreiheit", "IFG")),
    ("Stellenbewerbung", "FB10-2", "unternehmen-gruenden", "Arbeit", ("Job", "Ausbildung", "Stelle")),
    ("Praktikum", "FB10-2", "familie-und-kinder", "Arbeit", ("Schülerpraktikum",)),
    ("Ausschreibung", "FB10", "unternehmen-gruenden", "Unternehmensführung", ("Vergabe", "Auftrag")),
    ("Rechnungseingang", "FB20-2", "unternehmen-gruenden", "Unternehmensführung", ("XRechnung", "E-Rechnung")),
    ("Standortberatung", "FB10", "unternehmen-gruenden", "Unternehmensführung", ("Wirtschaftsförderung",)),
    ("Gewerbefläche", "FB10", "unternehmen-gruenden", "Unternehmensführung", ("Gewerbegebiet",)),
    ("Ladenöffnung", "FB32-4", "unternehmen-gruenden", "Unternehmensführung", ("Sonntagsöffnung",)),
    ("Lebensmittelkontrolle", "FB32-4", "unternehmen-gruenden", "Gesundheit", ("Hygiene",)),
    ("Infektionsschutzbelehrung", "FB32-4", "unternehmen-gruenden", "Gesundheit", ("Gesundheitszeugnis",)),
    ("Trinkwasser", "FB70-2", "bauen-und-wohnen", "Gesundheit", ("Wasserqualität", "Legionellen")),
]

# (action in the name, verb phrase for the description, trust level, legacy OZG level)
ACTIONS: list[tuple[str, str, str, int]] = [
    ("beantragen", "beantragen", "substantial", 3),
    ("verlängern", "verlängern lassen", "substantial", 3),
    ("ändern", "ändern lassen", "low", 2),
    ("anmelden", "anmelden", "low", 3),
    ("abmelden", "abmelden", "low", 3),
    ("Ersatz bei Verlust", "bei Verlust ersetzen lassen", "substantial", 2),
    ("Zweitschrift anfordern", "als Zweitschrift anfordern", "low", 2),
    ("Auskunft erhalten", "Auskunft erhalten", "none", 1),
    ("Widerspruch einlegen", "Widerspruch einlegen", "substantial", 2),
    ("Ermäßigung beantragen", "ermäßigen lassen", "substantial", 2),
    ("Befreiung beantragen", "sich befreien lassen", "substantial", 2),
    ("Erstattung beantragen", "erstatten lassen", "substantial", 2),
    ("Fristverlängerung beantragen", "eine längere Frist bekommen", "low", 1),
    ("Beratung vereinbaren", "sich beraten lassen", "none", 1),
    ("Bescheinigung anfordern", "bescheinigen lassen", "low", 2),
    ("Akteneinsicht nehmen", "Einsicht in die Akte nehmen", "substantial", 1),
    ("Änderung mitteilen", "eine Änderung mitteilen", "low", 2),
    ("übertragen", "auf eine andere Person übertragen", "substantial", 2),
    ("kündigen", "kündigen", "low", 2),
    ("Termin buchen", "einen Termin buchen", "none", 1),
    ("Unterlagen nachreichen", "Unterlagen nachreichen", "low", 2),
    ("Antrag zurückziehen", "den Antrag zurückziehen", "low", 2),
    ("Beschwerde einreichen", "sich beschweren", "none", 1),
    ("Vollmacht erteilen", "eine Vollmacht erteilen", "substantial", 2),
    ("Zahlung leisten", "bezahlen", "low", 2),
    ("Bescheid erläutern lassen", "den Bescheid erklären lassen", "none", 1),
    ("Ratenzahlung vereinbaren", "in Raten bezahlen", "substantial", 2),
    ("Adresse ändern", "die Adresse ändern", "low", 2),
    ("Eilantrag stellen", "eilig beantragen", "substantial", 2),
    ("Nachweis vorlegen", "einen Nachweis vorlegen", "low", 2),
    ("Verzicht erklären", "darauf verzichten", "substantial", 2),
    ("Status abfragen", "den Bearbeitungsstand abfragen", "low", 1),
]

# What citizens type: colloquial words and synonyms, typos, compounds, whole sentences.
SEARCH_QUERIES = [
    "Perso",
    "Ummeldung",
    "Hund",
    "Personalausweis",
    "Persnalausweis",
    "Reisepas",
    "Pass verloren",
    "Hundesteuer",
    "ich möchte meinen Hund anmelden",
    "Sperrmüll",
    "Sperrmull",
    "Müll",
    "Auto anmelden",
    "Kfz zulassen",
    "Nummernschild",
    "Wunschkennzeichen",
    "Kita Platz",
    "Kindergaten",
    "Wohngeld",
    "Mietzuschuss",
    "Gewerbe anmelden",
    "Gewebeanmeldung",
    "Firma gründen",
    "Baugenehmigung",
    "Bauantrag",
    "Geburtsurkunde",
    "Baby",
    "heiraten",
    "Hochzeit",
    "Führungszeugnis",
    "Fürungszeugnis",
    "Anwohnerparken",
    "Parkausweis",
    "Umzug",
    "neue Adresse",
    "Meldebescheinigung",
    "Fundbüro",
    "Schlüssel verloren",
    "Straßenlaterne kaputt",
    "Angelschein",
    "Sterbeurkunde",
    "Kirchenaustritt",
    "Grundsteuer",
    "Zweitwohnsitz",
    "Beglaubigung",
    "Wohnberechtigungsschein",
    "Sommerfest",
    "Imbiss eröffnen",
    "Tagesmutter",
    "Schwerbehindertenausweis",
]

_TIMES = [("sofort", 0), ("1 Woche", 7), ("2 bis 3 Wochen", 21), ("4 bis 6 Wochen", 42), ("bis zu 3 Monate", 90)]
_SLUG = re.compile(r"[^a-z0-9]+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slugify(text: str) -> str:
    return _SLUG.sub("-", text.lower().translate(_FOLD)).strip("-")[:120]


def demo_document() -> dict[str, Any]:
    return json.loads(DEMO.read_text(encoding="utf-8"))


def generate(count: int, seed: int = 2026) -> dict[str, Any]:
    """An import document (``rathaus.catalog.services.import_catalog``) with ``count`` services."""
    rng = random.Random(seed)
    demo = demo_document()
    services: list[dict[str, Any]] = list(demo["services"])[:count]
    used_keys = {s["leika_key"] for s in services}
    used_slugs = {s["slug"] for s in services}
    number = 0
    for action, phrase, trust, legacy in ACTIONS:
        for subject, unit, situation, topic, keywords in SUBJECTS:
            if len(services) >= count:
                break
            name = f"{subject} {action}"
            slug = slugify(name)
            if slug in used_slugs:
                continue
            number += 1
            key = f"99{number:06d}{rng.randrange(10**6):06d}"
            while key in used_keys:
                key = f"99{number:06d}{rng.randrange(10**6):06d}"
            used_keys.add(key)
            used_slugs.add(slug)
            time_text, days = rng.choice(_TIMES)
            maturity = rng.choice([0, 1, 2, 2, 3, 3, 3, 4, 5, 6, 7])
            fee = rng.choice([0, 5, 10, 12.5, 25, 37, 50, 80, 120])
            services.append(
                {
                    "leika_key": key,
                    "slug": slug,
                    "name": name,
                    "short_description": (
                        f"Hier können Sie {subject} {phrase}. Wir sagen Ihnen, welche Unterlagen Sie brauchen, "
                        f"was es kostet und wie lange es dauert."
                    ),
                    "description": (
                        f"Diese Leistung betrifft {subject}. Sie können sie {phrase}, online oder vor Ort. "
                        f"Zuständig ist die Fachabteilung; Fragen beantwortet das Bürgertelefon."
                    ),
                    "required_documents": ["Personalausweis oder Reisepass", f"Nachweise zu {subject}"],
                    "fees": [
                        {
                            "label": f"{subject} – {action}",
                            "amount_min": f"{fee:.2f}",
                            "amount_max": f"{fee:.2f}",
                            "legal_basis": "Allgemeine Verwaltungsgebührensatzung",
                        }
                    ],
                    "legal_basis": "Satzung der Stadt Musterstadt",
                    "org_unit": unit,
                    "processing_time": time_text,
                    "processing_days": days,
                    "trust_level": trust,
                    "ozg_maturity": maturity,
                    "ozg_level_legacy": min(legacy, 4),
                    "ozg_topic": topic,
                    "channels": rng.choice([["online"], ["online", "on_site"], ["appointment", "on_site"], ["post"]]),
                    "keywords": list(keywords),
                    "life_situations": [situation],
                    "is_top": False,
                    "is_published": True,
                }
            )
    if len(services) < count:
        raise ValueError(f"only {len(services)} distinct services can be generated")
    return {"life_situations": demo["life_situations"], "services": services}
