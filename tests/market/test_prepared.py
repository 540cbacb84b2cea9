from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from market.models import Compound
from market.prepared import KeyedQuery, row_get, row_lock
from tests.factories import CommitteeFactory, CompoundFactory

pytestmark = pytest.mark.django_db


def test_a_lock_returns_what_the_orm_returns_with_its_related_rows_and_no_further_query(
    street_office,
):
    compound = CompoundFactory(street_office=street_office)
    with transaction.atomic():
        expected = (
            Compound.objects.select_for_update(of=("self",))
            .select_related("street_office__district")
            .get(pk=compound.pk)
        )
        with CaptureQueriesContext(connection) as queries:
            locked = row_lock(Compound, compound.pk, related=("street_office__district",))
            district = locked.street_office.district
    assert len(queries) == 1
    assert "FOR UPDATE" in queries[0]["sql"] or not connection.features.has_select_for_update
    assert locked == expected and locked.__dict__.keys() == expected.__dict__.keys()
    assert {k: v for k, v in locked.__dict__.items() if k != "_state"} == {
        k: v for k, v in expected.__dict__.items() if k != "_state"
    }
    assert district == street_office.district
    assert locked._state.adding is False and locked._state.db == "default"


def test_a_lock_is_compiled_once_per_connection_then_only_run(street_office, monkeypatch):
    """The point of it (docs/performance.md, ninth pass): compiling a lock with its joins
    cost more than running it."""
    first, second = (CompoundFactory(street_office=street_office) for _ in range(2))
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting_as_sql(self, *args, **kwargs):
        compiled.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting_as_sql)
    with transaction.atomic():
        row_lock(Compound, first.pk, related=("street_office",))
        compiled.clear()  # the first call compiles (or found it compiled by an earlier test)
        again = row_lock(Compound, second.pk, related=("street_office",))
        once_more = row_lock(Compound, first.pk, related=("street_office",))
    assert compiled == []
    assert (again.pk, once_more.pk) == (second.pk, first.pk)
    assert again.street_office == street_office


def test_a_missing_row_raises_does_not_exist():
    with transaction.atomic(), pytest.raises(Compound.DoesNotExist):
        row_lock(Compound, 987654321)


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="no row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lock_outside_a_transaction_is_refused(street_office):
    compound = CompoundFactory(street_office=street_office)
    with pytest.raises(TransactionManagementError):
        row_lock(Compound, compound.pk)


def test_a_keyed_query_returns_its_querysets_rows_for_each_id_compiled_once(
    street_office, monkeypatch
):
    first, second = (CompoundFactory(street_office=street_office) for _ in range(2))
    CommitteeFactory(compound=first, dissolved_on=date(2026, 1, 1))
    current = CommitteeFactory(compound=first)
    names = KeyedQuery(
        lambda street_office_id: Compound.objects.filter(
            street_office_id=street_office_id
        ).values_list("name", flat=True)
    )
    assert sorted(names.rows(street_office.pk)) == sorted([first.name, second.name])
    assert first.current_committee == current
    compiled = []
    as_sql = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: compiled.append(1) or as_sql(self, *a, **k)
    )
    assert names.rows(street_office.pk + 1000) == []
    assert first.current_committee == current
    assert second.current_committee is None
    assert compiled == []


def test_an_id_used_twice_in_a_query_is_refused_when_compiled(street_office):
    twice = KeyedQuery(lambda key: Compound.objects.filter(pk=key, street_office_id=key))
    with pytest.raises(ValueError, match="not exactly one parameter"):
        twice.rows(street_office.pk)


def test_row_get_reads_without_a_lock_and_refuses_a_missing_row(street_office):
    compound = CompoundFactory(street_office=street_office)
    with CaptureQueriesContext(connection) as queries:
        read = row_get(Compound, compound.pk, related=("street_office",))
        assert read.street_office == street_office
    assert len(queries) == 1 and "FOR UPDATE" not in queries[0]["sql"]
    with pytest.raises(Compound.DoesNotExist):
        row_get(Compound, compound.pk + 1000)
