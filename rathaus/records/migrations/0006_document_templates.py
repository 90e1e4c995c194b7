# Document templates (Vorlagen) of a municipality: rathaus/records/models_templates.py

import django.db.models.deletion
import django.db.models.manager
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_search"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200, verbose_name="Titel")),
                (
                    "kind",
                    models.CharField(
                        choices=[("outgoing", "Schreiben"), ("note", "Vermerk")],
                        default="outgoing",
                        max_length=20,
                        verbose_name="Art des Dokuments",
                    ),
                ),
                ("service_key", models.CharField(blank=True, max_length=14, verbose_name="LeiKa-Schlüssel")),
                ("body", models.TextField(verbose_name="Text (mit Platzhaltern)")),
                ("active", models.BooleanField(default=True, verbose_name="aktiv")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.municipality",
                        verbose_name="Kommune",
                    ),
                ),
            ],
            options={
                "verbose_name": "Dokumentvorlage",
                "verbose_name_plural": "Dokumentvorlagen",
                "ordering": ["title", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "title"), name="documenttemplate_title_unique")
                ],
            },
            managers=[
                ("all_tenants", django.db.models.manager.Manager()),
            ],
        ),
    ]
