"""Firm vetting (issue #3, DOMAIN: Firms and vetting): the application form, the bureau's
list and detail pages with their decisions and credit entries, the private licence file
and the e-mails to the firm."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import EmailValidator
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from market.dates import add_months
from market.models import CreditEntry, Event, Firm, FirmMember, FirmStatus
from market.services import firms as firms_service
from market.services.firms import firm_approve, firm_resubmit
from tests.factories import (
    FirmFactory,
    FirmMemberFactory,
    OfficialFactory,
    UserFactory,
    give_totp,
)

GOOD_CODE = "91110000802100433B"
# Django's own message, in whatever words its Chinese translation uses.
REQUIRED = forms.Field.default_error_messages["required"]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def licence_dir(tmp_path, monkeypatch):
    """Licence scans go to a fresh private folder per test, so a test can see whether
    anything was stored."""
    folder = tmp_path / "private"
    folder.mkdir()
    monkeypatch.setattr(
        Firm._meta.get_field("licence"), "storage", FileSystemStorage(location=folder)
    )
    return folder


def stored_files(folder) -> list:
    return [p for p in folder.rglob("*") if p.is_file()]


@pytest.fixture
def applicant(db):
    return UserFactory(full_name="申请人")


def application(district, **changes):
    data = {
        "name": "北京新兴物业管理有限公司",
        "credit_code": GOOD_CODE,
        "legal_representative": "李建国",
        "address": "北京市大兴区兴华大街1号",
        "contact_name": "王经理",
        "phone": "010-6000 1234",
        "email": "contact@xinxing.example",
        "districts": [district.pk],
        "registered_district": district.pk,
        "licence": SimpleUploadedFile("营业执照.png", png_bytes(), content_type="image/png"),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def apply(client, district, **changes):
    return client.post(reverse("firm_apply"), application(district, **changes))


def make_firm(district, status=FirmStatus.APPLIED, **kwargs) -> Firm:
    firm = FirmFactory(status=status, registered_district=district, districts=[district], **kwargs)
    FirmMemberFactory(firm=firm, role="admin")
    return firm


def with_licence(firm: Firm, content: bytes = None, name: str = "scan.png") -> Firm:
    firm.licence.save(name, ContentFile(content or png_bytes()), save=True)
    return firm


# --- The application ----------------------------------------------------------------


@pytest.mark.django_db
def test_applicant_applies_and_sees_the_application_waiting(
    client, applicant, district, licence_dir
):
    client.force_login(applicant)

    response = apply(client, district)

    firm = Firm.objects.get()
    assert response.status_code == 302
    assert response.url == f"{reverse('my_firm')}?firm={firm.pk}"
    assert firm.status == FirmStatus.APPLIED
    assert firm.credit_code == GOOD_CODE
    assert firm.legal_representative == "李建国"
    assert firm.registered_district == district
    assert list(firm.districts.all()) == [district]
    assert FirmMember.objects.get(firm=firm).user == applicant
    assert FirmMember.objects.get(firm=firm).role == "admin"
    # Stored privately under a name of our own, not the uploaded one.
    [stored] = stored_files(licence_dir)
    assert stored.read_bytes() == png_bytes()
    assert "营业执照" not in firm.licence.name
    assert firm.licence.name.endswith(".png")
    event = Event.objects.get(action="firm.applied")
    assert event.actor == applicant
    assert event.district == district

    page = client.get(response.url).content.decode()
    assert "北京新兴物业管理有限公司" in page
    assert "已申请" in page
    assert "您的申请正由大兴区住房和城乡建设委员会审核" in page


@pytest.mark.django_db
def test_the_registered_district_is_always_served(client, applicant, district, other_district):
    client.force_login(applicant)

    apply(client, district, districts=[other_district.pk])

    firm = Firm.objects.get()
    assert set(firm.districts.all()) == {district, other_district}
    assert firm.registered_district == district


@pytest.mark.django_db
def test_a_code_typed_in_lower_case_with_spaces_is_accepted(client, applicant, district):
    client.force_login(applicant)

    apply(client, district, credit_code=" 9111 0000 8021 0043 3b ")

    assert Firm.objects.get().credit_code == GOOD_CODE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000802100433", "统一社会信用代码应为 18 位，当前为 17 位。"),
        ("91110000802100433BX", "统一社会信用代码应为 18 位，当前为 19 位。"),
        ("9111000080210O433B", "统一社会信用代码不能包含 O"),
        ("9I11000S802100433B", "统一社会信用代码不能包含 I、S"),
        ("91110000802100433C", "校验码"),
    ],
)
def test_a_bad_credit_code_is_refused_naming_the_problem_and_nothing_is_saved(
    client, applicant, district, licence_dir, code, message
):
    client.force_login(applicant)

    response = apply(client, district, credit_code=code)

    assert response.status_code == 400
    errors = response.context["form"].errors["credit_code"]
    assert any(message in error for error in errors)
    assert message in response.content.decode()
    assert not Firm.objects.exists()
    assert not Event.objects.exists()
    assert stored_files(licence_dir) == []


@pytest.mark.django_db
def test_the_wrong_check_character_message_names_the_right_one(client, applicant, district):
    client.force_login(applicant)

    response = apply(client, district, credit_code="91110000802100433C")

    [error] = response.context["form"].errors["credit_code"]
    assert "B" in error and "C" in error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("licence", "message"),
    [
        (
            SimpleUploadedFile("licence.jpg", b"not a picture at all\n" * 10, "image/jpeg"),
            "这个文件的扩展名是 .jpg，但内容不是 JPEG 图片。",
        ),
        (SimpleUploadedFile("licence.docx", b"PK\x03\x04 a word file"), "只接受"),
        (SimpleUploadedFile("licence.pdf", b"%PDF-1.4\n cut off here"), "%%EOF"),
        (None, REQUIRED),
    ],
)
def test_a_bad_licence_is_refused_and_nothing_is_saved(
    client, applicant, district, licence_dir, licence, message
):
    client.force_login(applicant)

    response = apply(client, district, licence=licence or "")

    assert response.status_code == 400
    assert any(str(message) in error for error in response.context["form"].errors["licence"])
    assert not Firm.objects.exists()
    assert stored_files(licence_dir) == []


@pytest.mark.django_db
def test_an_oversize_licence_is_refused(client, applicant, district, licence_dir, settings):
    settings.UPLOAD_MAX_BYTES = 50
    client.force_login(applicant)

    response = apply(client, district)

    assert response.status_code == 400
    assert "文件太大" in response.context["form"].errors["licence"][0]
    assert not Firm.objects.exists()
    assert stored_files(licence_dir) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", REQUIRED),
        ("phone", "call me", "请输入电话号码"),
        ("email", "not-an-address", EmailValidator.message),
        ("districts", [], REQUIRED),
        ("legal_representative", "", REQUIRED),
    ],
)
def test_missing_or_bad_fields_are_refused(
    client, applicant, district, licence_dir, field, value, message
):
    client.force_login(applicant)

    response = apply(client, district, **{field: value})

    assert response.status_code == 400
    assert any(str(message) in error for error in response.context["form"].errors[field])
    assert not Firm.objects.exists()
    assert stored_files(licence_dir) == []


@pytest.mark.django_db
def test_a_credit_code_already_registered_is_refused(client, applicant, district, licence_dir):
    FirmFactory(credit_code=GOOD_CODE)
    client.force_login(applicant)

    response = apply(client, district)

    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"] == [
        "已有企业使用此统一社会信用代码登记。"
    ]
    assert Firm.objects.count() == 1
    assert stored_files(licence_dir) == []


@pytest.mark.django_db
def test_the_application_form_is_in_english_when_switched(client, applicant, district):
    client.force_login(applicant)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = apply(client, district, credit_code="91110000802100433")

    text = response.content.decode()
    assert response.status_code == 400
    assert "A unified social credit code has 18 characters; this one has 17." in text


@pytest.mark.django_db
def test_officials_cannot_apply_and_the_public_must_log_in(client, official, district):
    response = client.get(reverse("firm_apply"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))

    client.force_login(official)
    assert client.get(reverse("firm_apply")).status_code == 403
    assert apply(client, district).status_code == 403
    assert not Firm.objects.exists()


@pytest.mark.django_db
def test_a_person_without_a_role_is_offered_the_application(client, applicant):
    client.force_login(applicant)

    page = client.get(reverse("my_home")).content.decode()

    assert reverse("firm_apply") in page
    assert client.get(reverse("firm_apply")).status_code == 200


# --- The bureau's list --------------------------------------------------------------


@pytest.mark.django_db
def test_the_bureau_lists_its_firms_applications_first_with_counts(
    client, official, district, other_district
):
    approved = make_firm(district, FirmStatus.APPROVED, name="甲物业")
    waiting = make_firm(district, FirmStatus.APPLIED, name="乙物业")
    make_firm(district, FirmStatus.REJECTED, name="丙物业")
    make_firm(other_district, FirmStatus.APPLIED, name="外区物业")
    client.force_login(official)

    response = client.get(reverse("district_firms", args=[district.code]))

    assert response.status_code == 200
    firms = list(response.context["page"])
    assert firms[0] == waiting
    assert approved in firms
    assert all(firm.registered_district == district for firm in firms)
    tabs = {value: count for value, _label, count in response.context["tabs"]}
    assert tabs == {"applied": 1, "approved": 1, "suspended": 0, "rejected": 1, "revoked": 0}
    assert [value for value, _label, _count in response.context["tabs"]][0] == "applied"
    text = response.content.decode()
    assert "外区物业" not in text
    assert "已申请" in text

    filtered = client.get(reverse("district_firms", args=[district.code]), {"status": "approved"})
    assert list(filtered.context["page"]) == [approved]


@pytest.mark.django_db
def test_the_district_home_links_the_waiting_applications(client, official, district):
    make_firm(district, FirmStatus.APPLIED)
    make_firm(district, FirmStatus.APPLIED)
    make_firm(district, FirmStatus.APPROVED)
    client.force_login(official)

    text = client.get(reverse("district_detail", args=[district.code])).content.decode()

    assert reverse("district_firms", args=[district.code]) in text
    assert "2 份申请待审核" in text


# --- The bureau's detail page and decisions -----------------------------------------


@pytest.mark.django_db
def test_the_detail_page_shows_everything_the_bureau_needs(client, official, district):
    firm = with_licence(make_firm(district, legal_representative="李建国", address="兴华大街1号"))
    CreditEntry.objects.create(
        firm=firm,
        points=Decimal("-5"),
        reason="投诉处理超时",
        recorded_on=timezone.localdate() - timedelta(days=3),
        expires_on=timezone.localdate() + timedelta(days=360),
    )
    client.force_login(official)

    response = client.get(reverse("firm_vetting", args=[firm.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    for shown in [firm.name, firm.credit_code, "李建国", "兴华大街1号", firm.phone, firm.email]:
        assert shown in text
    assert reverse("firm_licence", args=[firm.pk]) in text
    assert firm.members.get().user.email in text
    assert "投诉处理超时" in text and "-5.0" in text
    decisions = [decision.key for decision, _form in response.context["decisions"]]
    assert decisions == ["approve", "reject", "blacklist"]


def decide(client, firm, action, reason=None):
    data = {f"{action}-reason": reason} if reason is not None else {}
    return client.post(reverse("firm_decide", args=[firm.pk, action]), data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "action", "reason", "end", "event_action"),
    [
        (FirmStatus.APPLIED, "approve", None, FirmStatus.APPROVED, "firm.approved"),
        (FirmStatus.APPLIED, "reject", "执照已过期", FirmStatus.REJECTED, "firm.rejected"),
        (FirmStatus.APPROVED, "suspend", "拒不整改", FirmStatus.SUSPENDED, "firm.suspended"),
        (FirmStatus.SUSPENDED, "reinstate", "已整改", FirmStatus.APPROVED, "firm.reinstated"),
        (FirmStatus.APPROVED, "revoke", "严重违约", FirmStatus.REVOKED, "firm.revoked"),
        (FirmStatus.SUSPENDED, "revoke", "逾期未整改", FirmStatus.REVOKED, "firm.revoked"),
    ],
)
def test_every_decision_changes_the_status_and_writes_an_event_with_actor_and_time(
    client,
    official,
    district,
    django_capture_on_commit_callbacks,
    start,
    action,
    reason,
    end,
    event_action,
):
    firm = make_firm(district, start)
    client.force_login(official)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, firm, action, reason)

    assert response.status_code == 302
    assert response.url == reverse("firm_vetting", args=[firm.pk])
    firm.refresh_from_db()
    assert firm.status == end
    assert firm.status_reason == (reason or "")
    event = Event.objects.get(action=event_action)
    assert event.actor == official
    assert event.district == district
    assert before <= event.created_at <= timezone.now()
    assert event.before == {"status": start} and event.after == {"status": end}
    if reason:
        assert event.data == {"reason": reason}
    # The firm hears of it at its contact address, with the reason.
    [message] = mail.outbox
    assert message.to == [firm.email]
    assert firm.name in message.subject
    assert firm.get_status_display() in message.body
    if reason:
        assert reason in message.body
    # And the page shows it in the timeline.
    page = client.get(response.url).content.decode()
    assert str(Event(action=event_action).action_label) in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "action"),
    [
        (FirmStatus.APPLIED, "reject"),
        (FirmStatus.APPROVED, "suspend"),
        (FirmStatus.SUSPENDED, "reinstate"),
        (FirmStatus.APPROVED, "revoke"),
    ],
)
def test_a_decision_without_a_reason_is_refused(
    client, official, district, django_capture_on_commit_callbacks, start, action
):
    firm = make_firm(district, start)
    client.force_login(official)

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, firm, action, "   ")

    assert response.status_code == 400
    form = dict((d.key, f) for d, f in response.context["decisions"])[action]
    assert form.errors["reason"] == ["请填写此决定的理由；企业将看到该理由。"]
    assert "请填写此决定的理由" in response.content.decode()
    firm.refresh_from_db()
    assert firm.status == start
    assert not Event.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_impossible_decision_is_refused_with_the_current_state(client, official, district):
    firm = make_firm(district, FirmStatus.APPROVED)
    client.force_login(official)

    response = decide(client, firm, "approve")

    assert response.status_code == 400
    text = response.content.decode()
    assert "该企业当前状态为“已批准”，不能改为“已批准”" in text
    assert not Event.objects.exists()

    rejected = make_firm(district, FirmStatus.REJECTED)
    response = decide(client, rejected, "reinstate", "再给一次机会")
    assert response.status_code == 400
    assert "不能改为" in response.content.decode()
    rejected.refresh_from_db()
    assert rejected.status == FirmStatus.REJECTED


@pytest.mark.django_db
def test_an_unknown_action_is_not_found(client, official, district):
    firm = make_firm(district)
    client.force_login(official)

    assert decide(client, firm, "promote", "x").status_code == 404


@pytest.mark.django_db
def test_the_bureau_blacklists_and_lifts_with_reasons(client, official, district):
    firm = make_firm(district, FirmStatus.APPROVED)
    client.force_login(official)

    refused = decide(client, firm, "blacklist", "")
    assert refused.status_code == 400
    assert "请填写列入或移出黑名单的理由" in refused.content.decode()
    assert not Event.objects.exists()

    assert decide(client, firm, "blacklist", "串通投标").status_code == 302
    firm.refresh_from_db()
    assert firm.blacklisted and firm.blacklist_reason == "串通投标"
    assert not Firm.objects.listable().filter(pk=firm.pk).exists()
    page = client.get(reverse("firm_vetting", args=[firm.pk]))
    assert [d.key for d, _f in page.context["decisions"]] == ["suspend", "revoke", "unblacklist"]

    assert decide(client, firm, "unblacklist", "处罚期满").status_code == 302
    firm.refresh_from_db()
    assert not firm.blacklisted
    events = Event.objects.filter(action__in=["firm.blacklisted", "firm.unblacklisted"])
    assert {(e.action, e.actor, e.data["reason"]) for e in events} == {
        ("firm.blacklisted", official, "串通投标"),
        ("firm.unblacklisted", official, "处罚期满"),
    }


def credit(client, firm, **changes):
    data = {
        "credit-points": "5",
        "credit-reason": "获评区级优秀物业项目",
        "credit-recorded_on": timezone.localdate().isoformat(),
    }
    data.update({f"credit-{key}": value for key, value in changes.items()})
    return client.post(reverse("firm_credit_entry_add", args=[firm.pk]), data)


@pytest.mark.django_db
def test_the_bureau_adds_a_credit_entry_and_the_grade_follows(client, official, district):
    firm = make_firm(district, FirmStatus.APPROVED)
    client.force_login(official)

    response = credit(client, firm)

    assert response.status_code == 302
    entry = CreditEntry.objects.get()
    assert entry.points == Decimal("5")
    assert entry.recorded_by == official
    assert entry.expires_on == add_months(timezone.localdate(), 12)
    firm.refresh_from_db()
    assert firm.credit_score == Decimal("85.0")
    assert firm.credit_grade == "AAA"
    added = Event.objects.get(action="firm.credit_entry_added")
    assert added.actor == official and added.after["points"] == "5"
    assert Event.objects.get(action="firm.credit_changed").after == {
        "score": "85.0",
        "grade": "AAA",
    }
    page = client.get(reverse("firm_vetting", args=[firm.pk])).content.decode()
    assert "获评区级优秀物业项目" in page and "+5.0" in page and "AAA" in page

    credit(client, firm, points="-12.5", reason="电梯困人未及时处置")
    firm.refresh_from_db()
    assert firm.credit_score == Decimal("72.5") and firm.credit_grade == "A"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"points": "0"}, "points", "请填写正分或负分（不能为 0）。"),
        ({"points": "abc"}, "points", forms.DecimalField.default_error_messages["invalid"]),
        ({"points": "41"}, "points", "40"),
        ({"reason": " "}, "reason", "请填写此信用记录的理由。"),
        (
            {"recorded_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "recorded_on",
            "日期不能晚于今天。",
        ),
        (
            {"recorded_on": (timezone.localdate() - timedelta(days=400)).isoformat()},
            "recorded_on",
            "已经失效",
        ),
    ],
)
def test_a_bad_credit_entry_is_refused_and_nothing_saved(
    client, official, district, changes, field, message
):
    firm = make_firm(district, FirmStatus.APPROVED)
    client.force_login(official)

    response = credit(client, firm, **changes)

    assert response.status_code == 400
    errors = response.context["credit_form"].errors[field]
    assert any(str(message) in error for error in errors)
    assert not CreditEntry.objects.exists()
    assert not Event.objects.exists()
    firm.refresh_from_db()
    assert firm.credit_score == Decimal("80")


@pytest.mark.django_db
def test_the_firm_sees_the_bureaus_reason_after_a_rejection(client, official, district, applicant):
    client.force_login(applicant)
    apply(client, district)
    firm = Firm.objects.get()
    client.force_login(official)
    decide(client, firm, "reject", "营业执照经营范围不含物业服务")

    client.force_login(applicant)
    page = client.get(reverse("my_firm")).content.decode()

    assert "已驳回" in page
    assert "住建部门驳回了申请。" in page
    assert "营业执照经营范围不含物业服务" in page


@pytest.mark.django_db
def test_decision_emails_are_in_chinese_even_when_the_official_browses_in_english(
    client, official, district, django_capture_on_commit_callbacks
):
    firm = make_firm(district)
    client.force_login(official)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    with django_capture_on_commit_callbacks(execute=True):
        decide(client, firm, "approve")

    [message] = mail.outbox
    assert message.subject == f"【物业超市】{firm.name} 已通过审核"
    assert "大兴区住房和城乡建设委员会已对" in message.body
    assert "/my/firm/" in message.body


@pytest.mark.django_db
def test_services_send_the_decision_email_only_after_commit(
    district, django_capture_on_commit_callbacks
):
    firm = make_firm(district)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        firm_approve(firm=firm, actor=None)
        assert mail.outbox == []

    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [[firm.email]]


# --- Who may use the bureau's pages -------------------------------------------------


def bureau_requests(firm):
    code = firm.registered_district.code
    yield "get", reverse("district_firms", args=[code]), {}
    yield "get", reverse("firm_vetting", args=[firm.pk]), {}
    for action in ["approve", "reject", "blacklist"]:
        yield "post", reverse("firm_decide", args=[firm.pk, action]), {f"{action}-reason": "x"}
    yield (
        "post",
        reverse("firm_credit_entry_add", args=[firm.pk]),
        {"credit-points": "5", "credit-reason": "x", "credit-recorded_on": "2026-01-01"},
    )


@pytest.fixture
def street_official(street_office):
    post = OfficialFactory(district=street_office.district, street_office=street_office)
    give_totp(post.user)
    return post.user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["committee_member", "own_staff", "firm_staff", "other_official", "street_official"]
)
def test_only_the_firms_bureau_may_use_the_vetting_pages(request, client, district, who):
    firm = make_firm(district)
    if who == "own_staff":
        user = firm.members.get().user
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)

    for method, url, data in bureau_requests(firm):
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (who, url)

    firm.refresh_from_db()
    assert firm.status == FirmStatus.APPLIED and not firm.blacklisted
    assert not CreditEntry.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_the_public_is_sent_to_log_in_from_the_vetting_pages(client, district):
    firm = make_firm(district)

    for method, url, data in bureau_requests(firm):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login"))

    firm.refresh_from_db()
    assert firm.status == FirmStatus.APPLIED
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_an_official_without_mfa_is_sent_to_set_it_up(client, official_without_mfa, district):
    firm = make_firm(district)
    client.force_login(official_without_mfa)

    for method, url, data in bureau_requests(firm):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response.url == reverse("mfa_activate_totp")

    firm.refresh_from_db()
    assert firm.status == FirmStatus.APPLIED
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_firm_registered_in_another_district_is_not_this_bureaus(
    client, official, other_district
):
    firm = make_firm(other_district)
    client.force_login(official)

    assert client.get(reverse("firm_vetting", args=[firm.pk])).status_code == 403
    assert decide(client, firm, "approve").status_code == 403
    assert client.get(reverse("district_firms", args=[other_district.code])).status_code == 403
    firm.refresh_from_db()
    assert firm.status == FirmStatus.APPLIED


@pytest.mark.django_db
def test_a_missing_firm_or_district_is_not_found(client, official):
    client.force_login(official)

    assert client.get(reverse("firm_vetting", args=[999999])).status_code == 404
    assert client.get(reverse("district_firms", args=["999999"])).status_code == 404


# --- The licence file ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [(png_bytes(), "scan.png", "image/png"), (PDF_BYTES, "scan.pdf", "application/pdf")],
)
def test_the_firms_staff_and_its_bureau_open_the_licence_inline(
    client, official, district, content, name, content_type
):
    firm = with_licence(make_firm(district), content, name)

    for user in [firm.members.get().user, official]:
        client.force_login(user)
        response = client.get(reverse("firm_licence", args=[firm.pk]))

        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline")
        assert "private" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == content


@pytest.mark.django_db
def test_a_file_that_is_not_a_known_kind_is_only_offered_as_a_download(client, official, district):
    firm = with_licence(make_firm(district), b"<html><script>alert(1)</script>", "x.png")
    client.force_login(official)

    response = client.get(reverse("firm_licence", args=[firm.pk]))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["public", "committee_member", "firm_staff", "other_official", "street_official"]
)
def test_nobody_else_sees_the_licence(request, client, district, who):
    firm = with_licence(make_firm(district))
    if who != "public":
        client.force_login(request.getfixturevalue(who))

    response = client.get(reverse("firm_licence", args=[firm.pk]))

    assert response.status_code == 403


@pytest.mark.django_db
def test_an_official_without_mfa_must_set_it_up_to_see_a_licence(
    client, official_without_mfa, district
):
    firm = with_licence(make_firm(district))
    client.force_login(official_without_mfa)

    response = client.get(reverse("firm_licence", args=[firm.pk]))

    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_no_licence_is_not_found(client, official, district):
    firm = make_firm(district)
    client.force_login(official)

    assert client.get(reverse("firm_licence", args=[firm.pk])).status_code == 404
    assert client.get(reverse("firm_licence", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_a_licence_missing_on_disk_is_not_found(client, official, district, licence_dir):
    firm = with_licence(make_firm(district))
    for path in stored_files(licence_dir):
        path.unlink()
    client.force_login(official)

    assert client.get(reverse("firm_licence", args=[firm.pk])).status_code == 404


# --- A rejected firm corrects its application and applies again ---------------------


def rejected_firm(district, **kwargs) -> Firm:
    """A rejected firm with a licence scan on file and its administrator."""
    firm = with_licence(
        make_firm(
            district,
            FirmStatus.REJECTED,
            status_reason="营业执照经营范围不含物业服务",
            legal_representative="李建国",
            address="兴华大街1号",
            **kwargs,
        )
    )
    return firm


def admin_of(firm: Firm):
    return firm.members.get(role="admin").user


def resubmission(firm: Firm, **changes) -> dict:
    data = {
        "name": firm.name,
        "credit_code": firm.credit_code,
        "legal_representative": firm.legal_representative,
        "address": firm.address,
        "contact_name": firm.contact_name,
        "phone": firm.phone,
        "email": firm.email,
        "districts": [d.pk for d in firm.districts.all()],
        "registered_district": firm.registered_district_id,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def resubmit(client, firm, **changes):
    return client.post(reverse("firm_resubmit", args=[firm.pk]), resubmission(firm, **changes))


@pytest.mark.django_db
def test_a_rejected_firms_admin_corrects_and_resubmits_keeping_the_licence(
    client, official, district, licence_dir, django_capture_on_commit_callbacks
):
    firm = rejected_firm(district)
    [scan] = stored_files(licence_dir)
    client.force_login(admin_of(firm))

    home = client.get(reverse("my_firm")).content.decode()
    assert reverse("firm_resubmit", args=[firm.pk]) in home
    page = client.get(reverse("firm_resubmit", args=[firm.pk]))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["credit_code"] == firm.credit_code
    assert form.initial["registered_district"] == district.pk
    assert not form.fields["licence"].required
    text = page.content.decode()
    assert "修改并重新提交申请" in text
    assert "营业执照经营范围不含物业服务" in text
    assert f'value="{firm.credit_code}"' in text
    assert reverse("firm_licence", args=[firm.pk]) in text

    with django_capture_on_commit_callbacks(execute=True):
        response = resubmit(client, firm, name="北京新兴物业服务有限公司", address="兴华大街2号")

    assert response.status_code == 302
    assert response.url == f"{reverse('my_firm')}?firm={firm.pk}"
    old_name = firm.name
    firm.refresh_from_db()
    assert firm.status == FirmStatus.APPLIED
    assert firm.status_reason == ""
    assert firm.name == "北京新兴物业服务有限公司"
    assert firm.address == "兴华大街2号"
    assert stored_files(licence_dir) == [scan]
    event = Event.objects.get(action="firm.resubmitted")
    assert event.actor == admin_of(firm)
    assert event.district == district
    assert event.before == {"status": "rejected", "name": old_name, "address": "兴华大街1号"}
    assert event.after == {
        "status": "applied",
        "name": "北京新兴物业服务有限公司",
        "address": "兴华大街2号",
    }
    # Nobody is e-mailed: the bureau sees it in its list.
    assert mail.outbox == []
    home = client.get(response.url).content.decode()
    assert "已申请" in home
    assert reverse("firm_resubmit", args=[firm.pk]) not in home

    client.force_login(official)
    listed = client.get(reverse("district_firms", args=[district.code]), {"status": "applied"})
    assert list(listed.context["page"]) == [firm]
    detail = client.get(reverse("firm_vetting", args=[firm.pk]))
    assert [d.key for d, _f in detail.context["decisions"]][:2] == ["approve", "reject"]
    assert "企业修改后重新提交入驻申请" in detail.content.decode()


@pytest.mark.django_db
def test_a_resubmission_may_replace_the_licence_and_change_the_code(
    client, district, licence_dir, django_capture_on_commit_callbacks
):
    firm = rejected_firm(district)
    [old_scan] = stored_files(licence_dir)
    client.force_login(admin_of(firm))

    with django_capture_on_commit_callbacks(execute=True):
        response = resubmit(
            client,
            firm,
            credit_code=GOOD_CODE.lower(),
            licence=SimpleUploadedFile("新执照.pdf", PDF_BYTES, content_type="application/pdf"),
        )

    assert response.status_code == 302
    firm.refresh_from_db()
    assert firm.credit_code == GOOD_CODE
    [new_scan] = stored_files(licence_dir)
    assert new_scan != old_scan
    assert new_scan.read_bytes() == PDF_BYTES
    assert "新执照" not in firm.licence.name
    event = Event.objects.get(action="firm.resubmitted")
    assert event.after["credit_code"] == GOOD_CODE
    assert event.data == {"licence_replaced": True}


@pytest.mark.django_db
def test_a_rejected_firm_without_a_licence_on_file_must_upload_one(client, district, licence_dir):
    firm = make_firm(
        district,
        FirmStatus.REJECTED,
        status_reason="未上传营业执照",
        legal_representative="李建国",
        address="兴华大街1号",
    )
    client.force_login(admin_of(firm))

    page = client.get(reverse("firm_resubmit", args=[firm.pk]))
    assert page.context["form"].fields["licence"].required

    response = resubmit(client, firm)

    assert response.status_code == 400
    assert response.context["form"].errors["licence"] == [REQUIRED]
    firm.refresh_from_db()
    assert firm.status == FirmStatus.REJECTED
    assert not Event.objects.exists()

    uploaded = resubmit(
        client, firm, licence=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    )
    assert uploaded.status_code == 302
    firm.refresh_from_db()
    assert firm.status == FirmStatus.APPLIED
    assert len(stored_files(licence_dir)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"credit_code": "91110000802100433C"}, "credit_code", "校验码"),
        ({"name": ""}, "name", REQUIRED),
        ({"phone": "call me"}, "phone", "请输入电话号码"),
        ({"districts": []}, "districts", REQUIRED),
        (
            {"licence": SimpleUploadedFile("x.jpg", b"not a picture\n" * 10, "image/jpeg")},
            "licence",
            "内容不是 JPEG 图片",
        ),
    ],
)
def test_a_bad_resubmission_is_refused_and_nothing_changes(
    client, district, licence_dir, changes, field, message
):
    firm = rejected_firm(district)
    files = stored_files(licence_dir)
    client.force_login(admin_of(firm))

    response = resubmit(client, firm, **changes)

    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any(str(message) in error for error in errors)
    assert str(message) in response.content.decode()
    firm.refresh_from_db()
    assert firm.status == FirmStatus.REJECTED
    assert firm.status_reason == "营业执照经营范围不含物业服务"
    assert not Event.objects.exists()
    assert stored_files(licence_dir) == files


@pytest.mark.django_db
def test_a_resubmission_cannot_take_another_firms_credit_code(client, district, licence_dir):
    FirmFactory(credit_code=GOOD_CODE)
    firm = rejected_firm(district)
    files = stored_files(licence_dir)
    client.force_login(admin_of(firm))

    response = resubmit(
        client,
        firm,
        credit_code=GOOD_CODE,
        licence=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"] == [
        "已有企业使用此统一社会信用代码登记。"
    ]
    firm.refresh_from_db()
    assert firm.status == FirmStatus.REJECTED
    assert firm.credit_code != GOOD_CODE
    assert stored_files(licence_dir) == files


@pytest.mark.django_db
@pytest.mark.parametrize("status", [FirmStatus.APPLIED, FirmStatus.APPROVED, FirmStatus.REVOKED])
def test_only_a_rejected_application_can_be_resubmitted(client, district, status):
    firm = make_firm(district, status, legal_representative="李建国", address="兴华大街1号")
    client.force_login(admin_of(firm))

    page = client.get(reverse("firm_resubmit", args=[firm.pk]))
    assert page.status_code == 302
    assert page.url == f"{reverse('my_firm')}?firm={firm.pk}"
    assert reverse("firm_resubmit", args=[firm.pk]) not in client.get(page.url).content.decode()

    response = resubmit(
        client, firm, licence=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    )

    assert response.status_code == 400
    assert f"不能改为“{FirmStatus.APPLIED.label}”" in response.content.decode()
    firm.refresh_from_db()
    assert firm.status == status
    assert not Event.objects.filter(action="firm.resubmitted").exists()


@pytest.fixture
def rejected_firms_staff(district):
    return FirmMemberFactory(firm=rejected_firm(district), role="staff").user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who",
    [
        "rejected_firms_staff",
        "firm_admin",
        "firm_staff",
        "committee_member",
        "official",
        "other_official",
    ],
)
def test_only_the_rejected_firms_admin_may_resubmit(request, client, district, who):
    user = request.getfixturevalue(who)
    firm = (
        FirmMember.objects.get(user=user).firm
        if who == "rejected_firms_staff"
        else rejected_firm(district)
    )
    client.force_login(user)

    assert client.get(reverse("firm_resubmit", args=[firm.pk])).status_code == 403
    assert resubmit(client, firm, name="改名物业").status_code == 403
    if who == "rejected_firms_staff":
        assert (
            reverse("firm_resubmit", args=[firm.pk])
            not in client.get(reverse("my_firm")).content.decode()
        )
    firm.refresh_from_db()
    assert firm.status == FirmStatus.REJECTED
    assert not Event.objects.filter(action="firm.resubmitted").exists()


@pytest.mark.django_db
def test_the_public_must_log_in_to_resubmit(client, district):
    firm = rejected_firm(district)

    for response in [client.get(reverse("firm_resubmit", args=[firm.pk])), resubmit(client, firm)]:
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    firm.refresh_from_db()
    assert firm.status == FirmStatus.REJECTED


@pytest.mark.django_db
def test_resubmitting_a_missing_firm_is_not_found(client, firm_admin):
    client.force_login(firm_admin)

    assert client.get(reverse("firm_resubmit", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_the_service_refuses_anyone_but_the_firms_admin(district, official):
    firm = rejected_firm(district)

    with pytest.raises(PermissionDenied):
        firm_resubmit(actor=official, firm=firm, **resubmission_data(firm))
    with pytest.raises(PermissionDenied):
        firm_resubmit(actor=None, firm=firm, **resubmission_data(firm))

    firm.refresh_from_db()
    assert firm.status == FirmStatus.REJECTED


def resubmission_data(firm: Firm) -> dict:
    return {
        "name": firm.name,
        "credit_code": firm.credit_code,
        "contact_name": firm.contact_name,
        "phone": firm.phone,
        "email": firm.email,
        "districts": list(firm.districts.all()),
        "registered_district": firm.registered_district,
    }


# --- Two applications with one credit code at once ----------------------------------


@pytest.mark.django_db
def test_a_code_taken_between_the_check_and_the_insert_is_a_form_error_and_stores_nothing(
    client, applicant, district, licence_dir, monkeypatch
):
    """What the losing one of two simultaneous applications meets (the concurrent version
    runs on PostgreSQL in test_vetting_concurrency.py): the check passes, the insert hits
    the unique constraint."""
    FirmFactory(credit_code=GOOD_CODE)
    monkeypatch.setattr(firms_service, "_check_credit_code_free", lambda code, **kwargs: None)
    client.force_login(applicant)

    response = apply(client, district)

    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"] == [
        "已有企业使用此统一社会信用代码登记。"
    ]
    assert Firm.objects.count() == 1
    assert not FirmMember.objects.filter(user=applicant).exists()
    assert not Event.objects.exists()
    assert stored_files(licence_dir) == []


@pytest.mark.django_db
def test_a_resubmission_racing_for_a_code_is_a_form_error_too(
    client, district, licence_dir, monkeypatch
):
    FirmFactory(credit_code=GOOD_CODE)
    firm = rejected_firm(district)
    files = stored_files(licence_dir)
    monkeypatch.setattr(firms_service, "_check_credit_code_free", lambda code, **kwargs: None)
    client.force_login(admin_of(firm))

    response = resubmit(
        client,
        firm,
        credit_code=GOOD_CODE,
        licence=SimpleUploadedFile("a.png", png_bytes(), content_type="image/png"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"] == [
        "已有企业使用此统一社会信用代码登记。"
    ]
    firm.refresh_from_db()
    assert firm.status == FirmStatus.REJECTED
    assert stored_files(licence_dir) == files
