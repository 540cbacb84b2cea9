"""Import of the bureau's list of unmanaged compounds (issue #8): upload → check of every
row → confirm → import, all or nothing, with no duplicates on a second import."""

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from market.console.import_rows import template_header
from market.console.services import compound_import_check
from market.models import Compound, CompoundImport, CompoundImportStatus, Event, ManagementStatus
from market.services.compounds import compound_register
from tests.factories import CompoundFactory, OfficialFactory, give_totp

from .conftest import HEADER_ZH, compound_row, csv_bytes, read_csv, read_xlsx, xlsx_bytes


def upload(client, district, content: bytes, name="小区名单.xlsx"):
    return client.post(
        reverse("console_import", args=[district.code]),
        {"file": SimpleUploadedFile(name, content)},
    )


def latest_batch() -> CompoundImport:
    return CompoundImport.objects.latest("pk")


def confirm(client, district, batch):
    return client.post(reverse("console_import_confirm", args=[district.code, batch.pk]))


@pytest.mark.django_db
def test_a_small_list_is_checked_then_imported_on_confirmation(
    official_client, district, street_office, official
):
    rows = [compound_row(1), compound_row(2), compound_row(3)]
    response = upload(official_client, district, csv_bytes(rows), name="list.csv")

    batch = latest_batch()
    assert response.status_code == 302
    assert response.url == reverse("console_import_batch", args=[district.code, batch.pk])
    assert batch.status == CompoundImportStatus.READY
    assert (batch.total_rows, batch.new_rows, batch.error_rows) == (3, 3, 0)
    assert batch.source == b""  # read, then dropped
    assert not Compound.objects.filter(name__startswith="导入小区").exists()  # nothing yet

    page = official_client.get(response.url)
    assert page.status_code == 200
    assert "导入小区2" in page.content.decode()
    assert "确认导入" in page.content.decode()

    response = confirm(official_client, district, batch)

    batch.refresh_from_db()
    assert batch.status == CompoundImportStatus.IMPORTED
    assert batch.created_count == 3
    compounds = Compound.objects.filter(name__startswith="导入小区")
    assert compounds.count() == 3
    assert set(compounds.values_list("management_status", flat=True)) == {ManagementStatus.SEEKING}
    first = compounds.get(name="导入小区1")
    assert (first.street_office, first.buildings, str(first.exclusive_area)) == (
        street_office,
        6,
        "21000.50",
    )
    events = Event.objects.filter(action="compound.registered", compound__in=compounds)
    assert events.count() == 3
    assert all(e.actor == official and e.district == district for e in events)
    assert events.get(compound=first).data == {
        "import": batch.pk,
        "line": 2,
        "committee_type": "management",
    }
    assert Event.objects.filter(
        action="compound_import.completed", object_id=str(batch.pk), district=district
    ).exists()


@pytest.mark.django_db
def test_five_thousand_rows_with_three_bad_ones_are_refused_whole_then_fixed_import_once(
    official_client, district, street_office, second_office
):
    rows = [compound_row(n, office="兴丰街道" if n % 2 else "清源街道") for n in range(1, 5001)]
    good = [list(row) for row in rows]
    rows[99][3] = "六栋"  # line 101: buildings not a number
    rows[2499][1] = "不存在街道"  # line 2501: unknown street office
    rows[4999] = list(rows[9])  # line 5001: the same compound as line 11

    upload(official_client, district, xlsx_bytes(rows))

    batch = latest_batch()
    assert batch.status == CompoundImportStatus.REFUSED
    assert batch.total_rows == 5000
    bad = {row["line"]: row["errors"] for row in batch.rows if row["errors"]}
    assert set(bad) == {101, 2501, 5001}
    assert "楼栋数" in bad[101][0] and "六栋" in bad[101][0]
    assert "不存在街道" in bad[2501][0]
    assert "11" in bad[5001][0]
    assert not Compound.objects.filter(name__startswith="导入小区").exists()
    page = official_client.get(reverse("console_import_batch", args=[district.code, batch.pk]))
    text = page.content.decode()
    assert all(f">{line}</th>" in text for line in (101, 2501, 5001))
    assert "确认导入" not in text
    assert confirm(official_client, district, batch).status_code == 302
    assert not Compound.objects.filter(name__startswith="导入小区").exists()

    started = time.monotonic()
    upload(official_client, district, xlsx_bytes(good))
    fixed = latest_batch()
    confirm(official_client, district, fixed)
    elapsed = time.monotonic() - started

    fixed.refresh_from_db()
    assert fixed.status == CompoundImportStatus.IMPORTED
    assert fixed.created_count == 5000
    assert Compound.objects.filter(name__startswith="导入小区").count() == 5000
    assert elapsed < 60

    upload(official_client, district, xlsx_bytes(good))
    again = latest_batch()
    assert again.status == CompoundImportStatus.READY
    assert (again.new_rows, again.existing_rows, again.error_rows) == (0, 5000, 0)
    response = confirm(official_client, district, again)
    again.refresh_from_db()
    assert again.status == CompoundImportStatus.READY  # nothing to import: not confirmed
    assert "没有需要导入" in official_client.get(response.url).content.decode()
    assert Compound.objects.filter(name__startswith="导入小区").count() == 5000


