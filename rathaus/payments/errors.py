"""Payment errors: subclasses of the project's domain errors, so pages and the API map them once."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rathaus.core.errors import DomainError


class PaymentProviderUnavailable(DomainError):
    """The provider could not be asked (timeout, 5xx, not configured). Nothing about the payment changed."""

    status = 503
    code = "payment-provider-unavailable"
    title = _("Der Zahlungsanbieter ist gerade nicht erreichbar")


class PaymentNotPayable(DomainError):
    status = 409
    code = "payment-not-payable"
    title = _("Diese Zahlung kann nicht (mehr) bezahlt werden")
