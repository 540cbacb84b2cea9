"""The public catalogue: reads only (DOMAIN: Offers; Firms and vetting).

Only live offers of listable firms (approved and not blacklisted) are ever shown, so a
suspended, revoked or blacklisted firm's offers vanish from the list, the search and the
comparison at once. Every filter runs in the database and they combine with AND.

The firm's listing and credit are read from their copies on the offer
(``Offer.firm_listed``, ``firm_credit_score``, ``firm_credit_grade``, kept in step by the
firm services), so that a page of the catalogue is the first rows of one partial index
and needs no join to decide which offers show (docs/performance.md).
"""

import hashlib
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .models import District, Firm, Offer, OfferStatus, ScopeItem, StreetOffice
from .models.offers import LISTED
from .page_urls import url_of_path
from .search import filter_by_search

COMPARE_MIN = 2
COMPARE_MAX = 4


class Sort:
    CREDIT = "credit"
    FEE_ASC = "fee"
    FEE_DESC = "-fee"
    RATING = "rating"
    NEWEST = "newest"

    choices = [
        (CREDIT, _("Credit score, highest first")),
        (FEE_ASC, _("Fee, lowest first")),
        (FEE_DESC, _("Fee, highest first")),
        (RATING, _("Rating, best first")),
        (NEWEST, _("Newest first")),
    ]
    default = CREDIT


# Every ordering ends with the primary key so that pages never overlap or skip rows, and
# matches an index of Offer (the fee index read backwards for the highest fee first).
_ORDERINGS = {
    Sort.CREDIT: [F("firm_credit_score").desc(), "fee", "pk"],
    Sort.FEE_ASC: ["fee", "pk"],
    Sort.FEE_DESC: [F("fee").desc(), F("pk").desc()],
    Sort.RATING: [F("rating_average").desc(nulls_last=True), F("rating_count").desc(), "pk"],
    Sort.NEWEST: [F("published_at").desc(), F("pk").desc()],
}


@dataclass(frozen=True)
class CatalogueFilters:
    district: District | None = None
    street_office: StreetOffice | None = None
    grade: int | None = None
    scope_items: tuple[str, ...] = ()
    fee_min: Decimal | None = None
    fee_max: Decimal | None = None
    credit_grades: tuple[str, ...] = ()
    trial_only: bool = False
    search: str = ""
    sort: str = Sort.default


@dataclass(frozen=True)
class Places:
    """Districts and street offices by id, in the order the catalogue shows them, with
    their names escaped once for the page."""

    # pk -> (code, name), in code order
    districts: dict[int, tuple[str, SafeString]]
    # pk -> (district pk, name), by district code then name
    street_offices: dict[int, tuple[int, SafeString]]

    @cached_property
    def district_choices(self) -> list[tuple[str, SafeString]]:
        """(code, name) for the district filter."""
        return list(self.districts.values())

    @cached_property
    def street_office_choices(self) -> list[tuple[SafeString, list[tuple[str, SafeString]]]]:
        """(district name, [(street office pk, name)]) for the street office filter."""
        groups: dict[int, list[tuple[str, SafeString]]] = {pk: [] for pk in self.districts}
        for pk, (district_id, name) in self.street_offices.items():
            groups[district_id].append((str(pk), name))
        return [(self.districts[pk][1], streets) for pk, streets in groups.items() if streets]


# Districts and street offices change rarely (a bureau sets them up), while every
# catalogue page shows them, in the filters and on the cards: each process keeps them
# for a minute, and forgets them at once when it saves one itself (and when a card
# names one it does not know yet). The filters themselves are checked against the
# database (CatalogueFilterForm), so lists a minute old never let a wrong value in.
PLACES_SECONDS = 60
_places: tuple[float, Places] | None = None


def places(*, fresh: bool = False) -> Places:
    global _places
    now = time.monotonic()
    if not fresh and _places is not None and now - _places[0] < PLACES_SECONDS:
        return _places[1]
    districts = District.objects.order_by("code").values_list("pk", "code", "name")
    street_offices = StreetOffice.objects.order_by("district__code", "name").values_list(
        "pk", "district_id", "name"
    )
    loaded = Places(
        districts={pk: (code, escape(name)) for pk, code, name in districts},
        street_offices={pk: (district, escape(name)) for pk, district, name in street_offices},
    )
    _places = (now, loaded)
    return loaded