@pytest.mark.django_db
def test_rows_are_checked_against_the_registers_rules(official_client, district, street_office):
    CompoundFactory(
        street_office=street_office,
        name="导入小区7",
        address="兴华大街7号",
        buildings=6,
        owners=307,
        exclusive_area="21000.50",
        households=320,
        year_built=1998,
    )
    CompoundFactory(street_office=street_office, name="导入小区8", buildings=9)
    rows = [
        compound_row(1, buildings=0),  # line 2: the register needs at least one building
        compound_row(2, area="-5"),  # line 3
        compound_row(3, year="1850"),  # line 4
        compound_row(4, owners="3.5"),  # line 5
        compound_row(5, name=""),  # line 6
        compound_row(6, committee="居委会"),  # line 7
        compound_row(7),  # line 8: already registered with these figures: skipped
        compound_row(8),  # line 9: registered with other figures: refused
        compound_row(9, area="1,234.5"),  # line 10: fine
    ]

    upload(official_client, district, csv_bytes(rows), name="list.csv")

    batch = latest_batch()
    by_line = {row["line"]: row for row in batch.rows}
    assert batch.status == CompoundImportStatus.REFUSED
    assert "至少" in by_line[2]["errors"][0]
    assert by_line[3]["errors"] and by_line[4]["errors"]
    assert "不是整数" in by_line[5]["errors"][0]
    assert "缺少" in by_line[6]["errors"][0]
    assert "居委会" in by_line[7]["errors"][0]
    assert by_line[8]["existing"] and not by_line[8]["errors"]
    assert "已在名册" in by_line[9]["errors"][0]
    assert by_line[10]["clean"]["exclusive_area"] == "1234.5"
    assert (batch.error_rows, batch.existing_rows, batch.new_rows) == (7, 1, 1)


@pytest.mark.django_db
def test_gb18030_csv_and_english_headers_are_read(official_client, district, street_office):
    header = [
        "Compound name",
        "Street office",
        "Address",
        "Buildings",
        "Owners",
        "Exclusive area (㎡)",
        "Households",
        "Year built",
        "Committee type",
    ]
    content = csv_bytes([compound_row(1, committee="owners")], header=header, encoding="gb18030")

    upload(official_client, district, content, name="list.csv")

    batch = latest_batch()
    assert batch.status == CompoundImportStatus.READY
    assert batch.rows[0]["clean"]["committee_type"] == "owners"
    assert batch.rows[0]["values"]["name"] == "导入小区1"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.txt", b"a,b", "Excel"),
        ("list.csv", b"", "\u7a7a"),  # 空
        ("list.xlsx", b"not a zip at all", "Excel"),
        ("list.csv", "小区名称,地址\n枣园,兴华大街\n".encode(), "街道"),
    ],
)
def test_a_wrong_file_is_refused_on_the_upload_page(
    official_client, district, name, content, message
):
    response = upload(official_client, district, content, name=name)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CompoundImport.objects.exists()


