"""The applications' own outbox (OutboxEvent) gives way to the platform's durable events (core.Event).

Every outbox row is copied into core.Event with the same tenant, kind, payload and time; the subject is the
application's number. The copies get no delivery rows: what they announced has happened (``forwarded_at``
is set on the application), and nothing ever consumed the old outbox. Reversible: going back recreates the
table and copies the ``application.*`` events back (payment events have no place there and stay).
"""

from django.db import migrations


def outbox_to_events(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not always "default"
    OutboxEvent = apps.get_model("applications", "OutboxEvent")
    Event = apps.get_model("core", "Event")
    rows = OutboxEvent._base_manager.db_manager(db).select_related("application").order_by("pk")
    batch = []
    for row in rows.iterator(chunk_size=1000):
        batch.append(
            Event(
                tenant_id=row.tenant_id,
                kind=row.kind,
                subject=row.application.number,
                payload=row.payload,
                created_at=row.created_at,
            )
        )
        if len(batch) >= 1000:
            Event._base_manager.db_manager(db).bulk_create(batch)
            batch = []
    Event._base_manager.db_manager(db).bulk_create(batch)


def events_to_outbox(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not always "default"
    OutboxEvent = apps.get_model("applications", "OutboxEvent")
    Event = apps.get_model("core", "Event")
    Application = apps.get_model("applications", "Application")
    events = Event._base_manager.db_manager(db).filter(kind__startswith="application.").order_by("pk")
    for event in events.iterator(chunk_size=1000):
        application = Application._base_manager.db_manager(db).filter(tenant_id=event.tenant_id, number=event.subject).first()
        if application is not None:
            OutboxEvent._base_manager.db_manager(db).create(
                tenant_id=event.tenant_id,
                application=application,
                kind=event.kind,
                payload=event.payload,
                created_at=event.created_at,
            )
    events.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_initial"),
        ("core", "0001_events"),
    ]

    operations = [
        migrations.RunPython(outbox_to_events, events_to_outbox),
        migrations.DeleteModel(name="OutboxEvent"),
    ]
