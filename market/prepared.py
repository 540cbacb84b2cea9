"""Queries that change from call to call only by one id, compiled once per connection.

Django builds and compiles a queryset's SQL each time it runs it. For the row locks that
every service takes — a compound with its street office and district, a trial with its
firm and engagement — compiling took longer than the database took to answer: 0.41 of
the 0.90 ms of a compound's lock on the benchmark machine (docs/performance.md, ninth
pass); the look-ups every notice makes (its recipients) are the same kind. A
``KeyedQuery`` is built and compiled once, with a stand-in id, and then runs with the
real id as its parameter. Its rows still come through Django's own iterable (model
instances with their deferred fields and ``select_related`` rows, or ``values_list``
tuples), so they are what the queryset itself would return.
"""

import weakref
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

# Fits a bigint and is no real id: it marks the id's place among the compiled parameters.
_STAND_IN_ID = 4_611_686_018_427_387_733


class _Compiled:
    """The query, its compiler (set up by compiling it) and its SQL, for one connection."""

    def __init__(self, queryset: QuerySet, connection):
        query = queryset.query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = tuple(params)
        if params.count(_STAND_IN_ID) != 1:
            raise ValueError(f"the id is not exactly one parameter of {sql!r}")
        self.query, self.compiler, self.sql = query, compiler, sql
        self.params, self.slot = params, params.index(_STAND_IN_ID)

    def queryset(self, template: QuerySet, key) -> QuerySet:
        """``template`` to run once with ``key``: its query answers with this compiler."""
        params = (*self.params[: self.slot], key, *self.params[self.slot + 1 :])
        compiler = _shallow_copy(self.compiler, as_sql=lambda *args, **kwargs: (self.sql, params))
        query = _shallow_copy(self.query, get_compiler=lambda *args, **kwargs: compiler)
        return _shallow_copy(template, _query=query)


def _shallow_copy(obj, **changes):
    """``obj`` with its attributes shared and ``changes`` made. Not ``copy.copy``: a
    queryset's ``__getstate__`` would run it."""
    twin = obj.__class__.__new__(obj.__class__)
    twin.__dict__ = {**obj.__dict__, **changes}
    return twin


class KeyedQuery:
    """``build(id)`` → a queryset; ``rows(id)`` is ``list(build(id))``, compiled once per
    connection. The rows are a list, not a queryset: a queryset derived from a compiled
    one would keep its SQL."""

    def __init__(self, build: Callable[[int], QuerySet]):
        self._build = build
        self._template: QuerySet | None = None
        # connection → _Compiled. Connections are per thread, so a compiled query (whose
        # compiler holds its connection) never runs on another thread's connection.
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def rows(self, key) -> list:
        template = self._template
        if template is None:
            template = self._template = self._build(_STAND_IN_ID)
        connection = connections[template.db]
        if (
            template.query.select_for_update
            and connection.get_autocommit()
            and connection.features.has_select_for_update
        ):
            # What compiling would have raised (Django checks it there).
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = _Compiled(template, connection)
        return list(compiled.queryset(template, int(key)))

    def first(self, key):
        """The first row (the query's own order, as ``.first()`` has it), or None. Build
        the query sliced (``[:1]``) and ordered."""
        rows = self.rows(key)
        return rows[0] if rows else None


_by_pk: dict[tuple, KeyedQuery] = {}


def _row(model, pk, *, related: tuple[str, ...], lock: bool):
    query = _by_pk.get((model, related, lock))
    if query is None:

        def build(key):
            rows = model._default_manager.all()
            rows = rows.select_for_update(of=("self",)) if lock else rows
            rows = rows.select_related(*related) if related else rows
            return rows.filter(pk=key).order_by()  # as .get(): no ORDER BY for one row

        query = _by_pk[(model, related, lock)] = KeyedQuery(build)
    rows = query.rows(pk)
    if not rows:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return rows[0]


def row_lock(model, pk, *, related: tuple[str, ...] = ()):
    """``model``'s row ``pk`` locked (its own row only, ``of=("self",)``) with ``related``
    joined in, as ``.get()`` returns it; ``model.DoesNotExist`` if there is none. Must run
    inside a transaction, like any ``select_for_update``."""
    return _row(model, pk, related=related, lock=True)


def row_get(model, pk, *, related: tuple[str, ...] = ()):
    """``model``'s row ``pk`` with ``related`` joined in, unlocked, as ``.get()`` returns
    it; ``model.DoesNotExist`` if there is none."""
    return _row(model, pk, related=related, lock=False)
