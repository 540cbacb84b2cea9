"""Planner statistics and dead rows while a simulation runs: what autovacuum would do.

A simulation writes years of history in minutes. PostgreSQL's planner chooses its plans
from table statistics, which autovacuum refreshes when a table has changed by 10 % (plus
50 rows) since its last ANALYZE. Where autovacuum is off — as on this project's CI
machine — or cannot keep up with that pace, the statistics describe the empty tables of
the first simulated day, and the plans chosen for them (nested loops over what the planner
believes are a handful of rows) cost hundreds of milliseconds a query by year five. So
every few simulated days the driver analyses the tables that autovacuum's default
thresholds would have analysed by then: the plans are those of a normally run database.

It vacuums them as autovacuum would, too. Every UPDATE leaves the old row version behind
(each change of a compound's status, an engagement's phase, a trial's or contract's state,
a handover item's confirmation); unvacuumed, by year ten the compounds' table held eleven
dead versions per row and the engagements two, which every scan and lock reads past, and
index-only scans went to the table for every row (no visibility map).
"""

from django.db import connection

# autovacuum_analyze_threshold and autovacuum_analyze_scale_factor, PostgreSQL's defaults.
ANALYZE_THRESHOLD = 50
ANALYZE_SCALE_FACTOR = 0.1
# autovacuum_vacuum_(insert_)threshold and _scale_factor, PostgreSQL's defaults.
VACUUM_THRESHOLD = 50
VACUUM_SCALE_FACTOR = 0.2
VACUUM_INSERT_THRESHOLD = 1000
VACUUM_INSERT_SCALE_FACTOR = 0.2


def statistics_refresh() -> list[str]:
    """ANALYZE the tables autovacuum would analyse now; returns their names."""
    return _tables_maintain(
        "ANALYZE",
        "n_mod_since_analyze > %s + %s * n_live_tup",
        [ANALYZE_THRESHOLD, ANALYZE_SCALE_FACTOR],
    )


def dead_rows_vacuum() -> list[str]:
    """VACUUM the tables autovacuum would vacuum now — dead row versions past its
    threshold, or inserts past its insert threshold — and return their names."""
    return _tables_maintain(
        "VACUUM",
        "n_dead_tup > %s + %s * n_live_tup OR n_ins_since_vacuum > %s + %s * n_live_tup",
        [
            VACUUM_THRESHOLD,
            VACUUM_SCALE_FACTOR,
            VACUUM_INSERT_THRESHOLD,
            VACUUM_INSERT_SCALE_FACTOR,
        ],
    )


def _tables_maintain(command: str, due: str, params: list) -> list[str]:
    """Run ``command`` (ANALYZE or VACUUM) on each user table whose statistics meet
    ``due`` (a condition on pg_stat_user_tables); outside a transaction, PostgreSQL only."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(relname) "
            f"FROM pg_stat_user_tables WHERE {due} ORDER BY relname",
            params,
        )
        tables = [name for (name,) in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"{command} {table}")
    return tables
