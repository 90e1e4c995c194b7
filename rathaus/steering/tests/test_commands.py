"""The steering commands' ``--tenant``: a municipality's short name, or all; an unknown one is refused."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("command", ["steering_backfill", "steering_month_totals"])
def test_an_unknown_municipality_is_refused_by_name(command: str) -> None:
    with pytest.raises(CommandError, match="Keine Kommune mit dem Kürzel 'nirgendwo'"):
        call_command(command, "--tenant", "nirgendwo")


@pytest.mark.parametrize("command", ["steering_backfill", "steering_month_totals"])
def test_a_known_municipality_or_all(command: str, tenant: Any) -> None:
    for args in (["--tenant", tenant.slug], []):
        out = StringIO()
        call_command(command, *args, stdout=out)
        assert out.getvalue().strip()
