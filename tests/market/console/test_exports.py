"""Downloads of the district's lists (issue #8): compounds and firms with credit, as CSV
and .xlsx, this district only; an exported compound list imports again without adding
anything."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from market.models import CompoundImport
from tests.factories import CommitteeFactory, CompoundFactory, FirmFactory, StreetOfficeFactory

from .conftest import read_csv, read_xlsx


def download(client, district, name, kind):
    return client.get(reverse("console_export", args=[district.code, name, kind]))


def _sheet_xml(content: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def rows_of(response, kind):
    return read_xlsx(response.content) if kind == "xlsx" else read_csv(response.content)


@pytest.fixture
def lists(district, other_district, street_office):
    mine = CompoundFactory(
        street_office=street_office,
        name="枣园小区",
        address="兴华大街1号",
        buildings=6,
        owners=300,
        exclusive_area=Decimal("21000.50"),
        households=320,
        year_built=1998,
    )
    CommitteeFactory(compound=mine, kind="management")
    CompoundFactory(street_office=street_office, name='=HYPERLINK("http://x")')
    elsewhere = StreetOfficeFactory(district=other_district, name="永顺镇")
    CompoundFactory(street_office=elsewhere, name="通州小区")
    FirmFactory(
        name="本区物业", registered_district=district, districts=[district], status="applied"
    )
    FirmFactory(
        name="外区在本区服务物业",
        registered_district=other_district,
        districts=[other_district, district],
        status="approved",
    )
    FirmFactory(
        name="外区申请中物业",
        registered_district=other_district,
        districts=[other_district, district],
        status="applied",
    )
    FirmFactory(name="通州物业", registered_district=other_district, districts=[other_district])


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_compounds_export_lists_this_districts_register(official_client, district, lists, kind):
    response = download(official_client, district, "compounds", kind)

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response, kind)
    assert rows[0][:9] == [
        "小区名称",
        "街道办事处",
        "地址",
        "楼栋数",
        "业主人数",
        "专有部分面积（㎡）",
        "户数",
        "建成年份",
        "业主组织类型",
    ]
    names = [row[0] for row in rows[1:]]
    assert "枣园小区" in names and "通州小区" not in names
    zaoyuan = next(row for row in rows[1:] if row[0] == "枣园小区")
    assert [str(cell) for cell in zaoyuan[1:8] if cell != zaoyuan[5]] == [
        "兴丰街道",
        "兴华大街1号",
        "6",
        "300",
        "320",
        "1998",
    ]
    assert Decimal(str(zaoyuan[5])) == Decimal("21000.50")  # a number cell in .xlsx
    assert "物管会" in zaoyuan[8]
    # A name that a spreadsheet would run as a formula is written as text.
    if kind == "csv":
        assert '\'=HYPERLINK("http://x")' in names
    else:
        assert b"<f>" not in _sheet_xml(response.content)
        assert '=HYPERLINK("http://x")' in names


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_firms_export_lists_vetted_and_serving_firms_with_empty_rates(
    official_client, district, lists, kind
):
    rows = rows_of(download(official_client, district, "firms", kind), kind)

    header = rows[0]
    assert {"响应率", "解决率", "满意率", "信用分", "信用等级"} <= set(header)
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"本区物业", "外区在本区服务物业"}
    assert by_name["本区物业"]["响应率"] in ("", None)
    assert str(by_name["本区物业"]["信用等级"]) == "AA"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_exported_compound_list_imports_again_without_adding_anything(
    official_client, district, lists, kind
):
    exported = download(official_client, district, "compounds", kind).content

    official_client.post(
        reverse("console_import", args=[district.code]),
        {"file": SimpleUploadedFile(f"export.{kind}", exported)},
    )

    batch = CompoundImport.objects.get()
    assert batch.error_rows == 0, batch.rows
    assert (batch.new_rows, batch.existing_rows) == (0, 2)


@pytest.mark.django_db
def test_unknown_lists_and_formats_are_not_found(official_client, district, lists):
    assert download(official_client, district, "no-such-list", "csv").status_code == 404
    assert download(official_client, district, "compounds", "pdf").status_code == 404


@pytest.mark.django_db
def test_the_downloads_page_lists_each_export_in_both_formats(official_client, district):
    text = official_client.get(reverse("console_exports", args=[district.code])).content.decode()

    for name in ("compounds", "firms"):
        for kind in ("csv", "xlsx"):
            assert reverse("console_export", args=[district.code, name, kind]) in text