@pytest.mark.django_db
def test_a_file_with_only_a_header_fails_without_importing(
    official_client, district, street_office
):
    upload(official_client, district, csv_bytes([]), name="list.csv")

    batch = latest_batch()
    assert batch.status == CompoundImportStatus.FAILED
    assert "没有" in batch.message


@pytest.mark.django_db
def test_blank_lines_are_skipped_but_line_numbers_stay_those_of_the_sheet(
    official_client, district, street_office
):
    upload(
        official_client,
        district,
        xlsx_bytes([compound_row(1), [None] * 9, compound_row(2, buildings="x")]),
    )

    batch = latest_batch()
    assert [row["line"] for row in batch.rows] == [2, 4]
    assert batch.rows[1]["errors"]


@pytest.mark.django_db
def test_only_the_uploader_sees_and_confirms_an_upload(
    client, official_client, district, street_office
):
    upload(official_client, district, csv_bytes([compound_row(1)]), name="list.csv")
    batch = latest_batch()
    colleague = OfficialFactory(district=district).user
    give_totp(colleague)
    client.force_login(colleague)

    assert (
        client.get(reverse("console_import_batch", args=[district.code, batch.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("console_import_progress", args=[district.code, batch.pk])).status_code
        == 404
    )
    assert confirm(client, district, batch).status_code == 404
    batch.refresh_from_db()
    assert batch.status == CompoundImportStatus.READY


@pytest.mark.django_db
def test_an_expired_upload_cannot_be_confirmed(official_client, district, street_office):
    upload(official_client, district, csv_bytes([compound_row(1)]), name="list.csv")
    batch = latest_batch()
    CompoundImport.objects.filter(pk=batch.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = confirm(official_client, district, batch)

    batch.refresh_from_db()
    assert batch.status == CompoundImportStatus.READY
    assert "已过期" in official_client.get(response.url).content.decode()
    assert not Compound.objects.filter(name="导入小区1").exists()


@pytest.mark.django_db
def test_confirming_twice_imports_once(official_client, district, street_office):
    upload(official_client, district, csv_bytes([compound_row(1)]), name="list.csv")
    batch = latest_batch()

    confirm(official_client, district, batch)
    confirm(official_client, district, batch)

    assert Compound.objects.filter(name="导入小区1").count() == 1
    assert Event.objects.filter(action="compound_import.completed").count() == 1


@pytest.mark.django_db
def test_a_name_registered_between_preview_and_confirmation_fails_the_whole_import(
    official_client, district, street_office, official
):
    upload(
        official_client, district, csv_bytes([compound_row(1), compound_row(2)]), name="list.csv"
    )
    batch = latest_batch()
    compound_register(
        actor=official,
        street_office=street_office,
        name="导入小区2",
        address="别处",
        buildings=1,
        owners=1,
        exclusive_area=10,
        households=1,
        year_built=2000,
    )

    confirm(official_client, district, batch)

    batch.refresh_from_db()
    assert batch.status == CompoundImportStatus.FAILED
    assert batch.message.startswith("第 3 行: ")
    assert "同名" in batch.message, batch.message
    assert not Compound.objects.filter(name="导入小区1").exists()  # all or nothing


@pytest.mark.django_db
def test_progress_is_reported_as_json(official_client, district, street_office):
    upload(official_client, district, csv_bytes([compound_row(1)]), name="list.csv")
    batch = latest_batch()

    state = official_client.get(
        reverse("console_import_progress", args=[district.code, batch.pk])
    ).json()

    assert state == {
        "status": "ready",
        "label": batch.get_status_display(),
        "working": False,
        "processed": 1,
        "total": 1,
        "percent": 100,
        "url": reverse("console_import_batch", args=[district.code, batch.pk]),
    }


@pytest.mark.django_db
def test_progress_is_written_while_rows_are_checked(district, street_office, official, monkeypatch):
    from market.console import services
    from market.console.import_rows import RowChecker

    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    batch = CompoundImport.objects.create(
        district=district,
        owner=official,
        file_name="a.csv",
        file_kind="csv",
        source=csv_bytes([compound_row(n) for n in range(1, 6)]),
    )
    seen = []
    original = RowChecker.check

    def check(self, line):
        seen.append(
            CompoundImport.objects.values_list("processed_rows", "total_rows").get(pk=batch.pk)
        )
        return original(self, line)

    monkeypatch.setattr(RowChecker, "check", check)

    compound_import_check(batch_id=batch.pk)

    assert seen == [(0, 5), (0, 5), (2, 5), (2, 5), (4, 5)]
    batch.refresh_from_db()
    assert (batch.processed_rows, batch.total_rows, batch.progress_percent) == (5, 5, 100)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_template_has_the_columns_and_reads_back(official_client, district, kind):
    response = official_client.get(reverse("console_import_template", args=[district.code, kind]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = read_xlsx(response.content) if kind == "xlsx" else read_csv(response.content)
    assert rows[0] == template_header()
    assert rows[0][0] == "小区名称" and len(rows) == 1
    assert HEADER_ZH[:3] == ["小区名称", "街道", "地址"]


@pytest.mark.django_db
def test_expired_uploads_are_purged(district, official):
    from market.console.services import compound_imports_purge

    old = CompoundImport.objects.create(
        district=district,
        owner=official,
        file_name="a.csv",
        file_kind="csv",
        source=b"x",
        expires_at=timezone.now() - timedelta(hours=1),
    )
    fresh = CompoundImport.objects.create(
        district=district, owner=official, file_name="b.csv", file_kind="csv", source=b"x"
    )

    assert compound_imports_purge() == [old.pk]
    assert not CompoundImport.objects.filter(pk=old.pk).exists()
    assert CompoundImport.objects.filter(pk=fresh.pk).exists()


@pytest.mark.django_db
def test_the_purge_is_an_idle_daily_rule_until_an_upload_has_something_to_purge(district, official):
    """Uploads rarely expire: on the other days the purge is probed like the other idle
    rules, with no transaction, record or statements of its own."""
    from contracts.daily import daily_run
    from market.daily import daily_rules

    purge = next(rule for rule in daily_rules() if rule.name == "market.compound_imports_purge")
    today = timezone.localdate()
    past = timezone.now() - timedelta(hours=1)

    def upload(**fields):
        return CompoundImport.objects.create(
            district=district, owner=official, file_name="a.csv", file_kind="csv", **fields
        )

    upload(source=b"x")  # not expired
    # Imported, expired, rows already dropped: nothing left to purge.
    upload(source=b"x", expires_at=past, status=CompoundImportStatus.IMPORTED, rows=[])
    assert purge.candidates is not None
    assert not purge.candidates(today).exists()
    assert daily_run(today=today)["market.compound_imports_purge"] == {"done": []}

    kept_rows = upload(
        source=b"x", expires_at=past, status=CompoundImportStatus.IMPORTED, rows=[{"名称": "甲"}]
    )
    stale = upload(source=b"x", expires_at=past)
    assert set(purge.candidates(today).values_list("pk", flat=True)) == {kept_rows.pk, stale.pk}
    tomorrow = today + timedelta(days=1)
    assert daily_run(today=tomorrow)["market.compound_imports_purge"] == {"done": [stale.pk]}
    kept_rows.refresh_from_db()
    assert kept_rows.rows == [] and not CompoundImport.objects.filter(pk=stale.pk).exists()
    assert not purge.candidates(tomorrow).exists()


@pytest.mark.django_db
def test_a_batch_being_read_shows_its_progress_and_polls(official_client, district, official):
    batch = CompoundImport.objects.create(
        district=district,
        owner=official,
        file_name="big.xlsx",
        file_kind="xlsx",
        total_rows=4000,
        processed_rows=1000,
    )

    response = official_client.get(reverse("console_import_batch", args=[district.code, batch.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert '<progress class="progress" max="100" value="25"' in text
    assert "已处理 1000 / 4000 行" in text
    assert reverse("console_import_progress", args=[district.code, batch.pk]) in text
    assert "js/console-import.js" in text
    assert '<meta http-equiv="refresh"' in text  # without JavaScript the page reloads itself
    assert "确认导入" not in text
