"""The bureau's list of unmanaged compounds, row by row: which columns it has, how each
cell is read, and what is wrong with a row (issue #8). Pure checks: nothing is written.

A row is refused for a bad number, a street office that is not in the district, a value
the register's own validators refuse (``Compound.clean_fields``), or a second row for
the same compound in the file. A row naming a compound already on the register with the
same figures is no error: it is skipped, so importing the same file twice adds nothing.
With different figures it is refused: the register is changed on the compound's page.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Compound, District, StreetOffice
from ..models.compounds import CommitteeKind
from .tabular import Line

TEXT, WHOLE, AREA, COMMITTEE = "text", "whole", "area", "committee"


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # lazy translation: the header in the template
    kind: str
    aliases: tuple[str, ...] = ()
    required: bool = True


COLUMNS = (
    Column("name", gettext_lazy("Compound name"), TEXT, ("name", "小区名称", "小区", "名称")),
    Column(
        "street_office",
        gettext_lazy("Street office"),
        TEXT,
        ("street office", "街道", "街道办事处", "街道办", "街乡", "街道乡镇"),
    ),
    Column("address", gettext_lazy("Address"), TEXT, ("address", "地址", "小区地址")),
    Column("buildings", gettext_lazy("Buildings"), WHOLE, ("buildings", "楼栋数", "楼栋")),
    Column("owners", gettext_lazy("Owners"), WHOLE, ("owners", "业主人数", "业主数", "业主")),
    Column(
        "exclusive_area",
        gettext_lazy("Exclusive area (㎡)"),
        AREA,
        ("exclusive area", "专有部分面积", "专有面积", "建筑面积"),
    ),
    Column("households", gettext_lazy("Households"), WHOLE, ("households", "户数", "住户数")),
    Column("year_built", gettext_lazy("Year built"), WHOLE, ("year built", "建成年份", "建成年代")),
    Column(
        "committee_type",
        gettext_lazy("Committee type"),
        COMMITTEE,
        ("committee type", "committee", "业主组织", "业主组织类型", "委员会类型"),
        required=False,
    ),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
# The register's fields that must match for a row to count as "already registered".
FIGURES = ("address", "buildings", "owners", "exclusive_area", "households", "year_built")

# What people write in the committee type column (DOMAIN "People"): an owners'
# committee (业委会), a property management committee (物管会) set up by the street
# office, or none yet.
COMMITTEE_WORDS = {
    CommitteeKind.OWNERS: ("owners", "owners committee", "业委会", "业主委员会"),
    CommitteeKind.MANAGEMENT: (
        "management",
        "property management committee",
        "物管会",
        "物业管理委员会",
    ),
    "": ("", "none", "no", "无", "没有", "暂无", "未成立", "-", "—", "/"),
}


def _normal(text) -> str:
    """Header and keyword matching: case, spaces, punctuation and units do not matter."""
    text = str(text or "").casefold()
    text = re.sub(r"[(（].*?[)）]", "", text)  # "(㎡)", "（个）"
    return re.sub(r"[\s_'’·.:：*]+", "", text)


def _header_words(column: Column) -> set[str]:
    words = {_normal(alias) for alias in column.aliases}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            words.add(_normal(column.label))
    return words


def _committee_lookup() -> dict[str, str]:
    lookup = {}
    for value, words in COMMITTEE_WORDS.items():
        for word in words:
            lookup[_normal(word)] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                if value:
                    lookup[_normal(CommitteeKind(value).label)] = value
    return lookup


def header_positions(cells: Iterable) -> tuple[dict[str, int], list[str]]:
    """Which cell holds which column; and the labels of required columns not found."""
    positions: dict[str, int] = {}
    words = {column.key: _header_words(column) for column in COLUMNS}
    for index, cell in enumerate(cells):
        normal = _normal(cell)
        for column in COLUMNS:
            if column.key not in positions and normal in words[column.key]:
                positions[column.key] = index
                break
    missing = [str(c.label) for c in COLUMNS if c.required and c.key not in positions]
    return positions, missing


def template_header() -> list[str]:
    return [str(column.label) for column in COLUMNS]


# --- Cells -------------------------------------------------------------------------


class CellError(Exception):
    pass


def _as_text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = " ".join(str(raw).split())
    # Our exports write text that looks like a formula as '=… (tabular._safe).
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


def _as_whole(raw, label) -> int:
    if isinstance(raw, bool):
        raise CellError(_("%(column)s: “%(value)s” is not a whole number.") % _cell(label, raw))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise CellError(_("%(column)s: “%(value)s” is not a whole number.") % _cell(label, raw))
    text = _as_text(raw).replace(",", "").replace("，", "")
    if re.fullmatch(r"[+-]?\d+(\.0*)?", text):
        return int(Decimal(text))
    raise CellError(_("%(column)s: “%(value)s” is not a whole number.") % _cell(label, raw))


def _as_area(raw, label) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(_("%(column)s: “%(value)s” is not a number.") % _cell(label, raw))
    if isinstance(raw, int | float):
        text = repr(raw)
    else:
        text = _as_text(raw).replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise CellError(_("%(column)s: “%(value)s” is not a number.") % _cell(label, raw))
    return value


def _cell(label, raw) -> dict:
    return {"column": label, "value": _as_text(raw)}


# --- Rows --------------------------------------------------------------------------


@dataclass
class CheckedRow:
    line: int
    values: dict  # what the file says, as text, for the preview
    errors: list[str]
    clean: dict | None = None  # JSON-able values ready for the register
    existing: bool = False

    def as_json(self) -> dict:
        return {
            "line": self.line,
            "values": self.values,
            "errors": self.errors,
            "clean": self.clean,
            "existing": self.existing,
        }


def _compound_key(street_office_id: int, name: str) -> tuple[int, str]:
    return street_office_id, " ".join(name.split()).casefold()


def _figures(values: dict) -> tuple:
    """The register's figures in a form where equal means the same compound."""
    return (
        " ".join(str(values["address"]).split()),
        int(values["buildings"]),
        int(values["owners"]),
        Decimal(str(values["exclusive_area"])),
        int(values["households"]),
        int(values["year_built"]),
    )


