from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.demo.management.guard import refuse_in_production


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo staff account (embedded mode only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("municipality", help="slug of the municipality, or - for a platform operator")
        parser.add_argument("email")

    def handle(self, *args: Any, municipality: str, email: str, **options: Any) -> None:
        refuse_in_production("Nur im eingebetteten Demo-Betrieb.")
        devices = TOTPDevice.objects.filter(user__email=email.lower(), confirmed=True)
        if municipality == "-":
            devices = devices.filter(user__tenant__isnull=True)
        else:
            devices = devices.filter(user__tenant__slug=municipality)
        device = devices.first()
        if device is None:
            raise CommandError("Kein bestätigter zweiter Faktor für dieses Konto.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
