"""A contract's terms and the PDF signed never change: the database refuses it.

Once generated, a contract's terms columns (``contracts.models.TERM_FIELDS``) cannot be
updated, and a signature row cannot be updated at all; later changes are amendments.
On PostgreSQL a contract that has been signed cannot be deleted either (TRUNCATE, which
test flushing uses, stays possible for the owner). SQLite refuses the updates.
"""

from django.db import migrations

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
    "document",
    "document_sha256",
)
NEW_ROW = ", ".join(f"NEW.{c}" for c in TERM_COLUMNS)
OLD_ROW = ", ".join(f"OLD.{c}" for c in TERM_COLUMNS)

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
    IF ROW({NEW_ROW}) IS DISTINCT FROM ROW({OLD_ROW}) THEN
        RAISE EXCEPTION 'the terms of contract % cannot change; record an amendment', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contracts_contract_terms_immutable
    BEFORE UPDATE OR DELETE ON contracts_contract
    FOR EACH ROW EXECUTE FUNCTION contracts_contract_terms_immutable();

CREATE OR REPLACE FUNCTION contracts_signature_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'contract signatures cannot be changed or removed: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contracts_signature_append_only
    BEFORE UPDATE OR DELETE ON contracts_contractsignature
    FOR EACH ROW EXECUTE FUNCTION contracts_signature_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS contracts_contract_terms_immutable ON contracts_contract;
DROP FUNCTION IF EXISTS contracts_contract_terms_immutable();
DROP TRIGGER IF EXISTS contracts_signature_append_only ON contracts_contractsignature;
DROP FUNCTION IF EXISTS contracts_signature_append_only();
"""
SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in TERM_COLUMNS)
SQLITE_FORWARD = [
    f"""
CREATE TRIGGER contracts_contract_terms_immutable BEFORE UPDATE ON contracts_contract
WHEN {SQLITE_CHANGED}
BEGIN
    SELECT RAISE(ABORT, 'the terms of a contract cannot change; record an amendment');
END;
""",
    """
CREATE TRIGGER contracts_signature_no_update BEFORE UPDATE ON contracts_contractsignature
BEGIN
    SELECT RAISE(ABORT, 'contract signatures cannot be changed');
END;
""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS contracts_contract_terms_immutable;",
    "DROP TRIGGER IF EXISTS contracts_signature_no_update;",
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
    dependencies = [("contracts", "0001_trials_votes_contracts")]
    operations = [migrations.RunPython(forward, backward)]
