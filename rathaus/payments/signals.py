"""Events the payments app publishes. Other apps (applications) listen; payments imports none of them."""

from django.dispatch import Signal

# Sent after the transaction that changed a payment's status committed.
# kwargs: payment (Payment, fresh from the database), old_status (str).
payment_status_changed = Signal()
