"""Search for Chinese text without a Chinese tokenizer.

Chinese is written without spaces, so PostgreSQL's and SQLite's word tokenizers see a
whole phrase as one word and 保洁 would not find 专业保洁服务. We index every character
(unigram) and every pair of adjacent characters (bigram) of CJK runs, plus the
lower-cased words of any Latin text, and search for the bigrams of the query: the same
on both databases. On PostgreSQL the tokens are also stored as a tsvector
(``Offer.search_vector``) with a GIN index (migration 0007).
"""

import re

from django.contrib.postgres.search import SearchVectorExact
from django.db import connection, models
from django.db.models import Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Concat

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")


def _tokens(text: str, *, unigrams: bool) -> list[str]:
    tokens: list[str] = []
    for run in _RUN.findall((text or "").lower()):
        if not re.match(rf"[{_CJK}]", run):
            tokens.append(run)
            continue
        if len(run) == 1 or unigrams:
            tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def search_document(*texts: str) -> str:
    """What to store: unique unigrams and bigrams of all the texts, space-separated."""
    seen = dict.fromkeys(token for text in texts for token in _tokens(text, unigrams=True))
    return " ".join(seen)


def query_terms(query: str) -> list[str]:
    """What to look for: the bigrams of the query (a single character stays itself)."""
    return list(dict.fromkeys(_tokens(query, unigrams=False)))


class TsvectorField(models.Field):
    """A tsvector column on PostgreSQL (text, left NULL, elsewhere), matched with
    ``field=SearchQuery(...)`` as ``@@``. contrib.postgres's SearchVectorField would need
    that app installed, and the settings install it on PostgreSQL only."""

    description = "PostgreSQL tsvector"

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


TsvectorField.register_lookup(SearchVectorExact)


class DocumentTsvector(Func):
    """What ``Offer.search_vector`` stores: ``strip(to_tsvector('simple', document))``,
    the document's tokens as they are, without positions (nothing ranks or searches
    phrases). NULL on SQLite, which has no tsvector."""

    template = "strip(to_tsvector('simple'::regconfig, %(expressions)s))"

    def __init__(self, expression, **extra):
        super().__init__(expression, output_field=TsvectorField(), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


def filter_by_search(
    queryset: QuerySet,
    query: str,
    field: str = "search_document",
    vector_field: str = "search_vector",
):
    """Keep the rows whose document holds every term of the query. PostgreSQL matches
    the stored tsvector ``vector_field`` (``DocumentTsvector(field)``): tokenising each
    row's document at query time cost tens of microseconds a row (docs/performance.md)."""
    terms = query_terms(query)
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        # The terms are CJK characters or [0-9a-z] words (see _RUN), so "raw" is safe.
        tsquery = SearchQuery(" & ".join(terms), config="simple", search_type="raw")
        return queryset.filter(**{vector_field: tsquery})
    condition = Q()
    for term in terms:
        # Pad with spaces so that a term matches whole tokens only.
        condition &= Q(**{f"_padded_{field}__contains": f" {term} "})
    padded = Concat(Value(" "), field, Value(" "), output_field=TextField())
    return queryset.alias(**{f"_padded_{field}": padded}).filter(condition)
