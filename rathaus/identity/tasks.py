"""Background work of the identity app (eager in the embedded default, Celery workers in production)."""

from __future__ import annotations

from celery import shared_task
from django.core.mail import send_mail


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_account_mail(*, subject: str, body: str, recipient: str) -> None:
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[recipient])