@receiver([post_save, post_delete], sender=District)
@receiver([post_save, post_delete], sender=StreetOffice)
def _forget_places(**kwargs) -> None:
    global _places
    _places = None


def listed_offers() -> QuerySet[Offer]:
    """Live offers of firms the public may see, with what a card or a comparison shows
    loaded in a constant number of queries."""
    return (
        Offer.objects.filter(LISTED)
        # firm__page is cms.FirmPage's reverse one-to-one (a relation name, not an
        # import): the cards link to the firm's profile without a query per card.
        .select_related("firm", "firm__page")
        .prefetch_related("districts", "street_offices")
        .defer("search_document", "search_vector")
    )


def _serving_street_office(street_office: StreetOffice) -> Q:
    """An offer serves a street office when it serves its district and either names no
    street office of that district (the whole district) or names this one."""
    offer = OuterRef("pk")
    districts = Offer.districts.through.objects.filter(
        offer_id=offer, district_id=street_office.district_id
    )
    named = Offer.street_offices.through.objects.filter(offer_id=offer)
    return Q(Exists(districts)) & (
        ~Exists(named.filter(streetoffice__district_id=street_office.district_id))
        | Exists(named.filter(streetoffice_id=street_office.pk))
    )


CARD_FIELDS = (
    "url",
    "title",
    "summary",
    "grade",
    "fee",
    "outside_band",
    "scope_mask",
    "trial_months",
    "trial_fee",
    "firm_id",
)


def catalogue_offers(*, filters: CatalogueFilters) -> QuerySet[Offer]:
    """The listed offers that pass the filters, in the order asked, with what a card
    shows of the offer (``catalogue_page`` adds the firm and the places it serves)."""
    # The offer table alone (catalogue_page loads the firms of one page apart: a join
    # here cost PostgreSQL more to plan than the rest of the query), and of it what a
    # card shows (market.templatetags.catalogue_tags.OfferCard), and no more.
    offers = Offer.objects.filter(LISTED).only(*CARD_FIELDS)
    if filters.district is not None:
        district_rows = Offer.districts.through.objects.filter(
            offer_id=OuterRef("pk"), district_id=filters.district.pk
        )
        offers = offers.filter(Exists(district_rows))
    if filters.street_office is not None:
        offers = offers.filter(_serving_street_office(filters.street_office))
    if filters.grade is not None:
        offers = offers.filter(grade=filters.grade)
    if filters.scope_items:
        # The offer must include every chosen item: all their bits are set.
        mask = ScopeItem.mask_of(filters.scope_items)
        offers = offers.alias(scope_chosen=F("scope_mask").bitand(mask)).filter(scope_chosen=mask)
    if filters.fee_min is not None:
        offers = offers.filter(fee__gte=filters.fee_min)
    if filters.fee_max is not None:
        offers = offers.filter(fee__lte=filters.fee_max)
    if filters.credit_grades:
        offers = offers.filter(firm_credit_grade__in=filters.credit_grades)
    if filters.trial_only:
        offers = offers.filter(trial_months__isnull=False)
    if filters.search:
        offers = filter_by_search(offers, filters.search)
    return offers.order_by(*_ORDERINGS.get(filters.sort, _ORDERINGS[Sort.default]))


class CataloguePaginator(Paginator):
    """Counts the offers exactly up to ``count_limit`` and no further: beyond it the page
    says "more than 1,000 offers" and pages stop there, so a broad search costs no
    more than a narrow one (counting 18,000 matches of a search read 18,000 rows on
    every request; docs/performance.md). Narrowing the search or the filters shows
    the rest."""

    def __init__(self, object_list, per_page, *, count_limit: int, count_key: str = "", **kw):
        self.count_limit = count_limit
        self.count_key = count_key
        super().__init__(object_list, per_page, **kw)

    @cached_property
    def _counted(self) -> int:
        # One more than the limit, to know whether there are more; in no order, so that
        # the database may stop at the first rows that match, wherever they are.
        def count() -> int:
            return self.object_list.order_by()[: self.count_limit + 1].count()

        if not self.count_key:
            return count()
        return catalogue_cached_count(key=self.count_key, count=count)

    @property
    def count(self) -> int:
        return min(self._counted, self.count_limit)

    @property
    def more_than_counted(self) -> bool:
        return self._counted > self.count_limit


