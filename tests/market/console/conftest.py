"""Fixtures and file builders for the bureau's console (issue #8)."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from tests.factories import StreetOfficeFactory

HEADER_ZH = [
    "小区名称",
    "街道",
    "地址",
    "楼栋数",
    "业主人数",
    "专有部分面积（㎡）",
    "户数",
    "建成年份",
    "业主组织类型",
]


def compound_row(n: int, office: str = "兴丰街道", **changes) -> list:
    row = {
        "name": f"导入小区{n}",
        "office": office,
        "address": f"兴华大街{n}号",
        "buildings": 6,
        "owners": 300 + n % 50,
        "area": "21000.50",
        "households": 320,
        "year": 1998,
        "committee": "业委会" if n % 3 == 0 else ("物管会" if n % 3 == 1 else ""),
    }
    row.update(changes)
    return list(row.values())


def xlsx_bytes(rows, header=HEADER_ZH) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("小区")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, header=HEADER_ZH, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def read_xlsx(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def read_csv(content: bytes) -> list[list]:
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def second_office(district):
    return StreetOfficeFactory(district=district, name="清源街道")


@pytest.fixture
def official_client(client, official):
    client.force_login(official)
    return client
