"""On PostgreSQL, the database itself refuses two overlapping claims on one clinician, room or
client: an exclusion constraint over (kind, ref, tstzrange(starts_at, ends_at)). It needs the
btree_gist extension for the equality parts. SQLite has no such constraint; the booking service
guarantees the same there inside a serialised write transaction."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_timeclaim
    ADD CONSTRAINT timeclaim_no_overlap
    EXCLUDE USING gist (
        kind WITH =,
        ref WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    );
"""

DROP = "ALTER TABLE scheduling_timeclaim DROP CONSTRAINT IF EXISTS timeclaim_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_appointments_series_availability_reminders_feeds")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
