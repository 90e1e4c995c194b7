"""Two municipalities with everything citizens, offices and the Stadtkasse produce, for the isolation tests.

Both towns are built through the same services in the same order, so their application numbers are the same
(``A-<year>-000001`` …): a lookup by number that forgets the municipality finds the other town's row. The
second town (B) gets one application more, so some of its numbers exist nowhere else. Everything of B
carries :data:`MARKER`, so a response that shows B's data is recognisable by that word, and
:func:`owned_rows` snapshots every row B owns, so a test can prove that a request changed none of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import RequestFactory, TestCase
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from rathaus.applications import services as applications
from rathaus.applications.models import Application, Attachment, Draft, OnlineApplicants, TargetGroup
from rathaus.applications.tests.conftest import HUND_FORM
from rathaus.attachments import storage
from rathaus.catalog.tests.factories import FeeFactory, LifeSituationFactory, ServiceFactory
from rathaus.identity.models import Organisation, OrganisationRepresentative, StaffRole, User
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory, StaffFactory
from rathaus.mailbox import selectors as mailbox
from rathaus.mailbox.models import Message
from rathaus.payments import services as payments
from rathaus.payments.models import Payment
from rathaus.payments.providers.base import payer_token
from rathaus.payments.providers.demo import OUTCOME_PAID
from rathaus.steering import projects as steering_projects
from rathaus.steering import reports as steering_reports
from rathaus.steering import services as steering_services
from rathaus.steering.maturity import CRITERION_KEYS
from rathaus.tenants.models import Municipality
from rathaus.tenants.tests.factories import OrgUnitFactory

MARKER = "betageheim"
ALL_ROLES = [r.value for r in StaffRole.Role]


def pdf_with(text: str) -> bytes:
    """A valid one-page PDF whose bytes contain ``text`` readably (in its metadata)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": f"Nachweis {text}"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def readable(body: bytes) -> bytes:
    """What a recipient can read in a response body: for a PDF (receipts are compressed) add its text and metadata."""
    if body.startswith(b"%PDF"):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        body += " ".join([page.extract_text() for page in reader.pages] + [str(reader.metadata)]).encode()
    return body


