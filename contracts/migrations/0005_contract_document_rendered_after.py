"""The contract PDF is rendered in the background just after generation (issue #6: it
took WeasyPrint 0.15–0.7 s inside the request or the simulation's day).

- ``generated_on``: the day printed on the PDF, kept so the document can be rendered later.
- A draft may wait for its document; anything past draft must have it (check constraint).
- The trigger of 0002 is replaced: the terms stay immutable, and the PDF with its SHA-256
  may be written once — from empty — and never changed after.
"""

from django.conf import settings
from django.db import migrations, models

TERM_COLUMNS = (
    "number",
    "compound_id",
    "committee_id",
    "firm_id",
    "vote_id",
    "trial_id",
    "offer_id",
    "previous_contract_id",
    "terms",
    "parties",
    "grade",
    "scope_items",
    "fee",
    "area",
    "monthly_amount",
    "collection_method",
    "term_years",
    "starts_on",
    "ends_on",
    "generated_on",
)
DOCUMENT_COLUMNS = ("document", "document_sha256")


def _row(prefix, columns):
    return ", ".join(f"{prefix}.{c}" for c in columns)


POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION contracts_contract_terms_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status NOT IN ('draft', 'cancelled') THEN
            RAISE EXCEPTION 'contract % is signed and cannot be deleted', OLD.number
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF ROW({_row("NEW", TERM_COLUMNS)}) IS DISTINCT FROM ROW({_row("OLD", TERM_COLUMNS)})
       OR (OLD.document_sha256 <> ''
           AND ROW({_row("NEW", DOCUMENT_COLUMNS)})
               IS DISTINCT FROM ROW({_row("OLD", DOCUMENT_COLUMNS)}))
    THEN
        RAISE EXCEPTION 'the terms of contract % cannot change; record an amendment', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_TERMS_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in TERM_COLUMNS)
SQLITE_DOCUMENT_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in DOCUMENT_COLUMNS)
SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS contracts_contract_terms_immutable;",
    f"""
CREATE TRIGGER contracts_contract_terms_immutable BEFORE UPDATE ON contracts_contract
WHEN {SQLITE_TERMS_CHANGED}
    OR (OLD.document_sha256 <> '' AND ({SQLITE_DOCUMENT_CHANGED}))
BEGIN
    SELECT RAISE(ABORT, 'the terms of a contract cannot change; record an amendment');
END;
""",
]


def generated_on_from_created_at(apps, schema_editor):
    from django.utils import timezone

    Contract = apps.get_model("contracts", "Contract")
    for pk, created_at in Contract.objects.filter(generated_on__isnull=True).values_list(
        "pk", "created_at"
    ):
        Contract.objects.filter(pk=pk).update(generated_on=timezone.localdate(created_at))


def replace_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        # Also restores the trigger that SQLite's table rebuilds above dropped.
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0004_handover_enforcement"),
        ("market", "0008_console_coverage_snapshot_compound_import"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Before the trigger knows the new column: filling it must not count as a change.
        migrations.RemoveConstraint(
            model_name="contract",
            name="contract_has_document_hash",
        ),
        migrations.AddField(
            model_name="contract",
            name="generated_on",
            field=models.DateField(blank=True, null=True, verbose_name="generated on"),
        ),
        migrations.RunPython(generated_on_from_created_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="contract",
            name="document",
            field=models.BinaryField(default=b"", verbose_name="contract PDF"),
        ),
        migrations.AlterField(
            model_name="contract",
            name="document_sha256",
            field=models.CharField(
                blank=True, db_index=True, max_length=64, verbose_name="SHA-256 of the PDF"
            ),
        ),
        migrations.AddConstraint(
            model_name="contract",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["draft", "cancelled"]),
                    models.Q(("document_sha256", ""), _negated=True),
                    _connector="OR",
                ),
                name="contract_has_document_hash",
            ),
        ),
        # Last: on SQLite the table rebuilds above drop the table's triggers.
        migrations.RunPython(replace_trigger, migrations.RunPython.noop),
    ]
