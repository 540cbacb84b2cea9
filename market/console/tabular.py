"""Spreadsheets in and out: read an uploaded .xlsx or .csv into rows, write rows as a
downloadable .xlsx or .csv. Nothing here knows what the rows mean."""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")

# An .xlsx is a zip of XML; refuse one that unpacks to far more than a list of compounds
# needs before openpyxl parses it (a "zip bomb").
XLSX_MAX_UNPACKED_BYTES = 200 * 1024 * 1024

UNREADABLE_XLSX = _("The file could not be read as an Excel workbook (.xlsx).")
XLSX_TOO_LARGE_UNPACKED = _("The workbook unpacks to far more data than a list needs.")
UNREADABLE_CSV = _(
    "The file could not be read as text. Save it as “CSV UTF-8” (or GB18030) and upload it again."
)


class TableUnreadable(Exception):
    """The file as a whole cannot be read; ``message`` says why, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Line:
    """One spreadsheet row and its number as the user sees it (row 1 = the header)."""

    number: int
    cells: tuple


def kind_of(file_name: str) -> str | None:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return extension if extension in FORMATS else None


def read_lines(data: bytes, kind: str) -> Iterator[Line]:
    """Every row of the first sheet (or of the CSV), numbered from 1."""
    if kind == "xlsx":
        yield from _read_xlsx(data)
    else:
        yield from _read_csv(data)


def _read_xlsx(data: bytes) -> Iterator[Line]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise TableUnreadable(UNREADABLE_XLSX) from error
    if unpacked > XLSX_MAX_UNPACKED_BYTES:
        raise TableUnreadable(XLSX_TOO_LARGE_UNPACKED)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise TableUnreadable(UNREADABLE_XLSX) from error
    try:
        sheet = workbook.worksheets[0]
        # Read-only sheets yield every row in order, empty ones included.
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield Line(number, tuple(cells))
    finally:
        workbook.close()


def _decode(data: bytes) -> str:
    # Excel on a Chinese Windows saves "CSV" in GB18030 (GBK); "CSV UTF-8" adds a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableUnreadable(UNREADABLE_CSV)


def _read_csv(data: bytes) -> Iterator[Line]:
    text = _decode(data)
    # Commas, unless the header row has none (some programs write semicolons or tabs).
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = "\t" if "\t" in first_line else ";" if ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            yield Line(number, tuple(cells))
    except csv.Error as error:
        raise TableUnreadable(UNREADABLE_CSV) from error


# --- Writing -------------------------------------------------------------------------

# A cell starting with one of these is run as a formula by spreadsheet programs
# (CSV/formula injection): in a CSV such text is written with a leading apostrophe (which
# the import reads back off), in .xlsx as a text cell.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def table_response(
    *, file_stem: str, kind: str, header: Sequence, rows: Iterable[Sequence], sheet_title=""
) -> HttpResponse:
    """A download of ``header`` and ``rows`` as ``<file_stem>.<kind>``."""
    header = [str(cell) for cell in header]
    if kind == "xlsx":
        content = _xlsx_bytes(header, rows, sheet_title)
    else:
        content = _csv_bytes(header, rows)
    return download(content, file_stem=file_stem, kind=kind)


def download(content: bytes, *, file_stem: str, kind: str) -> HttpResponse:
    content_type = XLSX_CONTENT_TYPE if kind == "xlsx" else CSV_CONTENT_TYPE
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{file_stem}.{kind}"
    )
    return response


def _csv_bytes(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else _safe(cell) for cell in row])
    # The BOM makes Excel read the Chinese text as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_bytes(header, rows, sheet_title) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(sheet_title)[:31] or "Sheet1")
    for index, title in enumerate(header):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(40, 2 * len(title) + 4))
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value):
    """Text that looks like a formula is stored as a text cell, never as a formula."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def workbook_with_notes(*, header: Sequence, notes: Sequence[str], sheet_title, notes_title):
    """An empty template workbook: the header row, and a second sheet of instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(sheet_title)[:31]
    sheet.append([str(title) for title in header])
    for index, cell in enumerate(sheet[1]):
        cell.font = Font(bold=True)
        sheet.column_dimensions[_column_letter(index)].width = max(12, 2 * len(str(cell.value)) + 4)
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(title=str(notes_title)[:31])
    help_sheet.column_dimensions["A"].width = 100
    for note in notes:
        help_sheet.append([str(note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
