"""The messages of the applications move into the citizen mailbox (rathaus.mailbox).

Every ``applications.Message`` becomes a ``mailbox.Message`` in the thread of its application: reference
``application:<number>``, recipient the applicant, subject the service's name (the number if it has none),
created when the thread's first message was written, in the application's municipality. Body, files, sender,
side (``from_office``), times and read state are copied as they are; the order of the messages is kept
(copied in the order of their keys). Applications without messages get no thread: the mailbox opens one with
the first message.

The copy lives here, in the app that gives the messages up, so the mailbox's own migrations never depend on
applications. Reversible: going back copies the messages of ``application:`` threads back onto their
application and deletes those threads (threads of other references stay).
"""

from django.db import migrations
from django.db.models import Min

PREFIX = "application:"
BATCH = 1000


def messages_to_mailbox(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not always "default"
    OldMessage = apps.get_model("applications", "Message")
    Thread = apps.get_model("mailbox", "Thread")
    Message = apps.get_model("mailbox", "Message")
    first_at = dict(
        OldMessage._base_manager.db_manager(db).order_by().values_list("application_id").annotate(first=Min("created_at"))
    )
    threads = {}  # application id -> thread id
    batch = []
    rows = OldMessage._base_manager.db_manager(db).select_related("application__service").order_by("pk")
    for old in rows.iterator(chunk_size=BATCH):
        application = old.application
        if application.pk not in threads:
            reference = f"{PREFIX}{application.number}"
            thread = Thread._base_manager.db_manager(db).filter(tenant_id=application.tenant_id, reference=reference).first()
            if thread is None:
                thread = Thread._base_manager.db_manager(db).create(
                    tenant_id=application.tenant_id,
                    reference=reference,
                    recipient_id=application.applicant_id,
                    subject=(application.service.name or application.number)[:200],
                    created_at=first_at[application.pk],
                )
            threads[application.pk] = thread.pk
        batch.append(
            Message(
                tenant_id=old.tenant_id,
                thread_id=threads[application.pk],
                sender_id=old.sender_id,
                from_office=old.from_office,
                body=old.body,
                attachments=old.attachments,
                created_at=old.created_at,
                read_at=old.read_at,
            )
        )
        if len(batch) >= BATCH:
            Message._base_manager.db_manager(db).bulk_create(batch)
            batch = []
    Message._base_manager.db_manager(db).bulk_create(batch)


def mailbox_to_messages(apps, schema_editor):
    db = schema_editor.connection.alias  # the database being migrated, not always "default"
    OldMessage = apps.get_model("applications", "Message")
    Application = apps.get_model("applications", "Application")
    Thread = apps.get_model("mailbox", "Thread")
    Message = apps.get_model("mailbox", "Message")
    applications = {}  # thread id -> application id
    for thread in Thread._base_manager.db_manager(db).filter(reference__startswith=PREFIX).order_by("pk").iterator():
        number = thread.reference[len(PREFIX) :]
        application = Application._base_manager.db_manager(db).filter(tenant_id=thread.tenant_id, number=number).first()
        if application is not None:
            applications[thread.pk] = application.pk
    batch = []
    rows = Message._base_manager.db_manager(db).filter(thread__reference__startswith=PREFIX).order_by("pk")
    for message in rows.iterator(chunk_size=BATCH):
        if message.thread_id not in applications:
            continue  # no such application (any more): the thread stays in the mailbox
        batch.append(
            OldMessage(
                tenant_id=message.tenant_id,
                application_id=applications[message.thread_id],
                sender_id=message.sender_id,
                from_office=message.from_office,
                body=message.body,
                attachments=message.attachments,
                created_at=message.created_at,
                read_at=message.read_at,
            )
        )
        if len(batch) >= BATCH:
            OldMessage._base_manager.db_manager(db).bulk_create(batch)
            batch = []
    OldMessage._base_manager.db_manager(db).bulk_create(batch)
    moved = list(applications)
    for start in range(0, len(moved), 500):  # few parameters per statement, for SQLite
        chunk = moved[start : start + 500]
        Message._base_manager.db_manager(db).filter(thread_id__in=chunk).delete()
        Thread._base_manager.db_manager(db).filter(pk__in=chunk).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_outbox_to_core_events"),
        ("mailbox", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(messages_to_mailbox, mailbox_to_messages),
    ]
