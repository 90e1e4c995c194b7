"""Decisions (Bescheide): template → draft → four eyes → PDF/A → PAdES seal → filed, delivered, event; verification."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pikepdf
import pytest
from cryptography.hazmat.primitives import serialization
from django.test import TestCase

from rathaus.applications.models import Application
from rathaus.attachments import storage
from rathaus.core.models import Event
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.mailbox import selectors as mailbox
from rathaus.payments.models import Payment
from rathaus.records import decisions, sealing
from rathaus.records.journal import Actor
from rathaus.records.models import (
    Case,
    Decision,
    DecisionTemplate,
    Document,
    DocumentVersion,
    ImmutableRow,
    JournalEntry,
)
from rathaus.records.tests.test_filing import plan, service, submit  # noqa: F401 (fixtures)
from rathaus.records.tests.test_tsa import tsa  # noqa: F401 (fixture: the local RFC 3161 authority)
from rathaus.tenants.tests.factories import MunicipalityFactory, OrgUnitFactory
from rathaus.tenants.tests.world import pdf_with

REMEDY = (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage beim Verwaltungsgericht erhoben werden."
)
BODY = (
    "Sehr geehrte(r) {{ name }},\n\nIhr Antrag {{ antragsnummer }} ({{ leistung }}) vom {{ eingang }} für den Hund "
    "{{ antworten.hunde_hund_0_name }} wird genehmigt.{% if gebuehr %} Gebühr: {{ gebuehr }}.{% endif %}"
)


@pytest.fixture(autouse=True)
def seals(settings: Any, tmp_path: Any) -> Any:
    settings.RATHAUS_SEAL_DIR = str(tmp_path / "seals")
    return tmp_path / "seals"


def staff(tenant: Any, unit: Any, role: str, email: str) -> Any:
    user = StaffFactory(tenant=tenant, email=email)
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role=role)
    return user


@pytest.fixture
def world(
    tenant: Any,
    service: Any,  # noqa: F811
    fake_scanner: Any,
) -> dict[str, Any]:
    citizen = CitizenFactory(tenant=tenant, first_name="Mia", last_name="Muster")
    application = submit(tenant, service, citizen, pdf_with("Nachweis"))
    case = Case.objects.for_tenant(tenant).get(application_number=application.number)
    unit = case.owner_unit
    template = DecisionTemplate.objects.create(
        tenant=tenant,
        service_key=service.leika_key,
        title="Bescheid über die Hundeanmeldung",
        body=BODY,
        remedy_notice=REMEDY,
        four_eyes=True,
        fee_amount=Decimal("25.00"),
        fee_label="Hundemarke",
    )
    return {
        "citizen": citizen,
        "application": application,
        "case": case,
        "template": template,
        "author": staff(tenant, unit, "caseworker", "anna@alpha.test"),
        "lead": staff(tenant, unit, "unit_lead", "lena@alpha.test"),
    }


def actor(user: Any) -> Actor:
    return Actor(id=user.pk, label=user.email, role="caseworker")


def sealed_decision(tenant: Any, w: dict[str, Any]) -> Decision:
    d = decisions.draft(case=w["case"], template=w["template"], author=w["author"], actor=actor(w["author"]))
    d = decisions.submit(decision=d, actor=actor(w["author"]))
    d = decisions.approve(decision=d, user=w["lead"], tenant=tenant, actor=actor(w["lead"]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return decisions.seal(decision=d, user=w["author"], tenant=tenant, actor=actor(w["author"]))


@pytest.mark.django_db
def test_the_whole_flow_seals_files_delivers_raises_the_fee_and_decides_the_application(
    tenant: Any, world: dict[str, Any]
) -> None:
    w = world
    d = decisions.draft(case=w["case"], template=w["template"], author=w["author"], actor=actor(w["author"]))
    assert "Mia Muster" in d.body and w["application"].number in d.body and "Bello" in d.body
    assert "25,00 €" in d.body and d.remedy_notice == REMEDY and d.status == "draft"
    d = decisions.edit(
        decision=d, actor=actor(w["author"]), title=d.title, body=d.body + "\nAuflage: Leine.", remedy_notice=REMEDY
    )
    d = decisions.submit(decision=d, actor=actor(w["author"]))
    assert d.status == "submitted"
    with pytest.raises(decisions.DecisionError):  # four eyes: not sealed before the approval
        decisions.seal(decision=d, user=w["author"], tenant=tenant, actor=actor(w["author"]))
    d = decisions.approve(decision=d, user=w["lead"], tenant=tenant, actor=actor(w["lead"]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        d = decisions.seal(decision=d, user=w["author"], tenant=tenant, actor=actor(w["author"]))

    assert d.status == "sealed" and d.sealed_at and d.seal_plugin == "local"
    version = DocumentVersion.objects.for_tenant(tenant).get(document=d.document)
    assert d.document.kind == Document.Kind.DECISION and d.document.case_id == w["case"].pk
    pdf = storage.open_blob(version.key)
    assert version.sha256 == d.sha256 and "Auflage: Leine." in version.text
    assert sealing.verify(tenant=tenant, pdf=pdf).valid
    # delivered into the citizen's mailbox, in the application's thread
    message = mailbox.messages(tenant, w["application"].mailbox_reference).last()
    assert message.from_office and message.attachments[0]["sha256"] == d.sha256
    # the application is decided, the case too; the fee is raised; the event is published
    assert Application.objects.for_tenant(tenant).get(pk=w["application"].pk).status == "decided"
    assert Case.objects.for_tenant(tenant).get(pk=w["case"].pk).status == "decided"
    payment = Payment.objects.for_tenant(tenant).get(reference=d.reference)
    assert payment.amount == Decimal("25.00") and payment.payer_id == w["citizen"].pk
    event = Event.objects.for_tenant(tenant).get(kind="decision.issued", subject=d.reference)
    assert event.payload["application_number"] == w["application"].number and event.payload["sha256"] == d.sha256
    actions = list(JournalEntry.objects.filter(tenant=tenant, object_id=d.reference).values_list("action", "outcome"))
    for step in ("drafted", "edited", "submitted", "approved", "sealed", "delivered", "fee_raised"):
        assert (f"decision.{step}", "done") in actions
    assert ("decision.sealed", "refused") in actions  # the early seal


@pytest.mark.django_db
def test_the_author_cannot_approve_and_a_caseworker_is_no_second_pair_of_eyes(
    tenant: Any, world: dict[str, Any]
) -> None:
    w = world
    lead_author = w["lead"]
    d = decisions.draft(case=w["case"], template=w["template"], author=lead_author, actor=actor(lead_author))
    d = decisions.submit(decision=d, actor=actor(lead_author))
    with pytest.raises(decisions.DecisionError, match="selbst"):
        decisions.approve(decision=d, user=lead_author, tenant=tenant, actor=actor(lead_author))
    with pytest.raises(decisions.DecisionError, match="Leitung"):
        decisions.approve(decision=d, user=w["author"], tenant=tenant, actor=actor(w["author"]))
    other_unit = OrgUnitFactory(tenant=tenant, key="FB50", name="Sozialamt")
    foreign_lead = staff(tenant, other_unit, "unit_lead", "olaf@alpha.test")
    with pytest.raises(decisions.DecisionError, match="Leitung"):
        decisions.approve(decision=d, user=foreign_lead, tenant=tenant, actor=actor(foreign_lead))
    assert Decision.objects.for_tenant(tenant).get(pk=d.pk).status == "submitted"
    refused = JournalEntry.objects.filter(tenant=tenant, action="decision.approved", outcome="refused").count()
    assert refused == 3


@pytest.mark.django_db
def test_a_sealed_decision_is_immutable_and_only_superseded(tenant: Any, world: dict[str, Any]) -> None:
    w = world
    d = sealed_decision(tenant, w)
    with pytest.raises(decisions.DecisionError, match="bereits gesiegelt"):
        decisions.seal(decision=d, user=w["author"], tenant=tenant, actor=actor(w["author"]))
    with pytest.raises(decisions.DecisionError):
        decisions.edit(decision=d, actor=actor(w["author"]), title="x", body="y", remedy_notice="z")
    with pytest.raises(decisions.DecisionError):
        decisions.send_back(decision=d, actor=actor(w["author"]))
    stored = Decision.objects.for_tenant(tenant).get(pk=d.pk)
    stored.body = "geändert"
    with pytest.raises(ImmutableRow):
        stored.save()
    with pytest.raises(ImmutableRow):
        Decision.objects.for_tenant(tenant).get(pk=d.pk).delete()
    assert Decision.objects.for_tenant(tenant).get(pk=d.pk).body == d.body
    assert Document.objects.for_tenant(tenant).filter(kind="decision").count() == 1

    new = decisions.supersede(decision=d, author=w["author"], actor=actor(w["author"]))
    assert new.supersedes_id == d.pk and new.status == "draft" and new.reference.endswith("-B2")
    with pytest.raises(decisions.DecisionError, match="bereits ersetzt"):
        decisions.supersede(decision=d, author=w["author"], actor=actor(w["author"]))
    new = decisions.submit(decision=new, actor=actor(w["author"]))
    new = decisions.approve(decision=new, user=w["lead"], tenant=tenant, actor=actor(w["lead"]))
    with TestCase.captureOnCommitCallbacks(execute=True):
        new = decisions.seal(decision=new, user=w["author"], tenant=tenant, actor=actor(w["author"]))
    version = DocumentVersion.objects.for_tenant(tenant).get(document=new.document)
    assert f"ersetzt den Bescheid {d.reference}" in " ".join(pikepdf_text(storage.open_blob(version.key)))
    assert Decision.objects.for_tenant(tenant).get(pk=d.pk).status == "sealed"  # the old one unchanged


def pikepdf_text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.django_db
def test_the_sealed_pdf_is_pdfa_with_embedded_fonts_and_a_pades_seal(tenant: Any, world: dict[str, Any]) -> None:
    d = sealed_decision(tenant, world)
    pdf = storage.open_blob(DocumentVersion.objects.for_tenant(tenant).get(document=d.document).key)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        fonts = [font for page in doc.pages for font in (page.Resources.get("/Font") or {}).values()]
        assert fonts
        for font in fonts:
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0] if descendants else font).get("/FontDescriptor")
            assert descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        field = doc.Root.AcroForm.Fields[0]
        assert field.V.SubFilter == "/ETSI.CAdES.detached" and str(field.T) == "Siegel"
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    material = sealing.test_seal(tenant)
    status = validate_pdf_signature(
        PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0], ValidationContext(trust_roots=[material.ca])
    )
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["organization_name"] == tenant.name


@pytest.mark.django_db
def test_verification_valid_tampered_foreign_and_garbage(tenant: Any, world: dict[str, Any]) -> None:
    d = sealed_decision(tenant, world)
    pdf = storage.open_blob(DocumentVersion.objects.for_tenant(tenant).get(document=d.document).key)
    verdict = sealing.verify(tenant=tenant, pdf=pdf)
    assert verdict.valid and decisions.find_sealed(tenant, verdict.signed_sha256) == d
    # tampered: one byte of the signed content changed
    at = pdf.index(b"Hundeanmeldung")
    tampered = pdf[:at] + b"X" + pdf[at + 1 :]
    assert sealing.verify(tenant=tenant, pdf=tampered).reason == "tampered"
    # appended: an incremental update after the seal
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.document_meta.title = "Anders"
    writer.root[NameObject("/Lang")] = TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    assert not sealing.verify(tenant=tenant, pdf=out.getvalue()).valid
    # foreign: sealed by another municipality
    other = MunicipalityFactory(slug="beta", name="Gemeinde Beta", ags="05111001")
    foreign = sealing.plugin_for(other).seal(tenant=other, pdf=pdf_with("fremd"), reason="x")
    assert sealing.verify(tenant=other, pdf=foreign).valid
    assert sealing.verify(tenant=tenant, pdf=foreign).reason == "foreign_seal"
    assert sealing.verify(tenant=other, pdf=pdf).reason == "foreign_seal"
    # garbage and unsigned
    for junk in (b"", b"%PDF-1.7\n\x00\xff garbage", b"\x00" * 100, pdf[: len(pdf) // 2]):
        assert not sealing.verify(tenant=tenant, pdf=junk).valid
    assert sealing.verify(tenant=tenant, pdf=pdf_with("ohne Siegel")).reason == "no_signature"


@pytest.mark.django_db
def test_templates_run_in_a_sandbox(tenant: Any, world: dict[str, Any]) -> None:
    for bad in ("{% load static %}", "{% include 'base.html' %}", "{% debug %}", "{% extends 'x' %}", "{% if %}"):
        with pytest.raises(decisions.DecisionError):
            decisions.check_template_text(bad)
    assert decisions.fill("{{ settings.SECRET_KEY }}{{ request }}{{ name|upper }}", {"name": "mia"}) == "MIA"
    with pytest.raises(decisions.DecisionError):
        decisions.create_template(
            tenant=tenant, actor=Actor.system(), service_key="", title="T\x00", body="x", remedy_notice="y",
            four_eyes=False,
        )  # fmt: skip


@pytest.mark.django_db
def test_with_a_timestamp_authority_the_seal_carries_an_rfc3161_timestamp_shown_on_verification(
    tenant: Any,
    world: dict[str, Any],
    settings: Any,
    tsa: Any,  # noqa: F811
    client: Any,
    seals: Any,
) -> None:
    import datetime as dt
    import socket

    from django.utils import timezone

    unstamped = sealing.plugin_for(tenant).seal(tenant=tenant, pdf=pdf_with("ohne"), reason="x")
    assert sealing.verify(tenant=tenant, pdf=unstamped).timestamp is None

    with socket.socket() as probe:  # a port nobody listens on: the authority is down
        probe.bind(("127.0.0.1", 0))
        settings.RATHAUS_TSA_URL = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    d = decisions.draft(
        case=world["case"], template=world["template"], author=world["author"], actor=actor(world["author"])
    )
    d = decisions.submit(decision=d, actor=actor(world["author"]))
    d = decisions.approve(decision=d, user=world["lead"], tenant=tenant, actor=actor(world["lead"]))
    with pytest.raises(decisions.DecisionError, match="Zeitstempeldienst"):
        decisions.seal(decision=d, user=world["author"], tenant=tenant, actor=actor(world["author"]))
    d.refresh_from_db()
    assert d.status == Decision.Status.APPROVED and d.document_id is None  # nothing sealed without the stamp

    url, certificate = tsa
    settings.RATHAUS_TSA_URL = url
    trusted = seals.parent / "tsa-roots.pem"  # the verification page trusts this authority's timestamps
    trusted.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    settings.RATHAUS_TSA_TRUST_ROOTS = [str(trusted)]
    before = timezone.now()
    with TestCase.captureOnCommitCallbacks(execute=True):
        d = decisions.seal(decision=d, user=world["author"], tenant=tenant, actor=actor(world["author"]))
    pdf = storage.open_blob(DocumentVersion.objects.for_tenant(tenant).get(document=d.document).key)
    verdict = sealing.verify(tenant=tenant, pdf=pdf)
    assert verdict.valid and verdict.timestamp is not None
    assert before - dt.timedelta(seconds=5) <= verdict.timestamp <= timezone.now() + dt.timedelta(seconds=5)

    from pyhanko.pdf_utils.reader import PdfFileReader

    signer_info = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[-1].signer_info
    unsigned = {a["type"].native: a["values"][0] for a in signer_info["unsigned_attrs"]}
    token = unsigned["signature_time_stamp_token"]  # the signature timestamp, by this authority
    tsa_cert = certificate.public_bytes(serialization.Encoding.DER)
    assert tsa_cert in {c.chosen.dump() for c in token["content"]["certificates"]}

    page = client.post("/bescheid-pruefen/", {"datei": io.BytesIO(pdf)}, HTTP_HOST=f"{tenant.slug}.testserver")
    text = page.content.decode()
    assert "Das Siegel ist gültig." in text and "Zeitstempeldienst (RFC 3161)" in text
    assert timezone.localtime(verdict.timestamp).strftime("%d.%m.%Y, %H:%M:%S") in text
