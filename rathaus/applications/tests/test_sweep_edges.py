"""The nightly sweep as the applications app runs it: which blobs count as referenced, what goes, how much.

Blob keys of attachments (every municipality), of files kept in drafts (a draft's ``files`` maps a field to the
stored reference), and of mailbox messages are referenced; a blob nobody points to goes once it is older than the
minimum age, and so do temporary files a crash left behind. The sweep reports each count.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import types
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rathaus.applications import services
from rathaus.applications.models import Attachment, Draft, FormVersion
from rathaus.applications.tests.conftest import HUND_FORM
from rathaus.attachments import storage
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.usefixtures("fake_scanner")

NOW = 1_750_000_000
HOUR = 3600
ANSWERS = {"halter": {"person": {"vorname": "Mia", "nachname": "Mustermann"}}, "hunde": {"hund": [{"name": "Bo"}]}}


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(storage, "time", types.SimpleNamespace(time=lambda: float(NOW)))
    return NOW


def _blob(root: Path, text: str, *, age: int) -> str:
    data = text.encode()
    key = storage.store(data, hashlib.sha256(data).hexdigest())
    os.utime(root / key, (NOW - age, NOW - age))
    return key


def _temp(root: Path, name: str, *, age: int) -> Path:
    path = root / storage.PREFIX / "ab" / f"{storage.TEMP_PREFIX}{name}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"partial upload")
    os.utime(path, (NOW - age, NOW - age))
    return path


def _form(tenant: Any, slug: str) -> FormVersion:
    service = ServiceFactory(tenant=tenant, slug=slug, name="Hund anmelden", trust_level="low")
    return services.publish_form(service=service, definition={**HUND_FORM, "id": slug})


def _attachment(tenant: Any, form: FormVersion, key: str) -> Attachment:
    citizen = CitizenFactory(tenant=tenant)
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    return Attachment.objects.create(
        tenant=tenant,
        application=application,
        field="hunde.nachweis.datei",
        name="nachweis.pdf",
        content_type="application/pdf",
        size=10,
        sha256=key.rsplit("/", 1)[-1],
        key=key,
    )


def _draft_with_files(tenant: Any, form: FormVersion, files: dict[str, Any], *, expired: bool = False) -> Draft:
    draft = Draft.objects.create(
        tenant=tenant, owner=CitizenFactory(tenant=tenant), form_version=form, answers=ANSWERS, files=files
    )
    if expired:
        Draft.objects.unscoped().filter(pk=draft.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    return draft


def test_referenced_keys_are_attachments_and_draft_files_of_every_municipality(
    tenant: Any, other_tenant: Any, media: Path, frozen_clock: int
) -> None:
    form_a, form_b = _form(tenant, "hund-a"), _form(other_tenant, "hund-b")
    attached_a = _blob(media, "attached in A", age=2 * HOUR)
    attached_b = _blob(media, "attached in B", age=2 * HOUR)
    drafted_b = _blob(media, "kept in a draft in B", age=2 * HOUR)
    _attachment(tenant, form_a, attached_a)
    _attachment(other_tenant, form_b, attached_b)
    _draft_with_files(other_tenant, form_b, {"hunde.nachweis.datei": {"key": drafted_b, "name": "n.pdf"}})
    # Not references: a value that is no stored reference, a reference without a key, a draft without files.
    _draft_with_files(tenant, form_a, {"hunde.nachweis.datei": drafted_b + "-not-a-dict"})
    _draft_with_files(tenant, form_a, {"hunde.nachweis.datei": {"name": "ohne-schluessel.pdf"}})
    _draft_with_files(tenant, form_a, {})

    keys = services.referenced_blob_keys()

    assert {attached_a, attached_b, drafted_b} <= keys
    assert all(isinstance(key, str) for key in keys), keys
    assert drafted_b + "-not-a-dict" not in keys
    assert keys - {attached_a, attached_b, drafted_b} == {""}, keys  # the keyless reference counts as ""


def test_the_sweep_removes_expired_drafts_old_orphans_and_stale_temp_files_and_counts_each(
    tenant: Any, other_tenant: Any, media: Path, frozen_clock: int
) -> None:
    form_a, form_b = _form(tenant, "hund-a"), _form(other_tenant, "hund-b")
    attached = _blob(media, "attached", age=2 * HOUR)
    drafted = _blob(media, "kept in a live draft", age=2 * HOUR)
    in_expired_draft = _blob(media, "kept only by an expired draft", age=2 * HOUR)
    old_orphan = _blob(media, "nobody points here", age=2 * HOUR)
    young_orphan = _blob(media, "an upload whose row is not committed yet", age=60)
    _attachment(tenant, form_a, attached)
    live = _draft_with_files(other_tenant, form_b, {"f": {"key": drafted}})
    expired = _draft_with_files(tenant, form_a, {"f": {"key": in_expired_draft}}, expired=True)
    stale_temp = _temp(media, "stale", age=2 * HOUR)
    fresh_temp = _temp(media, "fresh", age=60)

    counts = services.sweep(min_age_seconds=HOUR)

    assert counts == {"drafts": 1, "blobs": 2, "temp_files": 1}
    assert not Draft.objects.unscoped().filter(pk=expired.pk).exists()
    assert Draft.objects.unscoped().filter(pk=live.pk).exists()
    for key in (attached, drafted, young_orphan):
        assert (media / key).exists(), key
    for key in (in_expired_draft, old_orphan):
        assert not (media / key).exists(), key
    assert not stale_temp.exists()
    assert fresh_temp.exists()


def test_the_sweep_passes_its_minimum_age_to_the_temp_files_too(tenant: Any, media: Path, frozen_clock: int) -> None:
    temp = _temp(media, "ten-minutes", age=600)

    assert services.sweep(min_age_seconds=3 * HOUR)["temp_files"] == 0
    assert temp.exists()
    assert services.sweep(min_age_seconds=300)["temp_files"] == 1
    assert not temp.exists()


def test_by_default_the_sweep_takes_what_is_an_hour_old_and_leaves_what_is_younger(
    tenant: Any, media: Path, frozen_clock: int
) -> None:
    hour_old = _temp(media, "hour-old", age=HOUR)
    younger = _temp(media, "younger", age=HOUR - 1)

    assert services.sweep()["temp_files"] == 1
    assert not hour_old.exists() and younger.exists()