def png_of(tag: str) -> bytes:
    """A small PNG in a colour of its own per ``tag`` (images are re-encoded on upload, so text would not survive)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), tuple(hashlib.sha256(tag.encode()).digest()[:3])).save(buffer, format="PNG")
    return buffer.getvalue()


def build_town(tenant: Municipality, tag: str, *, extra_application: bool = False) -> dict[str, Any]:
    """Catalogue, accounts with second factors, and applications in every state, all named after ``tag``.

    Needs the ``fake_scanner`` fixture (uploads go through the real checks). Applications, in this order:
    ``paid`` (fee paid through the demo provider, so forwarded to the office, with messages and files both
    ways and a status change), ``waiting`` (fee open, not forwarded), with ``extra_application`` also
    ``pending`` (payment at the provider) and ``business`` (an organisation's application, submitted by its
    representative through a business login, with a message and an open fee). Plus an open draft with a file
    and a payment without payer account.
    """
    unit = OrgUnitFactory(tenant=tenant, key=f"FB-{tag}", name=f"Fachbereich {tag}")
    situation = LifeSituationFactory(tenant=tenant, slug=f"{tag}-lage", name=f"Lebenslage {tag}")
    service = ServiceFactory(
        tenant=tenant, org_unit=unit, slug=f"{tag}-dienst", name=f"Dienst {tag}", short_description=f"Kurz {tag}",
        keywords=[f"{tag}wort"], trust_level="none",
    )  # fmt: skip
    service.life_situations.add(situation)
    FeeFactory(service=service, label=f"Gebühr {tag}")
    provider = IdentityProviderFactory(tenant=tenant, slug=f"{tag}-idp", name=f"Konto {tag}")
    citizen = CitizenFactory(tenant=tenant, email=f"buerger@{tag}.example", first_name=tag, last_name=tag)
    staff = StaffFactory(tenant=tenant, email=f"amt@{tag}.example", last_name=tag, roles=ALL_ROLES)
    key = WebAuthnCredential.objects.create(
        user=staff, name=f"Schlüssel {tag}", credential_id=hashlib.sha256(tag.encode()).digest(),
        public_key=b"\xa5" + tag.encode(), confirmed=True,
    )  # fmt: skip
    backup_codes = StaticDevice.objects.create(user=staff, name=f"Notfallcodes {tag}", confirmed=True)
    form = applications.publish_form(service=service, definition=HUND_FORM)
    OnlineApplicants.objects.create(tenant=tenant, service=service, target_group=TargetGroup.EVERYONE)
    town: dict[str, Any] = {
        "tag": tag, "tenant": tenant, "unit": unit, "situation": situation, "service": service,
        "provider": provider, "citizen": citizen, "staff": staff, "key": key, "backup_codes": backup_codes,
        "totp": TOTPDevice.objects.get(user=staff), "form": form,
    }  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):  # payment events reach the applications after commit
        town["paid"] = _submitted(town)
        town["waiting"] = _submitted(town)
        town["pending"] = _submitted(town) if extra_application else None
        town["paid_payment"] = _fee(town, town["paid"])
        payments.record_demo_outcome(payment=town["paid_payment"], outcome=OUTCOME_PAID)
        payments.refresh_status(payment=town["paid_payment"])
        town["open_payment"] = _fee(town, town["waiting"])
        if extra_application:
            town["pending_payment"] = _fee(town, town["pending"])
            payments.begin_redirect(payment=town["pending_payment"], request=RequestFactory().get("/"))
        town["anonymous_payment"] = payments.start_payment(
            tenant=tenant, reference=f"G-{tag}", purpose=f"Gebühr ohne Konto {tag}", amount=Decimal("12.50"),
            lines=[], payer=None, return_url="/",
        )  # fmt: skip
        _correspondence(town)
        town["business"] = _business(town) if extra_application else None
    for name in ("paid", "waiting", "pending", "business"):
        if town[name] is not None:
            town[name].refresh_from_db()
    # The world is built through the real payment → application path; if that path is broken, say so here.
    paid, waiting = town["paid"], town["waiting"]
    assert (paid.payment_state, paid.forwarded_at is not None) == ("paid", True), f"{tag}: paying did not forward"
    assert (waiting.payment_state, waiting.forwarded_at) == ("open", None), f"{tag}: unpaid application changed"
    town["token"] = payer_token(town["anonymous_payment"])
    town["draft"] = _draft(town, step="hunde")
    town["numbers"] = [a.number for a in (town["paid"], town["waiting"], town["pending"], town["business"]) if a]
    town["payments"] = list(Payment.objects.for_tenant(tenant).order_by("pk"))
    town["sha256s"] = sorted(_blob_refs(town))
    town.update(_steering(town))
    return town


def _steering(town: dict[str, Any]) -> dict[str, Any]:
    """The steering module's objects: a process, a project (the citizen invited, with a comment), a board
    decision, a maturity assessment and a draft report, all named after the town."""
    tenant, tag, staff = town["tenant"], town["tag"], town["staff"]
    steering_projects.save_action_field(tenant=tenant, raw={"key": f"{tag}-feld", "name": f"Feld {tag}"})
    process = steering_services.save_process(
        tenant=tenant, actor=staff, allowed_units={town["unit"].key: town["unit"].pk},
        raw={"key": f"{tag}-P1", "name": f"Prozess {tag}", "org_unit": town["unit"].key, "process_type": "service",
             "deficits": f"Defizit {tag}", "services": [town["service"].leika_key], "cases_per_year": "10"},
    )  # fmt: skip
    project = steering_projects.save_project(
        tenant=tenant, raw={"name": f"Projekt {tag}", "action_field": f"{tag}-feld", "owner": str(staff.pk),
                            "description": f"Beschreibung {tag}"},
        lists={"processes": [str(process.uuid)], "services": [town["service"].leika_key]},
    )  # fmt: skip
    steering_projects.set_budget(tenant=tenant, project=project, raw={"year": "2026", "planned_teur": "10"})
    steering_projects.add_milestone(
        tenant=tenant, project=project, raw={"title": f"Meilenstein {tag}", "due_on": "2026-12-31"}
    )
    steering_projects.invite(tenant=tenant, project=project, email=town["citizen"].email, actor=staff)
    steering_projects.comment(tenant=tenant, project=project, author=town["citizen"], body=f"Kommentar {tag}")
    resolution = steering_services.record_decision(
        tenant=tenant, actor=staff, decided_on=dt.date(2026, 6, 30), note=f"Beschluss {tag}", today=dt.date(2026, 6, 30)
    )
    steering_services.assess_maturity(
        tenant=tenant, actor=staff, service_id=town["service"].pk, raw=dict.fromkeys(CRITERION_KEYS, "2"),
        note=f"Bewertung {tag}", assessed_on=dt.date(2026, 6, 30),
    )  # fmt: skip
    report = steering_reports.create_report(  # a draft of the half-yearly report (the figures frozen in it)
        tenant=tenant, actor=staff, raw={"start": "2026-01-01", "end": "2026-06-30", "title": f"Bericht {tag}"}
    )
    return {"process": process, "project": project, "resolution": resolution, "report": report}


def _draft(town: dict[str, Any], *, step: str) -> Any:
    draft = applications.start_draft(
        tenant=town["tenant"], service=town["service"], owner=town["citizen"], form_version=town["form"]
    )
    tag = town["tag"]
    applications.save_step(
        draft=draft, step_id="halter", data={"halter.person.vorname": tag, "halter.person.nachname": tag}
    )
    if step == "hunde":
        # A file of its own per draft: every application's proof has its own content hash.
        upload = SimpleUploadedFile(f"{tag}.pdf", pdf_with(f"{tag} {draft.uuid}"), content_type="application/pdf")
        applications.save_step(
            draft=draft,
            step_id="hunde",
            data={"hunde.hund.0.name": f"Hund {tag}"},
            uploads={"hunde.nachweis.datei": upload},
        )
    return draft


def _submitted(town: dict[str, Any]) -> Application:
    draft = _draft(town, step="hunde")
    assert draft.files, "the proof was not accepted"
    return applications.submit(draft_uuid=draft.uuid, tenant=town["tenant"], actor=town["citizen"], trust_level="high")


def _business(town: dict[str, Any]) -> Application:
    """An organisation (Mein Unternehmenskonto) with a representative: its application, message and open fee."""
    tenant, tag = town["tenant"], town["tag"]
    organisation = Organisation.objects.create(
        tenant=tenant, provider=town["provider"], identifier=f"org-{tag}", name=f"Firma {tag} GmbH",
        register_number=f"HRB {tag}", city=f"Ort {tag}",
    )  # fmt: skip
    clerk: Any = CitizenFactory(
        tenant=tenant, kind=User.Kind.BUSINESS, email=f"firma@{tag}.example", first_name=tag, last_name=tag
    )
    OrganisationRepresentative.objects.create(tenant=tenant, organisation=organisation, user=clerk)
    draft = applications.start_draft(
        tenant=tenant, service=town["service"], owner=clerk, form_version=town["form"], organisation_id=organisation.pk
    )
    applications.save_step(
        draft=draft, step_id="halter", data={"halter.person.vorname": tag, "halter.person.nachname": tag}
    )
    applications.save_step(draft=draft, step_id="hunde", data={"hunde.hund.0.name": f"Firmenhund {tag}"})
    application = applications.submit(
        draft_uuid=draft.uuid, tenant=tenant, actor=clerk, trust_level="substantial", organisation_id=organisation.pk
    )
    applications.send_message(application=application, sender=clerk, body=f"Frage der Firma {tag}", from_office=False)
    town["organisation"], town["business_payment"] = organisation, payments.start_payment(
        tenant=tenant, reference=application.number, purpose=f"{application.number} Firma {tag}",
        amount=application.fee_total, lines=[], payer=clerk, organisation_id=organisation.pk,
        return_url=f"/antraege/{application.number}/",
    )  # fmt: skip
    return application


def _fee(town: dict[str, Any], application: Application) -> Payment:
    return payments.start_payment(
        tenant=town["tenant"], reference=application.number, purpose=f"{application.number} Dienst {town['tag']}",
        amount=application.fee_total, lines=[], payer=town["citizen"], return_url=f"/antraege/{application.number}/",
    )  # fmt: skip


def _correspondence(town: dict[str, Any]) -> None:
    tag, citizen, staff = town["tag"], town["citizen"], town["staff"]
    question = SimpleUploadedFile(f"frage-{tag}.pdf", pdf_with(f"Frage {tag}"), content_type="application/pdf")
    answer = SimpleUploadedFile(f"antwort-{tag}.png", png_of(tag), content_type="image/png")
    paid = town["paid"]
    applications.send_message(
        application=paid, sender=citizen, body=f"Frage von {tag}", from_office=False, uploads=[question]
    )
    applications.send_message(
        application=paid, sender=staff, body=f"Antwort an {tag}", from_office=True, uploads=[answer]
    )
    applications.change_status(
        application=paid, status=Application.Status.IN_PROGRESS, actor=staff, note=f"Prüfung {tag}"
    )
    applications.send_message(
        application=town["waiting"], sender=citizen, body=f"Wann geht es los, {tag}?", from_office=False
    )


def _blob_refs(town: dict[str, Any]) -> set[str]:
    """Content hashes of every file of the town: application attachments, message files, the draft's file."""
    shas: set[str] = set()
    for name in ("paid", "waiting", "pending", "business"):
        application = town[name]
        if application is None:
            continue
        shas.update(application.attachments.values_list("sha256", flat=True))
        for message in mailbox.messages(application.tenant_id, application.mailbox_reference):
            shas.update(ref["sha256"] for ref in message.attachments)
    shas.update(ref["sha256"] for ref in town["draft"].files.values())
    return shas


