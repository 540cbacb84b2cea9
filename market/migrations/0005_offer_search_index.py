"""Full-text index for the catalogue's Chinese search on PostgreSQL.

``Offer.search_document`` holds space-separated character unigrams and bigrams; the
'simple' configuration keeps them as they are, so a GIN index over its tsvector serves
``保洁`` → ``专业保洁服务``. SQLite (development) searches the same document with LIKE.
"""

from django.db import migrations

FORWARD = (
    "CREATE INDEX IF NOT EXISTS market_offer_search_gin ON market_offer "
    "USING gin (to_tsvector('simple'::regconfig, search_document));"
)
BACKWARD = "DROP INDEX IF EXISTS market_offer_search_gin;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("market", "0004_catalogue")]
    operations = [migrations.RunPython(forward, backward)]
