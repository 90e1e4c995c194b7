from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from rathaus.core.testing import CitizenFactory

from .fake_epaybl import MERCHANT, SECRET, FakePlatform


@pytest.fixture
def citizen(tenant: Any) -> Any:
    return CitizenFactory(tenant=tenant, email="anna@alpha.example", first_name="Anna", last_name="Alpha")


@pytest.fixture
def make_payment(tenant: Any, citizen: Any) -> Any:
    from rathaus.payments import services

    counter = iter(range(1, 10_000))

    def make(**overrides: Any) -> Any:
        values: dict[str, Any] = {
            "tenant": tenant,
            "reference": f"A-2026-{next(counter):06d}",
            "purpose": "Gebühr Anwohnerparkausweis",
            "amount": Decimal("30.50"),
            "lines": [
                {"label": "Verwaltungsgebühr", "amount": Decimal("25.00")},
                {"label": "Ausweis", "amount": "5.50"},
            ],
            "payer": citizen,
            "return_url": "/antraege/A-2026-000001/",
        }
        values.update(overrides)
        return services.start_payment(**values)

    return make


@pytest.fixture
def platform(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlatform]:
    fake = FakePlatform().start()
    settings.RATHAUS_PAYMENT_PROVIDER = "epaybl"
    settings.RATHAUS_EPAYBL_URL = fake.url
    settings.RATHAUS_EPAYBL_MERCHANT_ID = MERCHANT
    settings.RATHAUS_EPAYBL_SECRET_ENV = "TEST_EPAYBL_SECRET"
    settings.RATHAUS_EPAYBL_TIMEOUT = 0.5
    settings.RATHAUS_EPAYBL_HAUSHALTSSTELLE = "1.1100.100"
    settings.RATHAUS_EPAYBL_OBJEKTNUMMER = "4711"
    monkeypatch.setenv("TEST_EPAYBL_SECRET", SECRET)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    yield fake
    fake.stop()
