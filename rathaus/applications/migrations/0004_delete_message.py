"""The messages live in the mailbox now (0003 copied them there); the applications' table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0003_messages_to_mailbox"),
    ]

    operations = [
        migrations.DeleteModel(name="Message"),
    ]
