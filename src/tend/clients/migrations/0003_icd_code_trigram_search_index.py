"""On PostgreSQL, a trigram index so the code picker's `LIKE '%word%'` searches of the 98k
ICD-10-CM titles use an index instead of reading the table. SQLite has no trigram indexes; its
scan of the table stays within a few tens of milliseconds (see tend.clients.icd)."""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS clients_icdcode_search_trgm "
        "ON clients_icdcode USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS clients_icdcode_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_load_icd_10_cm_codes")]
    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
