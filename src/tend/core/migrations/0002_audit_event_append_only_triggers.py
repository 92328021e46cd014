"""The database itself refuses to change or remove audit events.

Triggers on core_auditevent abort every UPDATE and DELETE, on SQLite and PostgreSQL, so no code
path (ORM, raw SQL, a shell) can rewrite history short of dropping the trigger, which needs
schema rights the application does not use at run time.
"""

from django.db import migrations

MESSAGE = "Audit events are append-only: they cannot be updated or deleted."

SQLITE_FORWARD = [
    f"""CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
]

POSTGRESQL_FORWARD = [
    f"""CREATE OR REPLACE FUNCTION core_auditevent_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse_change()""",
    """CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_refuse_change()""",
]
POSTGRESQL_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update ON core_auditevent",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete ON core_auditevent",
    "DROP FUNCTION IF EXISTS core_auditevent_refuse_change()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_BACKWARD),
}


def _run(schema_editor, direction):
    vendor = schema_editor.connection.vendor
    if vendor not in STATEMENTS:
        raise RuntimeError(f"Tend supports SQLite and PostgreSQL, not {vendor}.")
    for statement in STATEMENTS[vendor][direction]:
        schema_editor.execute(statement, params=None)


def install(apps, schema_editor):
    _run(schema_editor, 0)


def remove(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
