"""Fee schedules: one open draft per district, and approved versions never change.

DOMAIN: "A schedule version is immutable once approved". The services refuse and the
models refuse (``ApprovedFeeScheduleChanged``); here the database refuses too.

PostgreSQL refuses UPDATE (that changes anything) and DELETE of an approved
``market_feeschedule`` row and of any ``market_feegrade`` row of an approved schedule.
Approving a draft is an UPDATE of a row whose old status is 'draft', so it passes.
(TRUNCATE, which test flushing uses, stays possible, as for the event log.) SQLite, the
development database, refuses UPDATE only; refusing DELETE would break Django's flush.
"""

from django.db import migrations, models

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION market_feeschedule_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'approved' AND (TG_OP = 'DELETE' OR NEW IS DISTINCT FROM OLD) THEN
        RAISE EXCEPTION 'fee schedule % is approved and immutable: % refused', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER market_feeschedule_immutable
    BEFORE UPDATE OR DELETE ON market_feeschedule
    FOR EACH ROW EXECUTE FUNCTION market_feeschedule_immutable();

CREATE OR REPLACE FUNCTION market_feegrade_immutable() RETURNS trigger AS $$
BEGIN
    IF (TG_OP = 'DELETE' OR NEW IS DISTINCT FROM OLD) AND EXISTS (
        SELECT 1 FROM market_feeschedule s
        WHERE s.status = 'approved'
          AND (s.id = OLD.schedule_id OR (TG_OP = 'UPDATE' AND s.id = NEW.schedule_id))
    ) THEN
        RAISE EXCEPTION 'fee grade % belongs to an approved fee schedule: % refused',
            OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER market_feegrade_immutable
    BEFORE UPDATE OR DELETE ON market_feegrade
    FOR EACH ROW EXECUTE FUNCTION market_feegrade_immutable();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS market_feegrade_immutable ON market_feegrade;
DROP FUNCTION IF EXISTS market_feegrade_immutable();
DROP TRIGGER IF EXISTS market_feeschedule_immutable ON market_feeschedule;
DROP FUNCTION IF EXISTS market_feeschedule_immutable();
"""
SQLITE_FORWARD = [
    """
CREATE TRIGGER market_feeschedule_no_update BEFORE UPDATE ON market_feeschedule
WHEN OLD.status = 'approved'
BEGIN
    SELECT RAISE(ABORT, 'fee schedule is approved and immutable: UPDATE refused');
END;
""",
    """
CREATE TRIGGER market_feegrade_no_update BEFORE UPDATE ON market_feegrade
WHEN EXISTS (
    SELECT 1 FROM market_feeschedule s
    WHERE s.status = 'approved' AND s.id IN (OLD.schedule_id, NEW.schedule_id)
)
BEGIN
    SELECT RAISE(ABORT, 'fee grade belongs to an approved fee schedule: UPDATE refused');
END;
""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS market_feegrade_no_update;",
    "DROP TRIGGER IF EXISTS market_feeschedule_no_update;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("market", "0005_offer_search_index")]
    operations = [
        migrations.AddConstraint(
            model_name="feeschedule",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "draft")),
                fields=("district",),
                name="fee_schedule_one_draft",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
