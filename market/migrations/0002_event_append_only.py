"""The event log is append-only: the database itself refuses to change or remove a row.

PostgreSQL refuses UPDATE and DELETE on market_event with a trigger. (TRUNCATE stays
possible for the database owner, which test flushing needs; the production role should
not be granted TRUNCATE, see docs/deploy.md.) SQLite, the embedded development
database, refuses UPDATE; it cannot refuse DELETE without also breaking Django's
table flush in tests.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION market_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'market_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER market_event_append_only
    BEFORE UPDATE OR DELETE ON market_event
    FOR EACH ROW EXECUTE FUNCTION market_event_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS market_event_append_only ON market_event;
DROP FUNCTION IF EXISTS market_event_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER market_event_no_update BEFORE UPDATE ON market_event
BEGIN
    SELECT RAISE(ABORT, 'market_event is append-only: UPDATE refused');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS market_event_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
