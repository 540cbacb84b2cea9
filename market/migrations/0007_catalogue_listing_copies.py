"""The catalogue reads one table along indexes that match its orderings (issue #3,
docs/performance.md).

* ``Offer.firm_listed``, ``firm_credit_score`` and ``firm_credit_grade`` copy the firm's
  listing and credit onto its offers (kept in step by market.services), filled here
  from the firms; partial indexes over listed offers serve each sort order.
* ``Offer.search_vector`` stores the tokens of ``search_document`` as a tsvector (a
  generated column, NULL on SQLite); on PostgreSQL the GIN index
  ``market_offer_search_gin`` now covers that column instead of the expression of
  migration 0005, so that checking a row does not tokenise its document again.
* PostgreSQL only: the fee index also carries the columns the filters test, so that
  counting a filtered list reads the index alone; and the rating order's index, which
  SQLite cannot build (NULLS LAST).
* The (status, fee) and (status, grade) indexes served nothing any more.
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery

import market.search

POSTGRES_FORWARD = [
    "DROP INDEX IF EXISTS market_offer_search_gin;",
    "CREATE INDEX market_offer_search_gin ON market_offer USING gin (search_vector);",
    "DROP INDEX offer_listed_by_fee;",
    "CREATE INDEX offer_listed_by_fee ON market_offer (fee, id) "
    "INCLUDE (grade, scope_mask, trial_months, firm_credit_grade) "
    "WHERE status = 'live' AND firm_listed;",
    # The rating order (SQLite cannot index NULLS LAST).
    "CREATE INDEX offer_listed_by_rating ON market_offer "
    "(rating_average DESC NULLS LAST, rating_count DESC, id) "
    "WHERE status = 'live' AND firm_listed;",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS offer_listed_by_rating;",
    "DROP INDEX IF EXISTS market_offer_search_gin;",
    "CREATE INDEX market_offer_search_gin ON market_offer "
    "USING gin (to_tsvector('simple'::regconfig, search_document));",
]


def copy_firm_listing(apps, schema_editor):
    Firm = apps.get_model("market", "Firm")
    Offer = apps.get_model("market", "Offer")
    firm = Firm.objects.filter(pk=OuterRef("firm_id"))
    Offer.objects.update(
        firm_listed=Exists(firm.filter(status="approved", blacklisted=False)),
        firm_credit_score=Subquery(firm.values("credit_score")[:1]),
        firm_credit_grade=Subquery(firm.values("credit_grade")[:1]),
    )


def postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement, params=None)


def postgres_indexes_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("market", "0006_fee_schedule_immutable"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="offer",
            name="market_offe_status_3fc4f0_idx",
        ),
        migrations.RemoveIndex(
            model_name="offer",
            name="market_offe_status_0da790_idx",
        ),
        migrations.AddField(
            model_name="offer",
            name="firm_credit_grade",
            field=models.CharField(
                choices=[("AAA", "AAA"), ("AA", "AA"), ("A", "A"), ("B", "B"), ("C", "C")],
                default="AA",
                max_length=3,
            ),
        ),
        migrations.AddField(
            model_name="offer",
            name="firm_credit_score",
            field=models.DecimalField(decimal_places=1, default=80, max_digits=5),
        ),
        migrations.AddField(
            model_name="offer",
            name="firm_listed",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="offer",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=market.search.DocumentTsvector("search_document"),
                output_field=market.search.TsvectorField(null=True),
            ),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(
                condition=models.Q(("firm_listed", True), ("status", "live")),
                fields=["-firm_credit_score", "fee", "id"],
                name="offer_listed_by_credit",
            ),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(
                condition=models.Q(("firm_listed", True), ("status", "live")),
                fields=["fee", "id"],
                name="offer_listed_by_fee",
            ),
        ),
        migrations.AddIndex(
            model_name="offer",
            index=models.Index(
                condition=models.Q(("firm_listed", True), ("status", "live")),
                fields=["-published_at", "-id"],
                name="offer_listed_by_newest",
            ),
        ),
        migrations.RunPython(postgres_indexes, postgres_indexes_back),
        # Last: the UPDATE leaves deferred foreign-key checks pending, and PostgreSQL
        # builds no index on a table with pending trigger events.
        migrations.RunPython(copy_firm_listing, migrations.RunPython.noop),
    ]
