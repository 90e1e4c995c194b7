from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from rathaus.identity.tests.factories import CitizenFactory

from .fake_epaybl import SECRET, SECRET_ENV, FakePlatform, epaybl_options


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
def platform(tenant: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePlatform]:
    """A fake ePayBL platform, configured (and switched on) as municipality alpha's payment provider."""
    from rathaus.tenants.services import save_plugin_config

    fake = FakePlatform().start()
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    save_plugin_config(
        tenant=tenant, kind="payment", plugin_id="epaybl", options=epaybl_options(fake.url), enabled=True, actor=None
    )
    yield fake
    fake.stop()
