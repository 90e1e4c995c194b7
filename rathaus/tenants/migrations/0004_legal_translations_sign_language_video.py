from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_plugin_config"),
    ]

    operations = [
        migrations.AddField(
            model_name="municipality",
            name="legal_translations",
            field=models.JSONField(blank=True, default=dict, verbose_name="Rechtstexte in anderen Sprachen"),
        ),
        migrations.AddField(
            model_name="municipality",
            name="sign_language_video",
            field=models.URLField(blank=True, verbose_name="Video in Deutscher Gebärdensprache (Adresse)"),
        ),
    ]