class RowChecker:
    """Checks the rows of one file against one district's register. Load once, then call
    ``check`` for each data row in order (it remembers earlier rows for duplicates)."""

    def __init__(self, *, district: District, positions: dict[str, int]):
        self.positions = positions
        offices = StreetOffice.objects.filter(district=district)
        self.street_offices = {_normal(office.name): office for office in offices}
        self.registered = {
            _compound_key(c["street_office_id"], c["name"]): c
            for c in Compound.objects.filter(street_office__district=district).values(
                "street_office_id", "name", "registered_on", *FIGURES
            )
        }
        self.seen: dict[tuple[int, str], int] = {}
        self.committee_words = _committee_lookup()

    def is_blank(self, line: Line) -> bool:
        return all(_as_text(cell) == "" for cell in line.cells)

    def check(self, line: Line) -> CheckedRow:
        raw = {
            key: (line.cells[index] if index < len(line.cells) else None)
            for key, index in self.positions.items()
        }
        values = {key: _as_text(raw.get(key)) for key in COLUMN_KEYS}
        errors: list[str] = []
        clean: dict = {}
        for column in COLUMNS:
            cell = raw.get(column.key)
            label = str(column.label)
            if column.required and _as_text(cell) == "":
                errors.append(_("%(column)s is missing.") % {"column": label})
                continue
            try:
                clean[column.key] = self._read(column, cell, label)
            except CellError as error:
                errors.append(str(error))
        office = None
        if values["street_office"]:
            office = self.street_offices.get(_normal(values["street_office"]))
            if office is None:
                errors.append(
                    _("Street office “%(name)s” is not in this district.")
                    % {"name": values["street_office"]}
                )
        if not errors:
            errors.extend(self._register_rules(clean, office))
        row = CheckedRow(line=line.number, values=values, errors=errors)
        if errors or office is None:
            return row
        clean["street_office_id"] = office.pk
        clean["exclusive_area"] = str(clean["exclusive_area"])
        row.clean = clean
        key = _compound_key(office.pk, clean["name"])
        if key in self.seen:
            row.errors.append(
                _("The same compound (street office and name) as line %(line)d.")
                % {"line": self.seen[key]}
            )
            row.clean = None
            return row
        self.seen[key] = line.number
        existing = self.registered.get(key)
        if existing is not None:
            if _figures(existing) == _figures(clean):
                row.existing = True
            else:
                row.errors.append(
                    _(
                        "Already on the register (since %(date)s) with different figures; "
                        "change them on the compound's page instead."
                    )
                    % {"date": existing["registered_on"].isoformat()}
                )
                row.clean = None
        return row

    def _read(self, column: Column, cell, label: str):
        if column.kind == WHOLE:
            return _as_whole(cell, label)
        if column.kind == AREA:
            return _as_area(cell, label)
        if column.kind == COMMITTEE:
            value = self.committee_words.get(_normal(_as_text(cell)))
            if value is None:
                raise CellError(
                    _(
                        "%(column)s: “%(value)s” is not one of: owners' committee (业委会), "
                        "property management committee (物管会), or none."
                    )
                    % _cell(label, cell)
                )
            return value
        return _as_text(cell)

    @staticmethod
    def _register_rules(clean: dict, office) -> list[str]:
        """The register's own field rules (``compound_register`` runs the same)."""
        compound = Compound(
            street_office=office,
            **{key: clean[key] for key in ("name", "address", *FIGURES[1:])},
        )
        try:
            compound.clean_fields(exclude=["street_office", "registered_on"])
        except ValidationError as error:
            labels = {
                field: str(Compound._meta.get_field(field).verbose_name)
                for field in error.message_dict
            }
            return [
                f"{labels[field]}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
        return []
