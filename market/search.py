"""Search for Chinese text without a Chinese tokenizer.

Chinese is written without spaces, so PostgreSQL's and SQLite's word tokenizers see a
whole phrase as one word and 保洁 would not find 专业保洁服务. We index every character
(unigram) and every pair of adjacent characters (bigram) of CJK runs, plus the
lower-cased words of any Latin text, and search for the bigrams of the query: the same
on both databases, with a GIN index on PostgreSQL (migration 0005).
"""

import re

from django.db import connection
from django.db.models import Q, QuerySet

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


def filter_by_search(queryset: QuerySet, query: str, field: str = "search_document"):
    """Keep the rows whose document holds every term of the query."""
    terms = query_terms(query)
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        tsquery = SearchQuery(" & ".join(terms), config="simple", search_type="raw")
        return queryset.annotate(_search=SearchVector(field, config="simple")).filter(
            _search=tsquery
        )
    condition = Q()
    for term in terms:
        # Pad with spaces so that a term matches whole tokens only.
        condition &= Q(**{f"_padded_{field}__contains": f" {term} "})
    from django.db.models import Value
    from django.db.models.functions import Concat

    return queryset.annotate(**{f"_padded_{field}": Concat(Value(" "), field, Value(" "))}).filter(
        condition
    )