# --------------------------------------------------------------------------- what a municipality owns


def _direct_owner(model: type[models.Model]) -> str | None:
    if model is Municipality:
        return "pk"
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is Municipality:
            return str(field.name)
    return None


def owner_lookup(model: type[models.Model]) -> str | None:
    """The lookup that finds one municipality's rows of ``model`` (``filter(**{lookup: pk})``), or None.

    Directly (a foreign key to Municipality: every ``TenantOwned`` model, accounts, domains) or one step
    away (fees through their service, second factors through their account, many-to-many rows).
    """
    lookup = _direct_owner(model)
    if lookup is not None:
        return lookup
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is not None and field.related_model is not Municipality:
            parent = _direct_owner(field.related_model)
            if parent is not None:
                return f"{field.name}__{parent}"
    return None


def _owned_models() -> list[tuple[type[models.Model], str]]:
    found = [(model, owner_lookup(model)) for model in apps.get_models(include_auto_created=True)]
    return [(model, lookup) for model, lookup in found if lookup is not None]


def owned_tables() -> set[str]:
    """Database tables holding rows that belong to a municipality."""
    return {model._meta.db_table for model, _lookup in _owned_models()}


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def owned_rows(tenant: Municipality) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every row the municipality owns (table → pk → column → value), plus the bytes behind its files."""
    snapshot: dict[str, dict[Any, dict[str, Any]]] = {}
    for model, lookup in _owned_models():
        columns = [f.attname for f in model._meta.concrete_fields]
        rows = model._base_manager.filter(**{lookup: tenant.pk}).values_list("pk", *columns)
        snapshot[model._meta.label] = {row[0]: dict(zip(columns, map(_plain, row[1:]), strict=True)) for row in rows}
    keys = set(Attachment._base_manager.filter(tenant=tenant).values_list("key", flat=True))
    for refs in Message._base_manager.filter(tenant=tenant).values_list("attachments", flat=True):
        keys.update(ref["key"] for ref in refs)
    for files in Draft._base_manager.filter(tenant=tenant).values_list("files", flat=True):
        keys.update(ref["key"] for ref in files.values())
    snapshot["blobs"] = {key: {"sha256": _blob_hash(key)} for key in keys}
    return snapshot


def _blob_hash(key: str) -> str:
    try:
        return hashlib.sha256(storage.open_blob(key)).hexdigest()
    except (FileNotFoundError, storage.BlobCorrupted) as exc:
        return f"unreadable: {exc!r}"


def changes(before: dict[str, dict[Any, Any]], after: dict[str, dict[Any, Any]]) -> dict[str, Any]:
    """Per table: the rows that went, came, and the columns that changed (a readable assertion message)."""
    diff: dict[str, Any] = {}
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, {}), after.get(label, {})
        changed = {
            pk: {col: (value, new[pk].get(col)) for col, value in row.items() if new[pk].get(col) != value}
            for pk, row in old.items()
            if pk in new and new[pk] != row
        }
        gone, came = sorted(set(old) - set(new), key=str), sorted(set(new) - set(old), key=str)
        if gone or came or changed:
            diff[label] = {"gone": gone, "new": came, "changed": changed}
    return diff
