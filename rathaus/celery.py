"""Celery application. In the embedded default tasks run eagerly in-process (same code path)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rathaus.settings.embedded")

app = Celery("rathaus")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