# --- Counts, kept while the catalogue does not change ---------------------------------
# A search's count is most of its database time (the search index yields every match
# of a common term before the count can stop: docs/performance.md). Counts are kept in
# the shared cache under the catalogue's version, which every change to what the
# catalogue lists replaces (after commit: a count taken before the change can only be
# stored under the old version), so a count is never stale. Only counts: the offers
# themselves are always read fresh.
CATALOGUE_VERSION_KEY = "catalogue:version"


def _count_key(filters: CatalogueFilters, count_limit: int) -> str:
    if not getattr(settings, "CATALOGUE_COUNT_CACHE_SECONDS", 0):
        return ""
    parts = (
        filters.district.pk if filters.district else None,
        filters.street_office.pk if filters.street_office else None,
        filters.grade,
        tuple(sorted(filters.scope_items)),
        filters.fee_min,
        filters.fee_max,
        tuple(sorted(filters.credit_grades)),
        filters.trial_only,
        " ".join(filters.search.split()),
        count_limit,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def catalogue_cached_count(*, key: str, count) -> int:
    version = caches["default"].get(CATALOGUE_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        # add: of two processes starting at once, one version wins; the other's count
        # is stored under a version nobody reads.
        caches["default"].add(CATALOGUE_VERSION_KEY, version, timeout=None)
    full_key = f"catalogue:count:{version}:{key}"
    counted = caches["default"].get(full_key)
    if counted is None:
        counted = count()
        caches["default"].set(full_key, counted, settings.CATALOGUE_COUNT_CACHE_SECONDS)
    return counted


def catalogue_changed() -> None:
    """What the catalogue lists changed: counts taken before are no longer read. Called
    after commit by every write to offers (offer_publish, offer_withdraw,
    offer_listing_sync, and any save or delete of an offer row)."""
    transaction.on_commit(
        lambda: caches["default"].set(CATALOGUE_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    )


@receiver(post_save, sender=Offer, dispatch_uid="catalogue_changed_on_offer_save")
@receiver(post_delete, sender=Offer, dispatch_uid="catalogue_changed_on_offer_delete")
def _offer_changed(**kwargs) -> None:
    catalogue_changed()


# From this many rows skipped, a page is fetched in two steps (catalogue_page).
DEEP_PAGE_OFFSET = 100


def catalogue_page(*, filters: CatalogueFilters, number, per_page: int, count_limit: int) -> Page:
    """One page of the catalogue (CataloguePaginator: ``number`` as asked, out of range
    meaning the last page). Each offer comes with its firm's ``firm_name``,
    ``firm_grade`` and ``firm_url`` and ``district_names`` and ``street_office_names``,
    the places it serves in the catalogue's order: one query for the whole page
    (``_attach_firms_and_places``)."""
    offers = catalogue_offers(filters=filters)
    page = CataloguePaginator(
        offers, per_page, count_limit=count_limit, count_key=_count_key(filters, count_limit)
    ).get_page(number)
    first = (page.number - 1) * per_page
    last = min(first + per_page, page.paginator.count)  # none past the count limit
    if first >= DEEP_PAGE_OFFSET:
        # The page's ids first, from the index alone, then their rows: otherwise every
        # row skipped is read from the table.
        offers = offers.filter(pk__in=offers.values("pk")[first:last])
        first, last = 0, last - first
    page.object_list = list(offers[first:last])
    _attach_firms_and_places(page.object_list)
    return page


@cache
def _page_extras_sql() -> str:
    """For a page of offers: the districts (kind 0) and street offices (1) they serve,
    as (offer id, place id, kind), and their firms (2), as (firm id, NULL, 2, name,
    credit grade, url_path of its profile page or NULL). One statement, written out:
    compiling it with the ORM cost more than running it (docs/performance.md)."""
    quote = connection.ops.quote_name
    parts = []
    for kind, (relation, place) in enumerate(
        [(Offer.districts, "district"), (Offer.street_offices, "streetoffice")]
    ):
        through = relation.through._meta
        parts.append(
            f"SELECT {quote(through.get_field('offer').column)}, "
            f"{quote(through.get_field(place).column)}, {kind}, NULL, NULL, NULL "
            f"FROM {quote(through.db_table)} "
            f"WHERE {quote(through.get_field('offer').column)} IN ({{ids}})"
        )
    # Firm.page is cms.FirmPage's reverse one-to-one: its model by the relation, as
    # market imports nothing from cms; url_path is on its parent, Wagtail's Page.
    firm = Firm._meta
    firm_page = firm.get_field("page").related_model._meta
    url_path = firm_page.get_field("url_path")
    page = url_path.model._meta
    firm_pk = f"f.{quote(firm.pk.column)}"
    parts.append(
        f"SELECT {firm_pk}, NULL, 2, f.{quote(firm.get_field('name').column)}, "
        f"f.{quote(firm.get_field('credit_grade').column)}, p.{quote(url_path.column)} "
        f"FROM {quote(firm.db_table)} f "
        f"LEFT JOIN {quote(firm_page.db_table)} fp "
        f"ON fp.{quote(firm_page.get_field('firm').column)} = {firm_pk} "
        f"LEFT JOIN {quote(page.db_table)} p "
        f"ON p.{quote(page.pk.column)} = fp.{quote(firm_page.pk.column)} "
        f"WHERE {firm_pk} IN ({{firm_ids}})"
    )
    return " UNION ALL ".join(parts)


def _attach_firms_and_places(offers: list[Offer]) -> None:
    """Each offer's ``firm_name``, ``firm_grade`` and ``firm_url`` (its profile page, or
    ""), and ``district_names`` and ``street_office_names``, from one query of plain
    values: loading the firms and their Wagtail pages as models, and reversing each
    page's URL, cost a fifth of the page (docs/performance.md)."""
    if not offers:
        return
    ids = [offer.pk for offer in offers]
    firm_ids = list({offer.firm_id for offer in offers})
    served: dict[int, tuple[list[int], list[int]]] = {pk: ([], []) for pk in ids}
    firms = {}
    sql = _page_extras_sql().format(
        ids=", ".join(["%s"] * len(ids)), firm_ids=", ".join(["%s"] * len(firm_ids))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids + ids + firm_ids)
        for pk, place_id, kind, name, grade, url_path in cursor.fetchall():
            if kind == 2:
                firms[pk] = (name, grade, url_of_path(url_path) if url_path else "")
            else:
                served[pk][kind].append(place_id)
    for offer in offers:
        offer.firm_name, offer.firm_grade, offer.firm_url = firms[offer.firm_id]
    _name_places(offers, served)


def _name_places(offers: list[Offer], served: dict[int, tuple[list[int], list[int]]]) -> None:
    """Each offer's ``district_names`` and ``street_office_names``, from the ids of the
    places it serves, in the catalogue's order."""
    known = places()
    wanted = {pk for district_ids, _ in served.values() for pk in district_ids}
    wanted_streets = {pk for _, street_ids in served.values() for pk in street_ids}
    if not (wanted <= known.districts.keys() and wanted_streets <= known.street_offices.keys()):
        known = places(fresh=True)  # one created since this process loaded them
    district_order = {pk: index for index, pk in enumerate(known.districts)}
    street_order = {pk: index for index, pk in enumerate(known.street_offices)}
    for offer in offers:
        district_ids, street_ids = served[offer.pk]
        # (A place deleted meanwhile is known no longer, and left out.)
        offer.district_names = [
            known.districts[pk][1]
            for pk in sorted(district_ids, key=lambda pk: district_order.get(pk, -1))
            if pk in known.districts
        ]
        offer.street_office_names = [
            known.street_offices[pk][1]
            for pk in sorted(street_ids, key=lambda pk: street_order.get(pk, -1))
            if pk in known.street_offices
        ]


@dataclass(frozen=True)
class Comparison:
    offers: list[Offer]
    missing_ids: list[int]


def offers_to_compare(*, offer_ids: list[int]) -> Comparison:
    """The listed offers among ``offer_ids``, in the order asked; the ids that are
    unknown, withdrawn or of a firm no longer listed come back as ``missing_ids``."""
    found = {offer.pk: offer for offer in listed_offers().filter(pk__in=offer_ids)}
    return Comparison(
        offers=[found[pk] for pk in offer_ids if pk in found],
        missing_ids=[pk for pk in offer_ids if pk not in found],
    )


def firm_live_offers(*, firm: Firm) -> QuerySet[Offer]:
    """A firm's offers on its profile page (the page itself 404s when the firm is not
    listable)."""
    return (
        Offer.objects.filter(firm=firm, status=OfferStatus.LIVE)
        .prefetch_related("districts", "street_offices")
        .defer("search_document", "search_vector", "terms")
        .order_by("grade", "fee", "pk")
    )


def listed_offer_for_page(*, page_id: int) -> Offer | None:
    return listed_offers().filter(page_id=page_id).first()
