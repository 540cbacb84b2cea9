"""What other apps add to the bureau's console, without market importing them.

Imports go one way (cms → market ← contracts ← ratings), so the console cannot ask cms
for the offers in moderation, nor contracts for its contracts. Instead each app registers
what it contributes from its ``AppConfig.ready``, as the daily rules do (``market.daily``)::

    from market.console.registry import InboxItem, inbox_source

    @inbox_source("cms.pages_in_moderation", label=_("Firm pages and offers"), order=20)
    def pages_in_moderation(*, district, user) -> list[InboxItem]: ...

Three registries:

* **inbox sources** — everything waiting for the bureau's decision (approvals inbox);
  each item links to the page that already has approve/reject, which calls the
  same service as everywhere else;
* **exports** — lists the bureau downloads as CSV or .xlsx: ``function(district)``
  returns ``(header, rows)``;
* **dashboard panels** — small tables on the district dashboard (e.g. trials ending in the
  next 30 days, contracts to renew) — ``function(district=, today=, user=)`` returns a
  ``Panel`` or ``None`` (``wants_query=True``: also ``query=``, for a sortable panel).

Every function receives the district and must return that district's data only.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class InboxItem:
    title: str
    url: str
    waiting_since: date | datetime | None = None
    detail: str = ""


@dataclass(frozen=True)
class InboxSource:
    name: str
    label: object
    order: int
    function: Callable[..., Iterable[InboxItem]]


@dataclass(frozen=True)
class Export:
    name: str  # a slug: the URL and file name
    label: object
    order: int
    function: Callable[..., tuple[Sequence, Iterable[Sequence]]]


@dataclass
class Panel:
    """A table on the dashboard. ``footer``: an optional totals row. ``chart``: optional,
    drawn above the table (which stays as its fallback for screen readers), e.g.
    ``{"type": "bar", "labels": [...], "values": [...], "series_name": "...", "unit": "¥"}``
    (``static/js/console-charts.js``). ``name`` is filled from the registration."""

    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    link_url: str = ""
    link_label: str = ""
    empty_text: str = ""
    footer: list = field(default_factory=list)
    chart: dict | None = None
    name: str = ""
    # A line under the title, e.g. the period the figures cover.
    help_text: str = ""
    # Server-side sorting without JavaScript: per column, ``(url, aria_sort)`` — the link
    # the column's header opens and "ascending" / "descending" on the sorted column, ""
    # on the others; empty for a panel that does not sort.
    sort_links: list = field(default_factory=list)

    @property
    def headers(self) -> list[tuple]:
        """``(label, url, aria_sort)`` per column, for the table's header row."""
        links = self.sort_links or [("", "")] * len(self.columns)
        return [(label, url, sort) for label, (url, sort) in zip(self.columns, links, strict=True)]

    @property
    def chart_id(self) -> str:
        from django.utils.text import slugify

        return f"panel-chart-{slugify(self.name)}"


@dataclass(frozen=True)
class DashboardPanel:
    name: str
    order: int
    function: Callable[..., Panel | None]
    # Called with ``query=`` (the page's GET parameters, e.g. ``?sort=``) as well.
    wants_query: bool = False


_INBOX: dict[str, InboxSource] = {}
_EXPORTS: dict[str, Export] = {}
_PANELS: dict[str, DashboardPanel] = {}


def _same_function(a: Callable, b: Callable) -> bool:
    return f"{a.__module__}.{a.__qualname__}" == f"{b.__module__}.{b.__qualname__}"


def _register(registry: dict, name: str, entry) -> None:
    existing = registry.get(name)
    if existing is not None and not _same_function(existing.function, entry.function):
        raise ValueError(f"console entry {name!r} is already registered")
    registry[name] = entry


def inbox_source(name: str, *, label, order: int = 100):
    """Register ``function(*, district, user) -> Iterable[InboxItem]``."""

    def register(function):
        _register(_INBOX, name, InboxSource(name, label, order, function))
        return function

    return register


def export(name: str, *, label, order: int = 100):
    """Register ``function(*, district) -> (header, rows)`` as a download."""

    def register(function):
        _register(_EXPORTS, name, Export(name, label, order, function))
        return function

    return register


def dashboard_panel(name: str, *, order: int = 100, wants_query: bool = False):
    """Register ``function(*, district, today, user) -> Panel | None``; with
    ``wants_query=True`` it also receives ``query``, the dashboard's GET parameters (only
    ever to read, e.g. a whitelisted ``?sort=``)."""

    def register(function):
        _register(_PANELS, name, DashboardPanel(name, order, function, wants_query))
        return function

    return register


def inbox_sources() -> list[InboxSource]:
    return sorted(_INBOX.values(), key=lambda entry: (entry.order, entry.name))


def exports() -> list[Export]:
    return sorted(_EXPORTS.values(), key=lambda entry: (entry.order, entry.name))


def export_named(name: str) -> Export | None:
    return _EXPORTS.get(name)


def dashboard_panels() -> list[DashboardPanel]:
    return sorted(_PANELS.values(), key=lambda entry: (entry.order, entry.name))
